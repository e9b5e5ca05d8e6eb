import { STAGES } from './stages.js';
import type { Distribution } from './stats.js';

type Stages = Partial<Record<string, Distribution>>;
interface Conv extends Distribution {
  stages: Stages;
}

interface Burst {
  containers: number;
  allRoutableMs: number;
  reloads: number;
  lagMs: Distribution;
  stages: Record<string, number | undefined>;
}

/** The shape of bench/results/pipeline*.json that the table and the figure check read. */
export interface PipelineResult {
  convergence: { passing: Conv; httpCheck1s: Conv; scaleOut: Conv };
  removal: {
    lastRouted: Distribution;
    failedTotal: number;
    requestsTotal: number;
    stages: Stages;
  };
  burst: Burst;
  burstHostNetwork: Burst;
  footprint: { idle: Record<string, number>; after: Record<string, number> };
}

const d = (x: Distribution): string => `p50 ${x.p50} / p95 ${x.p95} / max ${x.max} (n=${x.n})`;

function burstRows(b: Burst, kind: string): [string, string, string][] {
  return [
    [
      `burst of ${b.containers} (${kind}): all routable (ms)`,
      `${b.allRoutableMs} (Docker: ${b.stages.allStartedMs}), ${b.reloads} reloads`,
      '≤ 3000, ≤ 5 reloads',
    ],
    [`  own start -> routed (ms)`, d(b.lagMs), ''],
  ];
}

export function tableRows(r: PipelineResult): [string, string, string][] {
  const c = r.convergence;
  return [
    ['convergence, new route, passing (ms)', d(c.passing), 'p50 ≤ 100, p95 ≤ 150'],
    ['convergence, new route, 1 s check (ms)', d(c.httpCheck1s), 'p95 ≤ 1500'],
    ['convergence, scale-out, passing (ms)', d(c.scaleOut), 'p50 ≤ 100, p95 ≤ 150'],
    ['removal: stop -> last routed (ms)', d(r.removal.lastRouted), '≤ 200'],
    ['removal: failed requests', `${r.removal.failedTotal} of ${r.removal.requestsTotal}`, '0'],
    ...burstRows(r.burst, 'published ports'),
    ...burstRows(r.burstHostNetwork, 'host network'),
    [
      'RSS idle (MB)',
      `registrator ${r.footprint.idle.registratorMb}, gateway ${r.footprint.idle.gatewayNodeMb}, nginx ${r.footprint.idle.nginxMb}`,
      '≤ 80 / ≤ 120',
    ],
    [
      'RSS after (MB)',
      `registrator ${r.footprint.after.registratorMb}, gateway ${r.footprint.after.gatewayNodeMb}, nginx ${r.footprint.after.nginxMb}`,
      '',
    ],
  ];
}

/** One row per scenario: each stage's p50 (p95) in ms. */
export function stageRows(r: PipelineResult): [string, string][] {
  const row = (s: Stages): string =>
    STAGES.filter((k) => s[k])
      .map((k) => `${k} ${s[k]?.p50} (${s[k]?.p95})`)
      .join(', ');
  return [
    ['new route, passing', row(r.convergence.passing.stages)],
    ['new route, 1 s check', row(r.convergence.httpCheck1s.stages)],
    ['scale-out, passing', row(r.convergence.scaleOut.stages)],
    ['removal', row(r.removal.stages)],
    [
      'burst',
      Object.entries(r.burst.stages)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
  ];
}

export function printTable(r: PipelineResult): void {
  const rows = tableRows(r);
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  console.log(`\n${'figure'.padEnd(w0)}  ${'measured'.padEnd(w1)}  target`);
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`);
  console.log('\nper stage, ms: p50 (p95)');
  for (const [a, b] of stageRows(r)) console.log(`${a.padEnd(22)}  ${b}`);
}

/** Figures the run should have produced but did not (NaN, missing, or zero samples). */
export function missingFigures(r: PipelineResult): string[] {
  const missing: string[] = [];
  const num = (name: string, v: unknown, positive = false): void => {
    if (typeof v !== 'number' || !Number.isFinite(v) || (positive && v <= 0)) missing.push(name);
  };
  for (const [k, c] of Object.entries(r.convergence)) {
    num(`convergence.${k}.n`, c.n, true);
    for (const f of ['p50', 'p95', 'max'] as const) num(`convergence.${k}.${f}`, c[f]);
    for (const s of ['register', 'render', 'pool'])
      num(`convergence.${k}.stages.${s}.p50`, c.stages[s]?.p50);
  }
  num('removal.lastRouted.max', r.removal.lastRouted.max);
  num('removal.requestsTotal', r.removal.requestsTotal, true);
  num('removal.failedTotal', r.removal.failedTotal);
  for (const k of ['burst', 'burstHostNetwork'] as const) {
    num(`${k}.allRoutableMs`, r[k].allRoutableMs, true);
    num(`${k}.reloads`, r[k].reloads);
    num(`${k}.lagMs.max`, r[k].lagMs.max);
  }
  for (const when of ['idle', 'after'] as const)
    for (const k of ['registratorMb', 'gatewayNodeMb', 'nginxMb'])
      num(`footprint.${when}.${k}`, r.footprint[when][k], true);
  return missing;
}
