/**
 * What nginx's own `grpc_pass` allows on this machine, with no gateway code at all (issue 17's
 * gRPC target: >= 0.8x direct): `npx tsx bench/grpc-floor.ts [--slices 5]`. The protocols
 * benchmark's echo backend in its own process and one client, 16 unary calls in flight, in
 * 2-second slices rotating over:
 *
 * - *direct*: one HTTP/2 connection to the backend (what bench/protocols.ts calls direct);
 * - *direct, 16 connections*: one connection per call in flight, which is what the backend sees
 *   behind nginx (its upstream side carries one call per connection; keep-alive reuses them);
 * - *plain grpc_pass*: a bare nginx (h2c listener, `grpc_pass` to an upstream with keepalive 32,
 *   no Lua, no access log, worker_processes auto).
 *
 * Prints calls per second, the ratio to direct and nginx's worker CPU per call.
 */
import * as grpc from '@grpc/grpc-js';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { EchoClient, unary, type EchoClientInstance } from '../test/helpers/grpc-backends.js';
import { startNginx } from '../test/helpers/nginx.js';
import { freePort } from '../test/helpers/ports.js';
import { workersCpuMs } from '../test/helpers/proc-memory.js';
import { flagValue } from './lib/args.js';
import { startProtocolBackends } from './lib/protocol-backends.js';

const SLICES = Number(flagValue('slices') ?? '5');
const SLICE_MS = 2_000;
const IN_FLIGHT = 16;

/** A client whose channel is its own (grpc-js shares channels between equal clients). */
const client = (address: string, id: number): EchoClientInstance =>
  new EchoClient(address, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
    'bench.channel': id,
  });

/** Calls per second with IN_FLIGHT calls outstanding, spread over `clients` round robin. */
async function slice(clients: EchoClientInstance[]): Promise<{ perSec: number; calls: number }> {
  const end = performance.now() + SLICE_MS;
  let calls = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async (_, w) => {
      const c = clients[w % clients.length]!;
      while (performance.now() < end) {
        await unary(c, 'x');
        calls++;
      }
    }),
  );
  return { perSec: calls / ((performance.now() - started) / 1000), calls };
}

const backend = await startProtocolBackends();
const { ports } = backend;
const [plainPort, h2cPort] = [await freePort(), await freePort()];
const nginx = await startNginx(
  `  upstream echo { server 127.0.0.1:${ports.grpc}; keepalive 32; }
  server { listen 127.0.0.1:${plainPort}; return 200; }
  server { listen 127.0.0.1:${h2cPort} http2; location / { grpc_pass grpc://echo; } }`,
  { port: plainPort, workers: 'auto', workerConnections: 1024 },
);
const master = Number(readFileSync(join(nginx.prefix, 'logs/nginx.pid'), 'utf8').trim());
const direct = `127.0.0.1:${ports.grpc}`;
const sides = {
  direct: [client(direct, 0)],
  'direct, 16 connections': Array.from({ length: IN_FLIGHT }, (_, i) => client(direct, i + 1)),
  'plain grpc_pass': [client(`127.0.0.1:${h2cPort}`, 100)],
};
type Side = keyof typeof sides;
const names = Object.keys(sides) as Side[];
try {
  for (const side of names) for (const c of sides[side]) await unary(c, 'warm');
  const perSec: Record<string, number[]> = {};
  let nginxMs = 0;
  let nginxCalls = 0;
  for (let i = 0; i < SLICES; i++) {
    for (let k = 0; k < names.length; k++) {
      const side = names[(k + i) % names.length]!;
      const before = workersCpuMs([master]);
      const r = await slice(sides[side]);
      if (side === 'plain grpc_pass') {
        nginxMs += workersCpuMs([master]) - before;
        nginxCalls += r.calls;
      }
      (perSec[side] ??= []).push(r.perSec);
    }
  }
  const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
  const base = mean(perSec.direct!);
  console.log(
    `grpc floor: ${SLICES} slices of ${SLICE_MS / 1000} s per side, ${IN_FLIGHT} calls in flight; load ${loadavg()[0]?.toFixed(2)}, ${cpus().length} cores`,
  );
  for (const side of names) {
    const v = mean(perSec[side]!);
    console.log(
      `${side.padEnd(24)}${Math.round(v).toString().padStart(7)} calls/s  ${(v / base).toFixed(2)}x`,
    );
  }
  console.log(`nginx workers' CPU per call: ${Math.round((nginxMs * 1000) / nginxCalls)} µs`);
} finally {
  for (const side of names) for (const c of sides[side]) c.close();
  await nginx.stop();
  await backend.stop();
}
