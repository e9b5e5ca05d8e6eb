/**
 * Swarm: our gateway (Consul + registrator) versus nginx resolving `tasks.<service>` through
 * Docker's DNS (127.0.0.11, `resolver ... valid=1s`: the dnsrr approach), in one run, on the
 * same Swarm service, under the same load, while it scales up, scales down and rolls.
 *
 *   npx tsx bench/swarm.ts [--rate 50]     (root, Docker; builds the compose images once)
 *
 * Per front: failed requests per phase; new task -> first request answered by it (from its
 * container's `start` event); SIGTERM -> last request that reached it (the demo app appends
 * every request that arrives after its SIGTERM to a file, with the path that names the front).
 */
import type Docker from 'dockerode';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDockerEvents, type ContainerEvent } from './lib/docker-events.js';
import { distribution } from './lib/stats.js';
import { startLoad, type LoadRun, type LoadSample } from '../test/helpers/load.js';
import { freePort } from '../test/helpers/ports.js';
import { waitFor } from '../test/helpers/wait-for.js';
import { deployStack, startSwarmStack, type SwarmStack } from '../test/e2e/swarm/harness.js';
import { standInEnv } from '../test/e2e/compose/harness.js';

const rate = Number(process.argv[process.argv.indexOf('--rate') + 1]) || 50;
const FRONTS = { gateway: '/gw', 'nginx-dns': '/dns' } as const;
type Front = keyof typeof FRONTS;

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

interface Phase {
  name: string;
  from: number;
  to: number;
}

async function setUp(s: SwarmStack, drainDir: string, nginxImage: string): Promise<number> {
  await deployStack(s);
  await s.docker('service', 'rm', `${s.stack}_web`);
  const confDir = mkdtempSync('/tmp/swarm-bench-nginx-');
  writeFileSync(join(confDir, 'nginx.conf'), NGINX_CONF);
  const nginxPort = await freePort();
  await s.docker(
    ...['run', '-d', '--name', 'dns-nginx', '--network', `${s.stack}_mesh`],
    ...['-l', 'SERVICE_IGNORE=true', '-l', 'org.toolkit.test=swarm-bench'],
    ...[
      '-p',
      `127.0.0.1:${nginxPort}:8080`,
      '-v',
      `${confDir}/nginx.conf:/etc/nginx/nginx.conf:ro`,
    ],
    nginxImage,
  );
  await s.docker(
    ...['service', 'create', '--detach', '--quiet', '--name', 'bench', '--no-resolve-image'],
    ...['--network', `${s.stack}_mesh`, '--endpoint-mode', 'dnsrr', '--no-healthcheck'],
    ...['--replicas', '2', '--update-order', 'start-first', '--update-parallelism', '1'],
    ...['--mount', `type=bind,src=${drainDir},dst=/drain`, '-e', 'DRAIN_LOG_DIR=/drain'],
    ...[
      '-e',
      'SERVICE_NAME=bench',
      '-e',
      'SERVICE_TAGS=urlprefix-/',
      '-e',
      'SERVICE_8080_NAME=bench',
    ],
    ...['-e', 'STOP_DELAY_MS=2000', '-e', 'DRAIN_STATUS=503'],
    ...['--container-label', 'org.toolkit.test=swarm-bench'],
    'docker-consul-gateway/demo:latest',
  );
  return nginxPort;
}

/** Both fronts answer from `n` distinct tasks. */
async function servedByAll(urls: string[], n: number): Promise<void> {
  const { get } = await import('../test/helpers/http.js');
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

/** Wall clock of a sample: from an anchor taken when the loads start (the VM's wall clock and
 * performance.timeOrigin drift apart over minutes). */
const anchor = { wall: 0, perf: 0 };
const epoch = (run: LoadRun, x: LoadSample): number =>
  anchor.wall + (run.startedAt + x.t - anchor.perf);

/** "200": 1234, "0 (ECONNRESET)": 3, ... */
function statuses(list: LoadSample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of list) {
    const key = x.status === 0 ? `0 (${x.error ?? '?'})` : String(x.status);
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

function report(
  runs: Record<Front, LoadRun>,
  samples: Record<Front, LoadSample[]>,
  events: ContainerEvent[],
  phases: Phase[],
  drainDir: string,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const starts = events.filter((e) => e.action === 'start');
  const kills = events.filter((e) => e.action === 'kill' && e.signal === '15');
  const drained = new Map<string, string[]>();
  for (const f of readdirSync(drainDir))
    drained.set(
      f.replace(/\.log$/, ''),
      readFileSync(join(drainDir, f), 'utf8').trim().split('\n'),
    );
  for (const front of Object.keys(FRONTS) as Front[]) {
    const run = runs[front];
    const list = samples[front];
    const failed = phases.map((p) => {
      const inPhase = list.filter((x) => epoch(run, x) >= p.from && epoch(run, x) < p.to);
      return {
        phase: p.name,
        requests: inPhase.length,
        failed: inPhase.filter((x) => x.status !== 200).length,
      };
    });
    const firstRouted = starts.flatMap((e) => {
      const first = list.find(
        (x) => x.status === 200 && x.body.startsWith(`${e.id.slice(0, 12)} `),
      );
      return first ? [epoch(run, first) - e.time] : [];
    });
    const afterSigterm = kills.map((k) => {
      const lines = (drained.get(k.id.slice(0, 12)) ?? []).filter((l) =>
        l.endsWith(` ${FRONTS[front]}`),
      );
      return lines.length ? Math.max(...lines.map((l) => Number(l.split(' ')[1]))) : 0;
    });
    result[front] = {
      requests: list.length,
      failed: list.filter((x) => x.status !== 200).length,
      perPhase: failed,
      newTaskFirstRoutedMs: { ...distribution(firstRouted), tasksStarted: starts.length },
      sigtermToLastRequestMs: {
        ...distribution(afterSigterm),
        tasksStopped: kills.length,
        reachedAfter200ms: afterSigterm.filter((ms) => ms > 200).length,
      },
    };
  }
  return result;
}

async function main(): Promise<void> {
  const { NGINX_IMAGE } = await standInEnv();
  const s = await startSwarmStack('bnsw', {
    bridgeCidr: '10.214.30.1/24',
    extraImages: [NGINX_IMAGE as string],
  });
  const drainDir = mkdtempSync('/tmp/swarm-bench-drain-');
  chmodSync(drainDir, 0o777);
  try {
    const nginxPort = await setUp(s, drainDir, NGINX_IMAGE as string);
    const urls = {
      gateway: `${s.gatewayUrl}/gw`,
      'nginx-dns': `http://127.0.0.1:${nginxPort}/dns`,
    };
    await servedByAll(Object.values(urls), 2);
    anchor.wall = Date.now();
    anchor.perf = performance.now();
    const events = startDockerEvents(s.engines[0]!.docker as Docker);
    const runs = {
      gateway: startLoad({ url: urls.gateway, rate, maxDurationMs: 300_000, keepBodies: true }),
      'nginx-dns': startLoad({
        url: urls['nginx-dns'],
        rate,
        maxDurationMs: 300_000,
        keepBodies: true,
      }),
    };
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
    await phase(
      'rolling update',
      'service',
      'update',
      '--quiet',
      '--env-add',
      'VERSION=2',
      'bench',
    );
    const samples = {
      gateway: await runs.gateway.stop(),
      'nginx-dns': await runs['nginx-dns'].stop(),
    };
    const result = {
      rate,
      phases,
      ...report(runs, samples, await events.stop(), phases, drainDir),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join('bench/results', 'swarm.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await s.docker('rm', '-f', 'dns-nginx').catch(() => undefined);
    await s.stop();
    rmSync(drainDir, { recursive: true, force: true });
  }
}

await main();
