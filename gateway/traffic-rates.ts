import type { RouteCounts } from './traffic-series.js';

/** A route's traffic over the last interval, for /status and the status page. */
export interface RouteRate {
  /** Requests per second (every status). */
  requestsPerSecond: number;
  /** Share of those requests answered 5xx (0 without requests). */
  errorRatio: number;
  /** The interval the figures cover. */
  intervalSeconds: number;
}

interface Sample {
  atMs: number;
  /** Per route name: all requests, 5xx requests (running totals). */
  counts: Map<string, { requests: number; errors: number }>;
}

/** The totals a rate needs, from the grouped counters. */
export function rateCounts(
  counts: ReadonlyMap<string, RouteCounts>,
): Map<string, { requests: number; errors: number }> {
  const out = new Map<string, { requests: number; errors: number }>();
  for (const [route, c] of counts)
    out.set(route, { requests: c.requests.reduce((a, b) => a + b, 0), errors: c.requests[5]! });
  return out;
}

/**
 * Rates from two samples of the running totals at least `minSpanMs` apart: the newest sample
 * against the newest one old enough. Samples older than that base are dropped (a later rate never
 * needs them), so the window holds about `minSpanMs` of samples whatever the scrape frequency.
 * Totals only grow (TrafficTotals), so a difference is never negative; a route absent from the
 * base sample started from 0.
 */
export class RateWindow {
  private samples: Sample[] = [];

  constructor(private readonly minSpanMs = 5_000) {}

  add(atMs: number, counts: Map<string, { requests: number; errors: number }>): void {
    const last = this.samples.at(-1);
    if (last && atMs < last.atMs) this.samples = [];
    this.samples.push({ atMs, counts });
    const base = this.baseIndex();
    if (base > 0) this.samples = this.samples.slice(base);
  }

  /** Per route name; empty until two samples are `minSpanMs` apart. */
  rates(): Map<string, RouteRate> {
    const out = new Map<string, RouteRate>();
    const latest = this.samples.at(-1);
    const base = this.samples[this.baseIndex()];
    if (!latest || !base || base === latest) return out;
    const seconds = (latest.atMs - base.atMs) / 1000;
    if (seconds * 1000 < this.minSpanMs) return out;
    for (const [route, now] of latest.counts) {
      const before = base.counts.get(route) ?? { requests: 0, errors: 0 };
      const requests = Math.max(0, now.requests - before.requests);
      const errors = Math.max(0, now.errors - before.errors);
      out.set(route, {
        requestsPerSecond: requests / seconds,
        errorRatio: requests > 0 ? errors / requests : 0,
        intervalSeconds: seconds,
      });
    }
    return out;
  }

  /** The newest sample at least minSpanMs older than the latest (0 when none is). */
  private baseIndex(): number {
    const latest = this.samples.at(-1);
    if (!latest) return 0;
    for (let i = this.samples.length - 2; i >= 0; i--)
      if (latest.atMs - this.samples[i]!.atMs >= this.minSpanMs) return i;
    return 0;
  }
}
