import type { WrkResult } from './wrk.js';

/** One thing measured in slices: a name and one wrk run of a slice's length. */
export interface SliceTarget {
  name: string;
  run: () => Promise<WrkResult>;
}

/** A target's slices taken together; the slices themselves are kept for the JSON. */
export interface Combined extends WrkResult {
  /** The worst slice's p99 (latencyP99Ms is the median of the slices' p99). */
  latencyP99MaxMs: number;
  slices: WrkResult[];
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

/**
 * Requests per second over all slices (all requests / all time); latency: the median of the
 * slices' p50 and p99, so that one slice disturbed by other work on the machine does not decide
 * the figure; the worst p99 as well.
 */
export function combine(slices: WrkResult[]): Combined {
  const requests = slices.reduce((s, r) => s + r.requests, 0);
  const seconds = slices.reduce((s, r) => s + r.requests / r.requestsPerSec, 0);
  return {
    requestsPerSec: Math.round(requests / seconds),
    latencyP50Ms: median(slices.map((r) => r.latencyP50Ms)),
    latencyP99Ms: median(slices.map((r) => r.latencyP99Ms)),
    latencyP99MaxMs: Math.max(...slices.map((r) => r.latencyP99Ms)),
    requests,
    errors: slices.reduce((s, r) => s + r.errors, 0),
    slices,
  };
}

/**
 * Runs every target once per round, one after another, the order rotated by one each round
 * (A B C D, B C D A, ...), so that no target always follows the same one or always runs first.
 * Load from elsewhere on the machine then falls on every target alike.
 */
export async function alternateSlices(
  targets: readonly SliceTarget[],
  rounds: number,
  onSlice: (name: string, result: WrkResult) => void = () => undefined,
): Promise<Record<string, Combined>> {
  const results = new Map<string, WrkResult[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < targets.length; k++) {
      const target = targets[(round + k) % targets.length] as SliceTarget;
      const result = await target.run();
      results.get(target.name)?.push(result);
      onSlice(target.name, result);
    }
  }
  return Object.fromEntries([...results].map(([name, slices]) => [name, combine(slices)]));
}
