import type { Combined } from './slices.js';

export const TARGETS = ['direct', 'nginx', 'gateway', 'gatewayChurn'] as const;
export type TargetName = (typeof TARGETS)[number];

const LABELS: Record<TargetName, string> = {
  direct: 'direct to one backend',
  nginx: 'plain nginx, static upstream',
  gateway: 'gateway',
  gatewayChurn: 'gateway, a change every second',
};

/** The shape of bench/results/throughput*.json that the table and the figure check read. */
export interface ThroughputResult {
  gatewayMode: string;
  targets: Record<TargetName, Combined>;
  churn: { changes: number; poolUpdates: number; reloads: number };
  /**
   * CPU (µs) per request of the target's own processes (the backend for direct, the proxy alone
   * for the others), by part (gateway: node, edge, pool) and in total.
   */
  cpuUsPerRequest: Record<TargetName, Record<string, number>>;
  ratios: { gatewayNginxRps: number; gatewayNginxP99: number; churnSteadyRps: number };
}

export const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;

/** gateway / plain nginx (req/s, p99) and churn / steady gateway (req/s). */
export function ratios(t: Record<TargetName, Combined>): ThroughputResult['ratios'] {
  return {
    gatewayNginxRps: ratio(t.gateway.requestsPerSec, t.nginx.requestsPerSec),
    gatewayNginxP99: ratio(t.gateway.latencyP99Ms, t.nginx.latencyP99Ms),
    churnSteadyRps: ratio(t.gatewayChurn.requestsPerSec, t.gateway.requestsPerSec),
  };
}

/** CPU seconds by part over a target's requests -> µs per request, by part and in total. */
export function cpuPerRequest(
  cpu: Record<TargetName, Record<string, number>>,
  targets: Record<TargetName, { requests: number }>,
): ThroughputResult['cpuUsPerRequest'] {
  const us = (seconds: number, requests: number): number =>
    Math.round((seconds / requests) * 1e7) / 10;
  const per = (name: TargetName): Record<string, number> => {
    const n = targets[name].requests;
    const parts = Object.entries(cpu[name]);
    const total = parts.reduce((sum, [, s]) => sum + s, 0);
    return { ...Object.fromEntries(parts.map(([p, s]) => [p, us(s, n)])), total: us(total, n) };
  };
  return Object.fromEntries(TARGETS.map((t) => [t, per(t)])) as ThroughputResult['cpuUsPerRequest'];
}

const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');

export function printThroughput(r: ThroughputResult): void {
  const rows = TARGETS.map((name) => {
    const t = r.targets[name];
    return [
      LABELS[name],
      String(t.requestsPerSec),
      t.latencyP50Ms.toFixed(2),
      `${t.latencyP99Ms.toFixed(2)} (${t.latencyP99MaxMs.toFixed(2)})`,
      (r.cpuUsPerRequest[name].total ?? NaN).toFixed(1),
      String(t.errors),
    ];
  });
  const head = ['target', 'req/s', 'p50 ms', 'p99 ms (worst slice)', 'CPU µs/req', 'errors'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\n${line(head)}`);
  for (const row of rows) console.log(line(row));
  const q = r.ratios;
  const parts = (name: TargetName): string =>
    Object.entries(r.cpuUsPerRequest[name])
      .filter(([part]) => part !== 'total')
      .map(([part, us]) => `${part} ${us}`)
      .join(', ');
  console.log(
    `(CPU: the backend's for direct, else the proxy's alone; gateway: ${parts('gateway')} µs;` +
      ` with changes: ${parts('gatewayChurn')} µs)`,
  );
  console.log(`\nthe gateway's mode (/status): ${r.gatewayMode}`);
  console.log(
    `gateway / plain nginx, req/s: ${q.gatewayNginxRps}  (target ≥ 0.9: ${verdict(q.gatewayNginxRps >= 0.9)})`,
  );
  console.log(
    `gateway / plain nginx, p99:   ${q.gatewayNginxP99}  (target ≤ 1.2: ${verdict(q.gatewayNginxP99 <= 1.2)})`,
  );
  console.log(
    `churn / steady gateway, req/s: ${q.churnSteadyRps}  (target ≥ 0.9: ${verdict(q.churnSteadyRps >= 0.9)}; ` +
      `${r.churn.changes} changes, ${r.churn.poolUpdates} pool updates, ${r.churn.reloads} reloads)`,
  );
}

/** Figures the run should have produced but did not (NaN, zero or missing). */
export function missingThroughputFigures(r: ThroughputResult): string[] {
  const missing: string[] = [];
  const num = (name: string, v: unknown): void => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) missing.push(name);
  };
  for (const name of TARGETS) {
    const t = r.targets[name];
    num(`targets.${name}.requestsPerSec`, t?.requestsPerSec);
    num(`targets.${name}.latencyP50Ms`, t?.latencyP50Ms);
    num(`targets.${name}.latencyP99Ms`, t?.latencyP99Ms);
    num(`cpuUsPerRequest.${name}.total`, r.cpuUsPerRequest[name]?.total);
  }
  for (const [k, v] of Object.entries(r.ratios)) num(`ratios.${k}`, v);
  num('churn.changes', r.churn.changes);
  if (!r.gatewayMode) missing.push('gatewayMode');
  return missing;
}
