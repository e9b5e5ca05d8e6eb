/**
 * WebSocket and gRPC through the gateway versus straight to the backend, in one run
 * (`npx tsx bench/protocols.ts`): WebSocket message round trip (p50/p99, one connection,
 * sequential) and gRPC unary calls per second (one client, 16 calls in flight), in 2-second
 * slices rotating over the sides: direct, the gateway (lua mode: one nginx, routes in a shared
 * dict) and, for scale, a second gateway with templates/gateway-direct.hbs (instances written
 * into the config). Then each gateway's memory per 1,000 open WebSockets (RSS of its nginx
 * workers before and after). Real nginx,
 * a private Consul agent, backends in a child process. Writes bench/results/protocols.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { startConsulAgent } from '../test/helpers/consul-agent.js';
import { echoClient, unary, type EchoClientInstance } from '../test/helpers/grpc-backends.js';
import { ROOT } from '../test/helpers/paths.js';
import { freePort } from '../test/helpers/ports.js';
import { workersCpuMs, workersRss } from '../test/helpers/proc-memory.js';
import { openWs, roundTrip } from '../test/helpers/ws-backends.js';
import { startTestGateway, waitServed } from '../test/integration/gateway/harness.js';
import { startProtocolBackends } from './lib/protocol-backends.js';
import { percentile } from './lib/stats.js';

const SLICES = Number(process.env.SLICES ?? 6);
const SLICE_MS = 2_000;
const IN_FLIGHT = 16;
const OPEN = 1_000;

async function wsSlice(ws: WebSocket, into: number[]): Promise<void> {
  const end = performance.now() + SLICE_MS;
  while (performance.now() < end) {
    const t = performance.now();
    await roundTrip(ws, 'ping');
    into.push(performance.now() - t);
  }
}

/** gRPC calls made per side (to divide the gateways' nginx CPU time by). */
const callCount: Record<string, number> = {};

async function grpcSlice(client: EchoClientInstance, side: string): Promise<number> {
  const end = performance.now() + SLICE_MS;
  let calls = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      await unary(client, 'x');
      calls++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  callCount[side] = (callCount[side] ?? 0) + calls;
  return calls / ((performance.now() - started) / 1000);
}

const backend = await startProtocolBackends();
const { ports } = backend;
const agent = await startConsulAgent();
const SIDES = ['direct', 'gateway', 'single'] as const;
type Side = (typeof SIDES)[number];
const register = (id: string, port: number, tag: string) =>
  agent.client.registerService({ ID: id, Name: id, Address: '127.0.0.1', Port: port, Tags: [tag] });

/** A gateway with an h2c listener; its ws URL, gRPC address and nginx masters. */
async function gateway(extra: string[]) {
  const h2c = await freePort();
  const gw = await startTestGateway(agent, [...extra, '--h2c-listen', `127.0.0.1:${h2c}`]);
  await waitServed(`${gw.url}/ws`, ['ws']);
  return {
    gw,
    ws: `${gw.url.replace('http', 'ws')}/ws`,
    grpc: `127.0.0.1:${h2c}`,
    masters: (): number[] => {
      const s = gw.gateway.status();
      return [s.nginx.pid ?? 0, ...(s.pool?.pid ? [s.pool.pid] : [])];
    },
  };
}
type Gw = Awaited<ReturnType<typeof gateway>>;

/** MB of nginx worker RSS per 1,000 WebSockets held open through `g`. */
async function memoryPerThousand(g: Gw) {
  const m = g.masters();
  const rss = (): number => workersRss(m);
  const before = rss();
  const held: WebSocket[] = [];
  for (let i = 0; i < OPEN; i += 100)
    held.push(...(await Promise.all(Array.from({ length: 100 }, () => openWs(g.ws, 15_000)))));
  await new Promise((r) => setTimeout(r, 500));
  const after = rss();
  for (const ws of held) ws.terminate();
  const mb = (b: number): number => Math.round((b / 2 ** 20 / (OPEN / 1000)) * 10) / 10;
  return { idleMb: mb(before), total: mb(after - before) };
}

const gws: Gw[] = [];
try {
  await register('ws', ports.ws, 'urlprefix-/ws');
  await register('grpc', ports.grpc, 'urlprefix-/test.Echo/ proto=grpc');
  const two = await gateway(['--mode', 'lua']);
  gws.push(two);
  const one = await gateway(['--template', join(ROOT, 'templates/gateway-direct.hbs')]);
  gws.push(one);
  const url: Record<Side, { ws: string; grpc: string }> = {
    direct: { ws: `ws://127.0.0.1:${ports.ws}/ws`, grpc: `127.0.0.1:${ports.grpc}` },
    gateway: two,
    single: one,
  };
  const sockets = {} as Record<Side, WebSocket>;
  const clients = {} as Record<Side, EchoClientInstance>;
  const rtt = {} as Record<Side, number[]>;
  const rps = {} as Record<Side, number[]>;
  for (const side of SIDES) {
    sockets[side] = await openWs(url[side].ws);
    clients[side] = echoClient(url[side].grpc);
    await unary(clients[side], 'warm');
    rtt[side] = [];
    rps[side] = [];
  }
  const cpuMs: Record<Side, number> = { direct: 0, gateway: 0, single: 0 };
  for (let i = 0; i < SLICES; i++) {
    // Rotating order: no side always runs first.
    const order = SIDES.map((_, k) => SIDES[(k + i) % SIDES.length] as Side);
    for (const side of order) await wsSlice(sockets[side], rtt[side]);
    for (const side of order) {
      const m = side === 'direct' ? undefined : (side === 'gateway' ? two : one).masters();
      const before = m ? workersCpuMs(m) : 0;
      rps[side].push(await grpcSlice(clients[side], side));
      if (m) cpuMs[side] += workersCpuMs(m) - before;
    }
  }
  const load = loadavg()[0] ?? NaN;
  for (const side of SIDES) {
    sockets[side].terminate();
    clients[side].close();
  }
  const row = (side: Side) => ({
    wsRoundTrips: rtt[side].length,
    wsP50Ms: Math.round(percentile(rtt[side], 50) * 1000) / 1000,
    wsP99Ms: Math.round(percentile(rtt[side], 99) * 1000) / 1000,
    grpcUnaryPerSec: Math.round(rps[side].reduce((a, b) => a + b, 0) / rps[side].length),
    // nginx workers' CPU per gRPC call, µs.
    nginxCpuPerCallUs: Math.round((cpuMs[side] * 1000) / (callCount[side] ?? 1)),
  });
  const rows = Object.fromEntries(SIDES.map((s) => [s, row(s)])) as Record<
    Side,
    ReturnType<typeof row>
  >;
  const memory = { gateway: await memoryPerThousand(two), single: await memoryPerThousand(one) };
  const { direct, gateway: g2, single: g1 } = rows;
  const ratio = {
    wsP99: g2.wsP99Ms / direct.wsP99Ms,
    grpcUnary: g2.grpcUnaryPerSec / direct.grpcUnaryPerSec,
    singleWsP99: g1.wsP99Ms / direct.wsP99Ms,
    singleGrpcUnary: g1.grpcUnaryPerSec / direct.grpcUnaryPerSec,
  };
  const c = (v: number | string, w = 9): string => String(v).padStart(w);
  const x = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)}x` : '');
  console.log(
    `protocols: ${SLICES} slices of ${SLICE_MS / 1000} s per side; load ${load.toFixed(1)}, ${cpus().length} cores`,
  );
  console.log(
    `${''.padEnd(24)}${c('direct')}${c('gateway')}${c('ratio', 8)}${c('dir.tpl')}${c('ratio', 8)}   target`,
  );
  for (const [label, key, target] of [
    ['ws round trip p50 (ms)', 'wsP50Ms', ''],
    ['ws round trip p99 (ms)', 'wsP99Ms', '<= 2x'],
    ['grpc unary calls/s', 'grpcUnaryPerSec', '>= 0.8x'],
    ['nginx CPU per call (us)', 'nginxCpuPerCallUs', ''],
  ] as const)
    console.log(
      `${label.padEnd(24)}${c(direct[key])}${c(g2[key])}${c(x(g2[key] / direct[key]), 8)}${c(g1[key])}${c(x(g1[key] / direct[key]), 8)}   ${target}`,
    );
  for (const [name, m] of Object.entries(memory))
    console.log(
      `${name === 'gateway' ? 'gateway (lua)    ' : 'direct template  '}: ${m.total} MB of nginx worker RSS per 1,000 open WebSockets (idle ${m.idleMb} MB)`,
    );
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'protocols.json'),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        cores: cpus().length,
        loadAverage1m: load,
        slices: SLICES,
        sliceMs: SLICE_MS,
        inFlight: IN_FLIGHT,
        rows,
        ratio,
        memory,
      },
      null,
      2,
    ) + '\n',
  );
} finally {
  for (const g of gws) await g.gw.stop();
  await agent.stop();
  await backend.stop();
}
