/**
 * Request cost of route matching as the route table grows (`npx tsx bench/routing-scale.ts`):
 * 1 and 1000 routes, pool in lua mode (the pool matches host and path itself) and in reload mode
 * (nginx `location`s in the edge). The routes have no healthy instance, so the pool answers 503
 * right after matching and no backend bounds the figure. Writes bench/results/routing-scale.json.
 */
import { cpus } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startConsulAgent } from '../test/helpers/consul-agent.js';
import { ROOT } from '../test/helpers/paths.js';
import { waitFor } from '../test/helpers/wait-for.js';
import { fetchText, startTestGateway } from '../test/integration/gateway/harness.js';
import { wrk, type WrkResult } from './lib/wrk.js';

const SECONDS = 5;
const path = (i: number): string => `/svc-${String(i).padStart(4, '0')}/x`;

async function measure(routes: number, mode: string): Promise<Record<string, WrkResult>> {
  // A stock agent: the gateway's connection budget keeps 1000 routed services within its limits.
  const agent = await startConsulAgent();
  try {
    for (let i = 0; i < routes; i += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, routes - i) }, (_, k) =>
          agent.client.registerService({
            ID: `s${i + k}`,
            Name: `s${i + k}`,
            Address: '127.0.0.1',
            Port: 1,
            Tags: [`urlprefix-${path(i + k)}`],
            Checks: [{ TTL: '600s' }], // critical: no healthy instance
          }),
        ),
      );
    const gw = await startTestGateway(agent, ['--mode', mode]);
    try {
      // The last route registered: a linear scan of the table would reach it last.
      const last = `${path(routes - 1)}/`;
      await waitFor(async () => (await fetchText(`${gw.url}${last}`)).status === 503, {
        timeoutMs: 60_000,
        what: `${routes} routes`,
      });
      return {
        matched: await wrk(`${gw.url}${last}`, SECONDS),
        unmatched: await wrk(`${gw.url}/nothing/here`, SECONDS),
      };
    } finally {
      await gw.stop();
    }
  } finally {
    await agent.stop();
  }
}

const rows: { mode: string; routes: number; matchedRps: number; unmatchedRps: number }[] = [];
for (const mode of ['lua', 'reload'])
  for (const routes of [1, 1000]) {
    const r = await measure(routes, mode);
    rows.push({
      mode,
      routes,
      matchedRps: r.matched!.requestsPerSec,
      unmatchedRps: r.unmatched!.requestsPerSec,
    });
    const last = rows[rows.length - 1]!;
    console.log(
      `${mode.padEnd(7)} ${String(routes).padStart(5)} routes: matched (503) ${last.matchedRps} req/s, unmatched (404) ${last.unmatchedRps} req/s`,
    );
  }
const dir = join(ROOT, 'bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, 'routing-scale.json'),
  JSON.stringify({ date: new Date().toISOString(), cores: cpus().length, rows }, null, 2) + '\n',
);
