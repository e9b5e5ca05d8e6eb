/**
 * Pools the samples of several `bench/convergence.ts --logs <file>` runs and prints start ->
 * routed and each stage (p50 / p95 / n), per scenario:
 * `npx tsx bench/convergence-stages.ts <label>=<file>[,<file>...] ...` (one label per tree).
 */
import { readFileSync } from 'node:fs';
import type { LogLine } from '../test/helpers/stack.js';
import { STAGES, stagesOf, type Timed } from './lib/stages.js';
import { distribution } from './lib/stats.js';

function samplesOf(logs: LogLine[]): { scenario: string; timed: Timed }[] {
  const started = new Map<string, number>();
  const out: { scenario: string; timed: Timed }[] = [];
  for (const l of logs) {
    if (l.program !== 'bench' || !l.json) continue;
    const name = String(l.json.containerName);
    const time = Number(l.json.time);
    if (l.json.msg === 'started') started.set(name, time);
    const startedAt = started.get(name);
    if (l.json.msg === 'routed' && startedAt !== undefined)
      out.push({
        scenario: name.startsWith('scale-') ? 'scale-out' : 'new route',
        timed: { containerName: name, startedAt, routedAt: time },
      });
  }
  return out;
}

const fmt = (v: number[]): string => {
  const d = distribution(v);
  return `${d.p50}/${d.p95}`;
};

for (const arg of process.argv.slice(2)) {
  const [label, files] = arg.split('=') as [string, string];
  const bySide = new Map<string, { total: number[]; stages: Record<string, number[]> }>();
  for (const file of files.split(',')) {
    const logs = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LogLine);
    for (const { scenario, timed } of samplesOf(logs)) {
      const acc = bySide.get(scenario) ?? { total: [], stages: {} };
      bySide.set(scenario, acc);
      acc.total.push(timed.routedAt - timed.startedAt);
      const s = stagesOf(timed, logs);
      for (const k of STAGES) {
        const v = s[k];
        if (typeof v === 'number') (acc.stages[k] ??= []).push(v);
      }
    }
  }
  for (const [scenario, acc] of bySide) {
    const stages = Object.entries(acc.stages)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(', ');
    console.log(
      `${label.padEnd(8)} ${scenario.padEnd(10)} ${fmt(acc.total)} ms (n=${acc.total.length})  ${stages}`,
    );
  }
}
