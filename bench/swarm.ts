/**
 * Swarm: our gateway (Consul + registrator) versus nginx resolving `tasks.<service>` through
 * Docker's DNS (127.0.0.11, `resolver ... valid=1s`: the dnsrr approach), in one run, on the
 * same Swarm service, each under the same load, while the service scales up, scales down and
 * rolls. Our gateway is the stack's, as deployed (the image's default: lua mode, no reload).
 * --with-reload adds the same image as a second service in reload pool mode
 * (GATEWAY_MODE=reload: every change reloads its pool nginx), front `gateway-reload`; its
 * reloads take CPU from the others on a small machine, so it is not in the default run.
 *
 *   npx tsx bench/swarm.ts [--rate 200] [--app c|node] [--check passing|tcp|none] [--with-reload]
 *   (root, Docker; ~3 min)
 *
 * --app c (default): the demo app in C (compose/demo/fast-server.c, built statically by
 * compose/demo/build-fast-image.sh), listening milliseconds after its container starts; node:
 * the Node demo (compose/demo/server.mjs), which listens about a second after. --check passing
 * (default): a 1 s TCP check by the agent that starts passing (SERVICE_CHECK_INITIAL_STATUS:
 * Consul runs a new check's first probe at a random point of its first interval, up to 1 s
 * late); tcp: starts critical, routed after its first probe; none: no check.
 *
 * Per front: failed requests per phase; new task -> first request answered by it (from its
 * container's `start` event, and from the moment its app listens); SIGTERM -> last request
 * that reached it (the demo app logs every request that arrives after its SIGTERM, with the
 * path that names the front). Results: bench/results/swarm.json, bench/README.md.
 */
import type Docker from 'dockerode';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDockerEvents } from './lib/docker-events.js';
import { swarmReport, type FrontRun, type Phase } from './lib/swarm-report.js';
import { serviceLog, watchConsul } from './lib/swarm-stages.js';
import { FAST_APP, fastApp } from '../test/helpers/fast-app.js';
import { get } from '../test/helpers/http.js';
import { startLoad } from '../test/helpers/load.js';
import { freePorts } from '../test/helpers/ports.js';
import { waitFor } from '../test/helpers/wait-for.js';
import { IMAGES, standInEnv } from '../test/e2e/compose/harness.js';
import { deployStack, startSwarmStack, type SwarmStack } from '../test/e2e/swarm/harness.js';
import { flagValue } from './lib/args.js';

// Requests per second per front, round robin over up to 6 tasks: at 200 a task's turn comes about
// every 30 ms, finer than the 100 ms the first-request figure is held to (at 40, every 150 ms).
const rate = Number(flagValue('rate')) || 200;
const app = flagValue('app') ?? 'c';
const check = flagValue('check') ?? 'passing';
const withReload = process.argv.includes('--with-reload');
const APP_IMAGE = app === 'c' ? FAST_APP.image : IMAGES.demo;
const CHECK_ENV: Record<string, string[]> = {
  passing: [
    'SERVICE_CHECK_TCP=true',
    'SERVICE_CHECK_INTERVAL=1s',
    'SERVICE_CHECK_INITIAL_STATUS=passing',
  ],
  tcp: ['SERVICE_CHECK_TCP=true', 'SERVICE_CHECK_INTERVAL=1s'],
  none: [],
};

const NGINX_CONF = `worker_processes 1;
events { worker_connections 1024; }
http {
  access_log off;
  resolver 127.0.0.11 valid=1s ipv6=off;
  server {
    listen 8080;
    location / {
      set $backend tasks.bench;
      proxy_pass http://$backend:8080;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # The same retry policy as the gateway's.
      proxy_next_upstream error timeout http_502 http_503 http_504;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 2s;
    }
  }
}
`;

async function setUp(s: SwarmStack, root: string, nginxImage: string): Promise<FrontUrls> {
  // The stack's gateway (front `gateway`) in its default mode; `gwreload` below in reload mode.
  await deployStack(s);
  await s.docker('service', 'rm', `${s.stack}_web`);
  const confDir = join(root, 'nginx');
  mkdirSync(confDir);
  writeFileSync(join(confDir, 'nginx.conf'), NGINX_CONF);
  const logDir = join(root, 'tasks');
  const [nginxPort, reloadPort, reloadStatus] = (await freePorts(3)) as [number, number, number];
  const label = ['-l', 'SERVICE_IGNORE=true', '-l', 'org.toolkit.test=swarm-bench'];
  await s.docker(
    ...['run', '-d', '--name', 'dns-nginx', '--network', `${s.stack}_mesh`, ...label],
    ...['-p', `127.0.0.1:${nginxPort}:8080`],
    ...['-v', `${confDir}/nginx.conf:/etc/nginx/nginx.conf:ro`, nginxImage],
  );
  if (withReload)
    await s.docker(
      ...['service', 'create', '--detach', '--quiet', '--name', 'gwreload', '--no-resolve-image'],
      ...['--network', `${s.stack}_mesh`, '--endpoint-mode', 'dnsrr'],
      ...['--publish', `mode=host,target=8080,published=${reloadPort}`],
      ...['--publish', `mode=host,target=9180,published=${reloadStatus}`],
      ...['-e', 'CONSUL_HTTP_ADDR=consul:8500', '-e', 'GATEWAY_MODE=reload'],
      ...['--container-label', 'SERVICE_IGNORE=true', IMAGES.gateway],
    );
  await s.docker(
    ...['service', 'create', '--detach', '--quiet', '--name', 'bench', '--no-resolve-image'],
    ...['--network', `${s.stack}_mesh`, '--endpoint-mode', 'dnsrr', '--no-healthcheck'],
    ...['--replicas', '2', '--update-order', 'start-first', '--update-parallelism', '1'],
    ...['--mount', `type=bind,src=${logDir},dst=/drain`, '-e', 'DRAIN_LOG_DIR=/drain'],
    ...['-e', 'SERVICE_NAME=bench', '-e', 'SERVICE_TAGS=urlprefix-/'],
    ...['-e', 'SERVICE_8080_NAME=bench', '-e', 'STOP_DELAY_MS=2000', '-e', 'DRAIN_STATUS=503'],
    // A TCP check by the agent, which is on the network.
    ...(CHECK_ENV[check] ?? []).flatMap((kv) => ['-e', kv]),
    ...['--container-label', 'org.toolkit.test=swarm-bench', APP_IMAGE],
  );
  return {
    gateway: `${s.gatewayUrl}/gw`,
    ...(withReload ? { 'gateway-reload': `http://127.0.0.1:${reloadPort}/gwr` } : {}),
    'nginx-dns': `http://127.0.0.1:${nginxPort}/dns`,
  };
}

/** Front name -> its URL: `gateway`, `nginx-dns` and, with --with-reload, `gateway-reload`. */
type FrontUrls = Record<string, string>;

/** Each front answers from `n` distinct tasks. */
async function servedByAll(urls: string[], n: number): Promise<void> {
  for (const url of urls)
    await waitFor(
      async () => {
        const seen = new Set<string>();
        for (let i = 0; i < 4 * n; i++) {
          const r = await get(url);
          if (r.status === 200) seen.add(r.body.split(' ')[0] as string);
        }
        return seen.size >= n;
      },
      { timeoutMs: 120_000, what: `${url} answered by ${n} tasks` },
    );
}

async function run(s: SwarmStack, urls: FrontUrls, logDir: string): Promise<object> {
  const anchor = { wall: Date.now(), perf: performance.now() };
  const docker = s.engines[0]?.docker as Docker;
  const events = startDockerEvents(docker);
  const consul = watchConsul(s.consulUrl, 'bench');
  const loads = Object.entries(urls).map(([name, url]) => ({
    name,
    path: new URL(url).pathname,
    run: startLoad({ url, rate, maxDurationMs: 300_000, keepBodies: true }),
  }));
  const phases: Phase[] = [];
  const phase = async (name: string, ...args: string[]): Promise<void> => {
    const from = Date.now();
    await s.docker(...args);
    await sleep(5_000);
    phases.push({ name, from, to: Date.now() });
    process.stdout.write(`  ${name}: ${((Date.now() - from) / 1000).toFixed(1)} s\n`);
  };
  await sleep(2_000);
  await phase('scale up 2 -> 6', 'service', 'scale', 'bench=6');
  await phase('scale down 6 -> 2', 'service', 'scale', 'bench=2');
  await phase('rolling update', 'service', 'update', '--quiet', '--env-add', 'V=2', 'bench');
  const fronts: Record<string, FrontRun> = {};
  for (const l of loads) fronts[l.name] = { path: l.path, run: l.run, samples: await l.run.stop() };
  const applied = async (service: string) =>
    (await serviceLog(docker, service, ['pool applied'])).map((l) => l.time);
  const stages = {
    consul: consul.stop(),
    registrator: await serviceLog(docker, `${s.stack}_registrator`, ['registered', 'deregistered']),
    applied: {
      gateway: await applied(`${s.stack}_gateway`),
      ...(withReload ? { 'gateway-reload': await applied('gwreload') } : {}),
    },
  };
  return {
    rate,
    app,
    check,
    phases,
    ...swarmReport(fronts, anchor, await events.stop(), phases, logDir, stages),
  };
}

async function main(): Promise<void> {
  if (!CHECK_ENV[check] || !['c', 'node'].includes(app)) throw new Error('bad --app or --check');
  const { NGINX_IMAGE } = await standInEnv();
  if (app === 'c') await fastApp();
  const s = await startSwarmStack('bnsw', {
    bridgeCidr: '10.214.30.1/24',
    extraImages: [NGINX_IMAGE as string, ...(app === 'c' ? [APP_IMAGE] : [])],
  });
  const root = mkdtempSync('/tmp/swarm-bench-');
  const logDir = join(root, 'tasks');
  mkdirSync(logDir);
  chmodSync(logDir, 0o777);
  try {
    const urls = await setUp(s, root, NGINX_IMAGE as string);
    await servedByAll(Object.values(urls), 2);
    const result = await run(s, urls, logDir);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    const suffix =
      (app === 'c' ? '' : `-${app}`) +
      (check === 'passing' ? '' : `-check-${check}`) +
      (rate === 200 ? '' : `-rate-${rate}`) +
      (withReload ? '-with-reload' : '');
    const file = join('bench/results', `swarm${suffix}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await s.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
