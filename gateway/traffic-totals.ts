import type { TrafficDump, TrafficEntry } from './traffic-dump.js';

/** A counter's running total since the gateway started, across nginx restarts. */
export interface TrafficTotal extends Omit<TrafficEntry, 'value'> {
  total: number;
}

/**
 * Turns successive dumps of nginx's counters into totals that only grow, the way Prometheus
 * expects counters to:
 * - a reload keeps the dict (same epoch): each counter adds what it gained since the last dump;
 * - a restart empties it (new epoch): everything in the new dict is new and is added whole;
 * - a key evicted from a full dict and counted again from 0 (same epoch, value went down) is
 *   treated the same way, for that key alone.
 * Counts made between the last dump and a restart are lost (at most one poll interval).
 * The first dump is added whole: nginx counted it since its own start.
 */
export class TrafficTotals {
  private epoch: string | undefined;
  private seen = new Map<string, number>();
  private readonly totals = new Map<string, TrafficTotal>();

  /** Adds a dump; returns whether it started a new epoch (nginx restarted). */
  add(dump: TrafficDump): boolean {
    const restarted = this.epoch !== undefined && this.epoch !== dump.epoch;
    const fresh = this.epoch !== dump.epoch;
    const seen = new Map<string, number>();
    for (const e of dump.entries) {
      const before = fresh ? undefined : this.seen.get(e.key);
      const delta = before === undefined || e.value < before ? e.value : e.value - before;
      seen.set(e.key, e.value);
      const t = this.totals.get(e.key);
      if (t) t.total += delta;
      else this.totals.set(e.key, { ...withoutValue(e), total: delta });
    }
    this.epoch = dump.epoch;
    this.seen = seen;
    return restarted;
  }

  /**
   * Forgets the totals of routes `keep` rejects that nginx no longer holds either (gone from the
   * route table and evicted from the dict), so memory follows the routes that exist.
   */
  prune(keep: (route: string) => boolean): void {
    for (const [key, t] of this.totals)
      if (!this.seen.has(key) && !keep(t.route)) this.totals.delete(key);
  }

  values(): IterableIterator<TrafficTotal> {
    return this.totals.values();
  }
}

function withoutValue(e: TrafficEntry): Omit<TrafficEntry, 'value'> {
  return { key: e.key, kind: e.kind, route: e.route, slot: e.slot };
}
