import { describeError, isToolkitError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { backoffDelay } from '../../common/retry.js';
import type { Query } from '../queries/query.js';
import type { Snapshot } from '../snapshot.js';
import type { LoopSettings } from './blocking-loop.js';
import type { FetchPool } from './fetch-pool.js';

export interface RefetchOptions {
  settings: LoopSettings;
  snapshot: Snapshot;
  pool: FetchPool;
  logger: Logger;
  onChange: (key: string) => void;
  onRecover?: (key: string) => void;
}

interface Member<Q extends Query> {
  query: Q;
  /** The read in progress. */
  running?: Promise<void>;
  again: boolean;
  attempt: number;
  retry?: NodeJS.Timeout;
}

/**
 * Queries read without blocking, through the bounded pool, whenever someone says they may have
 * changed: one fetch at a time per query (a change during it fetches once more afterwards),
 * failures retried with backoff, data into the same store as blocking loops.
 */
export class Refetcher<Q extends Query = Query> {
  private readonly members = new Map<string, Member<Q>>();
  private readonly controller = new AbortController();

  constructor(private readonly options: RefetchOptions) {}

  get size(): number {
    return this.members.size;
  }

  has(key: string): boolean {
    return this.members.has(key);
  }

  keys(): string[] {
    return [...this.members.keys()];
  }

  query(key: string): Q | undefined {
    return this.members.get(key)?.query;
  }

  /** Adds a query; `fetchNow` reads it at once. */
  add(query: Q, fetchNow: boolean): void {
    if (this.members.has(query.key)) return;
    this.members.set(query.key, { query, again: false, attempt: 0 });
    if (fetchNow) void this.fetch(query.key);
  }

  remove(key: string): void {
    const member = this.members.get(key);
    if (!member) return;
    clearTimeout(member.retry);
    this.members.delete(key);
    this.options.snapshot.delete(key);
  }

  fail(key: string, error: string): void {
    if (this.members.has(key)) this.options.snapshot.fail(key, error);
  }

  /** Reads the query (again); resolves when that read is done (never rejects). */
  fetch(key: string): Promise<void> {
    const member = this.members.get(key);
    if (!member || this.controller.signal.aborted) return Promise.resolve();
    if (member.running) {
      member.again = true;
      return member.running;
    }
    clearTimeout(member.retry);
    member.retry = undefined;
    member.again = false;
    const run = this.options.pool
      .run(() => this.fetchOnce(member))
      .finally(() => {
        member.running = undefined;
        if (member.again && this.members.get(member.query.key) === member)
          void this.fetch(member.query.key);
      });
    member.running = run;
    return run;
  }

  stop(): void {
    this.controller.abort();
    for (const m of this.members.values()) clearTimeout(m.retry);
    this.members.clear();
  }

  private async fetchOnce(member: Member<Q>): Promise<void> {
    const { snapshot, settings } = this.options;
    const { key } = member.query;
    const signal = this.controller.signal;
    if (signal.aborted || this.members.get(key) !== member) return;
    try {
      const maxStale = settings.maxStaleMs;
      const read = (stale: boolean) =>
        member.query.fetch(settings.client, { index: 0, waitMs: 0, stale, signal });
      const started = performance.now();
      let res = await read(maxStale > 0);
      // Too old for -max-stale: ask the leader.
      if (maxStale > 0 && res.lastContactMs > maxStale) res = await read(false);
      if (member.attempt > 0) this.options.onRecover?.(key);
      member.attempt = 0;
      if (this.members.get(key) !== member) return;
      if (!snapshot.set(key, res.data, res.index)) return;
      // When a changed answer arrived (bench/lib/scale-stages.ts reads it).
      const fetchMs = Math.round((performance.now() - started) * 10) / 10;
      this.options.logger.debug({ query: key, fetchMs }, 'fetched, changed');
      this.options.onChange(key);
    } catch (error) {
      if (signal.aborted || isToolkitError(error, 'E_ABORTED')) return;
      snapshot.fail(key, describeError(error));
      const retryInMs = backoffDelay(member.attempt++, RETRY);
      if (member.attempt === 1)
        this.options.logger.warn(
          { query: key, err: describeError(error), retryInMs },
          'fetch failed, retrying',
        );
      member.retry = setTimeout(() => void this.fetch(key), retryInMs);
    }
  }
}

const RETRY = { initial: 250, max: 10_000, factor: 2, jitter: 0.2 };
