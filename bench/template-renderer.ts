/**
 * template-renderer at gateway scale: 1000 services x 3 instances in a private Consul dev agent,
 * the shipped all-services nginx template, then one instance changing at a time.
 * Reports: first/full render time, change -> new file latency, bytes read from Consul per change
 * (counted by a loopback TCP proxy between the renderer and Consul), open long-polls, RSS.
 *
 *   npx tsx bench/template-renderer.ts [--services 1000] [--instances 3] [--changes 10]
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsulClient } from '../common/consul/client.js';
import { Child } from '../common/process/child.js';
import { createRenderer, type RenderEvent } from '../template-renderer/index.js';
import { CONSUL_BIN, ROOT } from '../test/helpers/paths.js';
import { freePorts } from '../test/helpers/ports.js';
import { waitFor } from '../test/helpers/wait-for.js';
import { flagValue } from './lib/args.js';

const arg = (name: string, def: number): number => {
  const v = flagValue(name);
  return v === undefined ? def : Number(v);
};
const SERVICES = arg('services', 1000);
const INSTANCES = arg('instances', 3);
const CHANGES = arg('changes', 10);
const median = (v: number[]): number =>
  [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? NaN;
const round = (n: number): number => Math.round(n * 10) / 10;

async function startConsul(): Promise<{ port: number; stop: () => Promise<void> }> {
  const [http, serf, wan, server] = (await freePorts(4)) as [number, number, number, number];
  const data = mkdtempSync(join(tmpdir(), 'bench-consul-'));
  // One long-poll per watched service: lift Consul's per-client connection cap (default 200),
  // as consul-template deployments of this size must too.
  const child = new Child(CONSUL_BIN, [
    'agent',
    '-dev',
    '-bind',
    '127.0.0.1',
    '-client',
    '127.0.0.1',
    '-http-port',
    String(http),
    '-dns-port',
    '-1',
    '-grpc-port',
    '-1',
    '-serf-lan-port',
    String(serf),
    '-serf-wan-port',
    String(wan),
    '-server-port',
    String(server),
    '-log-level',
    'warn',
  ]);
  const client = new ConsulClient({ scheme: 'http', host: '127.0.0.1', port: http });
  await waitFor(async () => (await client.leader()) !== '', {
    timeoutMs: 20_000,
    what: 'consul leader',
  });
  client.close();
  return {
    port: http,
    stop: async () => {
      await child.stop('SIGTERM', 5_000);
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/** Loopback proxy counting bytes Consul sends to the renderer and the connections open. */
async function startProxy(
  target: number,
): Promise<{ port: number; bytes: () => number; open: () => number; close: () => void }> {
  let bytes = 0;
  const sockets = new Set<Socket>();
  const server = createServer((down) => {
    const up = createConnection({ host: '127.0.0.1', port: target });
    sockets.add(down);
    up.on('data', (chunk: Buffer) => (bytes += chunk.length));
    down.pipe(up);
    up.pipe(down);
    const end = (): void => {
      sockets.delete(down);
      up.destroy();
      down.destroy();
    };
    down.on('close', end).on('error', end);
    up.on('close', end).on('error', end);
  });
  const [port] = (await freePorts(1)) as [number];
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    port,
    bytes: () => bytes,
    open: () => sockets.size,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

async function main(): Promise<void> {
  const consul = await startConsul();
  const admin = new ConsulClient({ scheme: 'http', host: '127.0.0.1', port: consul.port });
  const register = (svc: number, inst: number, port: number) =>
    admin.transport.request({
      method: 'PUT',
      path: '/catalog/register',
      body: {
        Node: `worker-${inst}`,
        Address: `10.0.${inst}.1`,
        Service: {
          ID: `svc-${svc}-${inst}`,
          Service: `svc-${String(svc).padStart(4, '0')}`,
          Port: port,
          Tags: ['bench'],
        },
      },
    });
  const t0 = performance.now();
  const jobs: (() => Promise<unknown>)[] = [];
  for (let s = 0; s < SERVICES; s++)
    for (let i = 1; i <= INSTANCES; i++) jobs.push(() => register(s, i, 20000 + s));
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      for (let j = jobs.shift(); j; j = jobs.shift()) await j();
    }),
  );
  console.log(
    `registered ${SERVICES} x ${INSTANCES} instances in ${Math.round(performance.now() - t0)} ms`,
  );

  const proxy = await startProxy(consul.port);
  const dir = mkdtempSync(join(tmpdir(), 'bench-tr-'));
  const out = join(dir, 'app.conf');
  const renderer = createRenderer({
    consul: { scheme: 'http', host: '127.0.0.1', port: proxy.port },
    templates: [{ source: join(ROOT, 'templates/nginx-all-services.hbs'), destination: out }],
  });
  const events: RenderEvent[] = [];
  renderer.on('render', (e) => events.push(e));
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  await renderer.start();
  await renderer.firstRender;
  const firstRenderMs = performance.now() - started;
  const firstBytes = proxy.bytes();
  const fullRender = events.find((e) => e.changed)?.durationMs ?? NaN;
  const lines = readFileSync(out, 'utf8')
    .split('\n')
    .filter((l) => l.includes('server 10.')).length;
  // A full render of unchanged data (render + compare with the file), repeated.
  const rerenders: number[] = [];
  for (let i = 0; i < 10; i++) {
    events.length = 0;
    await renderer.rerender();
    rerenders.push(events[0]?.durationMs ?? NaN);
  }
  await new Promise((r) => setTimeout(r, 500));

  const latencies: number[] = [];
  const bytesPerChange: number[] = [];
  for (let c = 0; c < CHANGES; c++) {
    const svc = (c * 97) % SERVICES;
    const newPort = 30000 + c;
    await new Promise((r) => setTimeout(r, 300)); // let every long-poll settle back into waiting
    const before = proxy.bytes();
    events.length = 0;
    const t = performance.now();
    await register(svc, 2, newPort);
    await waitFor(() => events.some((e) => e.changed && e.contents.includes(`:${newPort};`)), {
      timeoutMs: 10_000,
      intervalMs: 1,
      what: 'change rendered',
    });
    latencies.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 300)); // count the whole exchange the change caused
    bytesPerChange.push(proxy.bytes() - before);
  }
  const status = renderer.status();
  const rss = process.memoryUsage().rss;
  const results = {
    date: new Date().toISOString(),
    services: SERVICES,
    instances: INSTANCES,
    renderedServerLines: lines,
    watches: status.queries.length,
    openLongPolls: proxy.open(),
    firstRenderMs: round(firstRenderMs),
    bytesReadForFirstRender: firstBytes,
    fullRenderMs: round(fullRender),
    rerenderMedianMs: round(median(rerenders)),
    changeToFileMs: {
      median: round(median(latencies)),
      max: round(Math.max(...latencies)),
      samples: latencies.map(round),
    },
    bytesReadPerChange: {
      median: median(bytesPerChange),
      max: Math.max(...bytesPerChange),
      samples: bytesPerChange,
    },
    rssMb: round(rss / 2 ** 20),
    rssBeforeStartMb: round(rssBefore / 2 ** 20),
    note: 'wait 0 (default); RSS is the benchmark process (renderer + proxy + admin client)',
  };
  console.log(JSON.stringify(results, null, 2));
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(
    join(ROOT, 'bench/results/template-renderer.json'),
    JSON.stringify(results, null, 2) + '\n',
  );
  await renderer.stop();
  proxy.close();
  admin.close();
  await consul.stop();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
