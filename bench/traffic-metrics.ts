/**
 * Cost of the per-route traffic counters (issue 18): req/s and p99 through one nginx (Debian's,
 * with the lua module) with and without the `log_by_lua` handler of gateway/traffic-lua.ts, in
 * alternating wrk slices of one run (A B, B A, ...) so both sides share the machine's state.
 * Both servers run the same `access_by_lua` (it names the route, as the gateway's does) and proxy
 * to the same keepalive upstream (a `return 200` server of the same nginx); only the log handler
 * differs. At the end the dump must hold exactly the requests the counted side served.
 *
 *   npx tsx bench/traffic-metrics.ts [--slices 6] [--seconds 4] [--connections 32]
 *
 * Writes bench/results/traffic-metrics.json. Needs a quiet machine for figures worth keeping.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { LUA_MODULES } from '../gateway/lua-module.js';
import { fetchTrafficDump } from '../gateway/traffic.js';
import { parseTrafficDump } from '../gateway/traffic-dump.js';
import {
  TRAFFIC_FLUSH_S,
  TRAFFIC_LUA_LOG,
  trafficControlLocation,
} from '../gateway/traffic-lua.js';
import { trafficLuaPrelude } from '../test/integration/gateway/traffic-nginx.js';
import { startNginx } from '../test/helpers/nginx.js';
import { ROOT } from '../test/helpers/paths.js';
import { freePorts } from '../test/helpers/ports.js';
import { wrk, type WrkResult } from './lib/wrk.js';
import { flagValue } from './lib/args.js';

const arg = (name: string, fallback: number): number => Number(flagValue(name)) || fallback;
const slices = arg('slices', 6);
const seconds = arg('seconds', 4);
const connections = arg('connections', 32);
const ROUTE = 'route_0123456789ab';

function config(ports: { backend: number; counted: number; plain: number }, control: string) {
  const proxied = (port: number, log: string): string => `
    server {
        listen 127.0.0.1:${port};
        ${log}
        location / {
            access_by_lua_block { ngx.ctx.gw_route = "${ROUTE}" }
            proxy_pass http://backend;
        }
    }`;
  return `${trafficLuaPrelude()}
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    keepalive_requests 100000;
    upstream backend { server 127.0.0.1:${ports.backend}; keepalive 32; }
    server { listen 127.0.0.1:${ports.backend}; return 200 "ok\\n"; }
    ${proxied(ports.counted, `log_by_lua_block { ${TRAFFIC_LUA_LOG} }`)}
    ${proxied(ports.plain, '')}
    server {
        listen unix:${control};
${trafficControlLocation()}    }`;
}

/** Median of the slices' req/s and of their p99 (one slow slice on a busy machine is noise). */
function median(results: WrkResult[], pick: (r: WrkResult) => number): number {
  const v = results.map(pick).sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

async function main(): Promise<void> {
  const [backend, counted, plain] = await freePorts(3);
  const dir = mkdtempSync(join(tmpdir(), 'traffic-bench-'));
  const control = join(dir, 'control.sock');
  const ports = { backend: backend!, counted: counted!, plain: plain! };
  const nginx = await startNginx(config(ports, control), {
    port: ports.backend,
    main: LUA_MODULES.map((m) => `load_module ${m};`).join('\n'),
  });
  try {
    const runs = { counted: [] as WrkResult[], plain: [] as WrkResult[] };
    const run = async (side: 'counted' | 'plain'): Promise<void> => {
      const r = await wrk(`http://127.0.0.1:${ports[side]}/`, seconds, connections);
      runs[side].push(r);
      console.log(`${side.padEnd(7)} ${r.requestsPerSec} req/s, p99 ${r.latencyP99Ms} ms`);
    };
    for (let i = 0; i < slices; i++) {
      const order = i % 2 === 0 ? (['counted', 'plain'] as const) : (['plain', 'counted'] as const);
      for (const side of order) await run(side);
    }
    // Workers add their counts to the dict every TRAFFIC_FLUSH_S (the dump flushes its own).
    await new Promise((r) => setTimeout(r, 2_000 * TRAFFIC_FLUSH_S));
    const dump = parseTrafficDump(await fetchTrafficDump(control));
    const countedRequests = dump.entries
      .filter((e) => e.kind === 'requests' && e.route === ROUTE)
      .reduce((a, e) => a + e.value, 0);
    const served = runs.counted.reduce((a, r) => a + r.requests, 0);
    const side = (list: WrkResult[]) => ({
      requestsPerSec: Math.round(median(list, (r) => r.requestsPerSec)),
      p99Ms: median(list, (r) => r.latencyP99Ms),
      errors: list.reduce((a, r) => a + r.errors, 0),
    });
    const withLog = side(runs.counted);
    const without = side(runs.plain);
    const out = {
      date: new Date().toISOString(),
      nginx: (await execa('nginx', ['-v'], { all: true })).all?.trim(),
      wrk: `-t2 -c${connections} -d${seconds}s, ${slices} slices per side, alternating`,
      withLogHandler: withLog,
      without,
      ratio: {
        requestsPerSec: Math.round((withLog.requestsPerSec / without.requestsPerSec) * 1000) / 1000,
        p99: Math.round((withLog.p99Ms / without.p99Ms) * 1000) / 1000,
      },
      // wrk counts completed requests; a few in flight at the end of a slice are counted by nginx too.
      countedByNginx: countedRequests,
      completedByWrk: served,
    };
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(
      join(ROOT, 'bench/results/traffic-metrics.json'),
      JSON.stringify(out, null, 2) + '\n',
    );
    console.log(JSON.stringify(out, null, 2));
  } finally {
    await nginx.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
