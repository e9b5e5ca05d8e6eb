/**
 * Template syntax cost: the 1000-services nginx template (templates/nginx-all-services.hbs and
 * its Go twin templates/nginx-all-services.ctmpl) rendered from the same in-memory snapshot,
 * Handlebars and Go side by side in one run, alternating so both see the same machine load.
 * Reports the median render time of each, the ratio (target: Go <= 1.5x Handlebars), whether the
 * outputs are identical, and the watch cost (the queries each template makes the watcher hold).
 *
 *   npx tsx bench/template-syntax.ts [--services 1000] [--instances 3] [--renders 30]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScopeHolder } from '../template-renderer/helpers/index.js';
import {
  parseServiceQuery,
  serviceKey,
  toServiceEntries,
} from '../template-renderer/queries/service.js';
import { servicesQuery, toCatalogServices } from '../template-renderer/queries/services.js';
import { renderTemplate, usedQueries } from '../template-renderer/render.js';
import { Snapshot } from '../template-renderer/snapshot.js';
import { createEngines } from '../template-renderer/syntax/index.js';
import { ROOT } from '../test/helpers/paths.js';
import { flagValue } from './lib/args.js';

const arg = (name: string, def: number): number => {
  const v = flagValue(name);
  return v === undefined ? def : Number(v);
};
const SERVICES = arg('services', 1000);
const INSTANCES = arg('instances', 3);
const RENDERS = arg('renders', 30);
const median = (v: number[]): number =>
  [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? NaN;
const ms = (n: number): string => `${n.toFixed(1)} ms`;

function fill(snapshot: Snapshot): void {
  const catalog: Record<string, string[]> = { consul: [] };
  for (let s = 0; s < SERVICES; s++) {
    const name = `svc-${String(s).padStart(4, '0')}`;
    catalog[name] = ['urlprefix-/x'];
    const entries = [];
    for (let i = 0; i < INSTANCES; i++)
      entries.push({
        Node: { Node: `node-${i}`, Address: `10.0.${i}.1` },
        Service: {
          ID: `${name}-${i}`,
          Service: name,
          Tags: [],
          Meta: {},
          Port: 20000 + s,
          Address: `10.1.${i}.${s % 250}`,
        },
        Checks: [],
      });
    snapshot.set(serviceKey(parseServiceQuery(name)), toServiceEntries(entries as never), 1);
  }
  snapshot.set(servicesQuery().key, toCatalogServices(catalog), 1);
}

const holder = new ScopeHolder();
const engines = createEngines(holder);
const snapshot = new Snapshot();
fill(snapshot);
const read = (f: string): string => readFileSync(join(ROOT, 'templates', f), 'utf8');
const templates = {
  handlebars: engines.handlebars.compile(read('nginx-all-services.hbs'), { name: 'hbs' }),
  go: engines.go.compile(read('nginx-all-services.ctmpl'), { name: 'ctmpl' }),
};
const times: Record<'handlebars' | 'go', number[]> = { handlebars: [], go: [] };
const last: Record<string, { output: string; keys: string[] }> = {};
for (let r = -3; r < RENDERS; r++) {
  for (const syntax of ['handlebars', 'go'] as const) {
    const started = performance.now();
    const result = renderTemplate(templates[syntax], holder, snapshot, {});
    const elapsed = performance.now() - started;
    if (r >= 0) times[syntax].push(elapsed);
    last[syntax] = { output: result.output, keys: [...usedQueries(result.reads).keys()].sort() };
  }
}
const hb = median(times.handlebars);
const go = median(times.go);
const same = (a: string[], b: string[]): boolean =>
  a.length === b.length && a.every((k, i) => k === b[i]);
console.log(
  `template syntax: ${SERVICES} services x ${INSTANCES} instances, ${RENDERS} renders each (median)`,
);
console.log(
  `  ${'syntax'.padEnd(12)}${'render'.padStart(12)}${'output'.padStart(12)}${'watches'.padStart(10)}`,
);
for (const s of ['handlebars', 'go'] as const)
  console.log(
    `  ${s.padEnd(12)}${ms(median(times[s])).padStart(12)}${`${Math.round((last[s]?.output.length ?? 0) / 1024)} KB`.padStart(12)}${String(last[s]?.keys.length).padStart(10)}`,
  );
console.log(`  go / handlebars: ${(go / hb).toFixed(2)}x (target <= 1.5x)`);
console.log(`  identical output: ${last.go?.output === last.handlebars?.output ? 'yes' : 'NO'}`);
console.log(
  `  same watches: ${same(last.go?.keys ?? [], last.handlebars?.keys ?? []) ? 'yes' : 'NO'}`,
);
