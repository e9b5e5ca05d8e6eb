import { readFileSync } from 'node:fs';
import { childPids } from '../../test/helpers/stack.js';
import { cpuSeconds } from './scale-fleet.js';

/** CPU seconds used so far, by part (e.g. node, edge, pool). */
export type CpuSample = Record<string, number>;

/**
 * CPU seconds (user + system) used so far by `pid` and every process below it, e.g. an nginx
 * master and its workers. A process that has exited no longer counts: measure across spans in
 * which the tree does not change (no reload).
 */
export function treeCpuSeconds(pid: number): number {
  return cpuSeconds(pid) + childPids(pid).reduce((sum, child) => sum + treeCpuSeconds(child), 0);
}

const cmdline = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
};

/** The gateway's Node process, its client-facing nginx (edge) and its pool nginx, apart. */
export function gatewayCpu(pid: number): CpuSample {
  const sample: CpuSample = { node: cpuSeconds(pid), edge: 0, pool: 0 };
  for (const master of childPids(pid, 'nginx')) {
    const part = cmdline(master).includes('pool.conf') ? 'pool' : 'edge';
    sample[part] = (sample[part] ?? 0) + treeCpuSeconds(master);
  }
  return sample;
}

/** Runs `work` and adds what `sample` grew by meanwhile, part by part, to `totals`. */
export async function withCpu<T>(
  sample: () => CpuSample,
  totals: CpuSample,
  work: () => Promise<T>,
): Promise<T> {
  const before = sample();
  try {
    return await work();
  } finally {
    for (const [part, seconds] of Object.entries(sample()))
      totals[part] = (totals[part] ?? 0) + seconds - (before[part] ?? 0);
  }
}
