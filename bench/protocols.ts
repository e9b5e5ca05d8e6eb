/**
 * WebSocket and gRPC through the gateway versus straight to the backend, in one run
 * (`npx tsx bench/protocols.ts`): WebSocket message round trip (p50/p99, one connection,
 * sequential), gRPC unary calls per second (one client, 16 calls in flight), alternating
 * 2-second slices per side; then the gateway's memory per 1,000 open WebSockets (RSS of both
 * tiers' nginx workers before and after). Real nginx (lua pool), a private Consul agent, backends
 * in a child process. Writes bench/results/protocols.json.
 */
import { execa } from 'execa';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { WebSocket } from 'ws';
import { startConsulAgent } from '../test/helpers/consul-agent.js';
import { echoClient, unary, type EchoClientInstance } from '../test/helpers/grpc-backends.js';
import { ROOT } from '../test/helpers/paths.js';
import { freePort } from '../test/helpers/ports.js';
import { workersRss } from '../test/helpers/proc-memory.js';
import { openWs, roundTrip } from '../test/helpers/ws-backends.js';
import { startTestGateway, waitServed } from '../test/integration/gateway/harness.js';
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

async function grpcSlice(client: EchoClientInstance): Promise<number> {
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
  return calls / ((performance.now() - started) / 1000);
}

const backend = execa('npx', ['tsx', join(ROOT, 'bench/lib/protocol-backend.ts')], {
  stdin: 'pipe',
  stdout: 'pipe',
  stderr: 'inherit',
});
const ports = await new Promise<{ ws: number; grpc: number }>((resolve) =>
  createInterface({ input: backend.stdout! }).once('line', (l) => resolve(JSON.parse(l))),
);
const agent = await startConsulAgent();
const h2c = await freePort();
try {
  await agent.client.registerService({
    ID: 'ws',
    Name: 'ws',
    Address: '127.0.0.1',
    Port: ports.ws,
    Tags: ['urlprefix-/ws'],
  });
  await agent.client.registerService({
    ID: 'grpc',
    Name: 'grpc',
    Address: '127.0.0.1',
    Port: ports.grpc,
    Tags: ['urlprefix-/test.Echo/ proto=grpc'],
  });
  const gw = await startTestGateway(agent, [
    '--pool-mode',
    'lua',
    '--h2c-listen',
    `127.0.0.1:${h2c}`,
  ]);
  try {
    await waitServed(`${gw.url}/ws`, ['ws']);
    const wsUrl = {
      direct: `ws://127.0.0.1:${ports.ws}/ws`,
      gateway: `${gw.url.replace('http', 'ws')}/ws`,
    };
    const sockets = { direct: await openWs(wsUrl.direct), gateway: await openWs(wsUrl.gateway) };
    const clients = {
      direct: echoClient(`127.0.0.1:${ports.grpc}`),
      gateway: echoClient(`127.0.0.1:${h2c}`),
    };
    await unary(clients.gateway, 'warm');
    await unary(clients.direct, 'warm');
    const rtt = { direct: [] as number[], gateway: [] as number[] };
    const rps = { direct: [] as number[], gateway: [] as number[] };
    for (let i = 0; i < SLICES; i++) {
      // A B, B A, ...: neither side always runs first.
      const order =
        i % 2 === 0 ? (['direct', 'gateway'] as const) : (['gateway', 'direct'] as const);
      for (const side of order) await wsSlice(sockets[side], rtt[side]);
      for (const side of order) rps[side].push(await grpcSlice(clients[side]));
    }
    const load = loadavg()[0];
    const sum = (a: number[]): number => a.reduce((x, y) => x + y, 0);
    const row = (side: 'direct' | 'gateway') => ({
      wsRoundTrips: rtt[side].length,
      wsP50Ms: Math.round(percentile(rtt[side], 50) * 1000) / 1000,
      wsP99Ms: Math.round(percentile(rtt[side], 99) * 1000) / 1000,
      grpcUnaryPerSec: Math.round(sum(rps[side]) / rps[side].length),
    });
    const direct = row('direct');
    const gateway = row('gateway');

    // Memory: 1,000 WebSockets held open through the gateway.
    const masters = (): number[] => {
      const s = gw.gateway.status();
      return [s.nginx.pid ?? 0, s.pool.pid ?? 0];
    };
    const [edgeMaster, poolMaster] = masters() as [number, number];
    const before = workersRss(masters());
    const beforeTier = { edge: workersRss([edgeMaster]), pool: workersRss([poolMaster]) };
    const held: WebSocket[] = [];
    for (let i = 0; i < OPEN; i += 100)
      held.push(
        ...(await Promise.all(Array.from({ length: 100 }, () => openWs(wsUrl.gateway, 15_000)))),
      );
    await new Promise((r) => setTimeout(r, 500));
    const after = workersRss(masters());
    const afterTier = { edge: workersRss([edgeMaster]), pool: workersRss([poolMaster]) };
    for (const ws of held) ws.terminate();
    for (const ws of Object.values(sockets)) ws.terminate();
    for (const c of Object.values(clients)) c.close();
    const memory = {
      workersBeforeMb: before / 2 ** 20,
      workersAfterMb: after / 2 ** 20,
      perThousandMb: (after - before) / 2 ** 20 / (OPEN / 1000),
      edgePerThousandMb: (afterTier.edge - beforeTier.edge) / 2 ** 20 / (OPEN / 1000),
      poolPerThousandMb: (afterTier.pool - beforeTier.pool) / 2 ** 20 / (OPEN / 1000),
    };

    const ratio = {
      wsP99: gateway.wsP99Ms / direct.wsP99Ms,
      grpcUnary: gateway.grpcUnaryPerSec / direct.grpcUnaryPerSec,
    };
    const f = (v: number): string => v.toFixed(3);
    console.log(
      `protocols (${SLICES} slices of ${SLICE_MS / 1000} s per side, load ${load?.toFixed(1)}, ${cpus().length} cores)`,
    );
    console.log('                         direct     gateway   ratio   target');
    console.log(
      `ws round trip p50 (ms)   ${f(direct.wsP50Ms).padStart(7)}   ${f(gateway.wsP50Ms).padStart(9)}   ${(gateway.wsP50Ms / direct.wsP50Ms).toFixed(2).padStart(5)}`,
    );
    console.log(
      `ws round trip p99 (ms)   ${f(direct.wsP99Ms).padStart(7)}   ${f(gateway.wsP99Ms).padStart(9)}   ${ratio.wsP99.toFixed(2).padStart(5)}   <= 2x`,
    );
    console.log(
      `grpc unary calls/s       ${String(direct.grpcUnaryPerSec).padStart(7)}   ${String(gateway.grpcUnaryPerSec).padStart(9)}   ${ratio.grpcUnary.toFixed(2).padStart(5)}   >= 0.8x`,
    );
    console.log(
      `nginx workers (edge + pool) RSS: ${memory.workersBeforeMb.toFixed(1)} MB idle, ${memory.workersAfterMb.toFixed(1)} MB with ${OPEN} WebSockets open: ${memory.perThousandMb.toFixed(1)} MB per 1,000 (edge ${memory.edgePerThousandMb.toFixed(1)}, pool ${memory.poolPerThousandMb.toFixed(1)})`,
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
          direct,
          gateway,
          ratio,
          memory,
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    await gw.stop();
  }
} finally {
  await agent.stop();
  backend.stdin!.end();
  await backend.catch(() => undefined);
}
