// Container health check for the registrator and gateway images (Node only, no curl needed).
// HEALTHCHECK_URLS: space-separated http:// URLs that must answer 2xx; when unset and
// GATEWAY_STATUS_ADDR is set (gateway image), the gateway's /readyz on that address.
// HEALTHCHECK_DOCKER_SOCKET: a Docker socket that must answer /_ping (registrator).
// Exits 0 when every check passes, 1 otherwise, printing the first failure.
import { request } from 'node:http';

const TIMEOUT_MS = 2500;

/** GET a URL string or an http.request options object; resolves on 2xx. */
function get(target) {
  return new Promise((resolve, reject) => {
    const req = request(target, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode >= 200 && res.statusCode < 300
          ? resolve()
          : reject(new Error(`HTTP ${res.statusCode}`)),
      );
    });
    req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error(`no answer in ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

const checks = [];
const status = process.env.GATEWAY_STATUS_ADDR?.replace(
  /^(0\.0\.0\.0|\*|\[::\])?:/,
  '127.0.0.1:',
).replace(/^(\d+)$/, '127.0.0.1:$1');
const urls = process.env.HEALTHCHECK_URLS ?? (status ? `http://${status}/readyz` : '');
for (const url of urls.split(/\s+/).filter(Boolean)) {
  checks.push([url, () => get(url)]);
}
const socket = process.env.HEALTHCHECK_DOCKER_SOCKET;
if (socket) checks.push([`${socket} /_ping`, () => get({ socketPath: socket, path: '/_ping' })]);

for (const [what, check] of checks) {
  try {
    await check();
  } catch (error) {
    process.stderr.write(`unhealthy: ${what}: ${error.message}\n`);
    process.exit(1);
  }
}
process.stdout.write(`healthy (${checks.length} checks)\n`);
