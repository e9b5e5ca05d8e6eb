// Demo backend for the stacks: answers every HTTP path with this container's name (its hostname)
// and the path, so you can see which instance served a request; /health and /features answer
// 200 for health checks. Listens on every port in HTTP_PORTS and accepts plain TCP connections on
// TCP_PORTS (a stand-in for a Thrift port). On SIGTERM it keeps serving for STOP_DELAY_MS while
// registrator deregisters it and the gateway reloads, then closes: no request is dropped.
// With DRAIN_STATUS (e.g. 503), requests that arrive after SIGTERM get that status instead (as
// many real servers answer while shutting down); requests already in progress complete.
import { once } from 'node:events';
import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { hostname } from 'node:os';
import { setTimeout } from 'node:timers';

const ports = (name, fallback) =>
  (process.env[name] ?? fallback)
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);
const id = process.env.BACKEND_ID || hostname();
const stopDelayMs = Number(process.env.STOP_DELAY_MS ?? 1500);
const drainStatus = Number(process.env.DRAIN_STATUS || 0);
// DRAIN_LOG_DIR (bench/swarm.ts): <dir>/<id>.listening holds the epoch ms when every port
// listens; <dir>/<id>.drain gets one line per request that arrives after SIGTERM
// ("<epoch ms> <ms since SIGTERM> <path>").
const logDir = process.env.DRAIN_LOG_DIR ?? '';
const drainLog = logDir ? `${logDir}/${id}.drain` : '';
let stoppedAt = 0;
const servers = [];
let stopping = false;

for (const port of ports('HTTP_PORTS', '8080')) {
  const server = createHttpServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (stopping && drainLog)
      appendFileSync(drainLog, `${Date.now()} ${Date.now() - stoppedAt} ${path}\n`);
    if (stopping && drainStatus) {
      res.writeHead(drainStatus, { 'content-type': 'text/plain', 'x-backend-id': id });
      res.end(`${id} stopping\n`);
      return;
    }
    const body = path === '/health' ? 'ok\n' : `${id} ${path}\n`;
    res.writeHead(200, { 'content-type': 'text/plain', 'x-backend-id': id });
    res.end(body);
  });
  server.keepAliveTimeout = 5_000;
  servers.push(server.listen(port));
}
for (const port of ports('TCP_PORTS', '')) {
  servers.push(createTcpServer((socket) => socket.end(`${id}\n`)).listen(port));
}
await Promise.all(servers.map((s) => once(s, 'listening')));
if (logDir) writeFileSync(`${logDir}/${id}.listening`, `${Date.now()}\n`);
process.stdout.write(`demo backend ${id} on ${servers.length} port(s)\n`);

const stop = () => {
  if (stopping) return;
  stopping = true;
  stoppedAt = Date.now();
  process.stdout.write(`draining for ${stopDelayMs} ms\n`);
  setTimeout(() => {
    for (const s of servers) {
      s.close();
      s.closeIdleConnections?.();
    }
    setTimeout(() => process.exit(0), 1_000).unref();
  }, stopDelayMs);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
