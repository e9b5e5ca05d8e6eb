import type { ConsulClient } from '../../common/consul/client.js';
import type { Logger } from '../../common/log.js';
import type { Query } from '../queries/query.js';
import type { Snapshot } from '../snapshot.js';
import { runBlockingLoop, type LoopSettings } from './blocking-loop.js';
import { DEFAULT_MAX_CONNS, placeQuery, splitBudget, type WatchMode } from './budget.js';
import { FetchPool } from './fetch-pool.js';
import { PolledQueries } from './polled-queries.js';
import { SharedQueries } from './shared-queries.js';

export interface WatcherOptions {
  client: ConsulClient;
  snapshot: Snapshot;
  logger: Logger;
  /** Called when a key's data changed (or arrived for the first time). */
  onChange: (key: string) => void;
  /** Called when a watch answers again after failing (Consul came back). */
  onRecover?: (key: string) => void;
  blockWaitMs: number;
  minDelayMs: number;
  maxStaleMs: number;
  /** Poll interval of endpoints Consul cannot block on, and of queries beyond every budget. */
  pollMs?: number;
  /** Most connections to the agent (default 32); see budget.ts for how they are shared. */
  maxConns?: number;
}

export interface WatchCounts {
  blocking: number;
  shared: number;
  polled: number;
  feeds: number;
}

/**
 * Keeps every query a template uses current, within a connection budget: one blocking loop per
 * distinct key (shared by every template that uses it) while they fit, then change feeds plus
 * bounded fetches, then polling. The store (`snapshot`) and `onChange` are the same for all.
 */
export class Watcher {
  private readonly dedicated = new Map<
    string,
    { controller: AbortController; done: Promise<void> }
  >();
  private readonly shared: SharedQueries;
  private readonly polled: PolledQueries;
  private readonly blockingSlots: number;
  private readonly settings: LoopSettings;
  private stopped = false;

  constructor(private readonly options: WatcherOptions) {
    const split = splitBudget(options.maxConns ?? DEFAULT_MAX_CONNS);
    this.blockingSlots = split.blocking;
    const pool = new FetchPool(split.pool);
    this.settings = {
      client: options.client,
      logger: options.logger,
      blockWaitMs: options.blockWaitMs,
      minDelayMs: options.minDelayMs,
      maxStaleMs: options.maxStaleMs,
      pollMs: options.pollMs,
    };
    const common = {
      settings: this.settings,
      snapshot: options.snapshot,
      pool,
      logger: options.logger,
      onChange: options.onChange,
      onRecover: options.onRecover,
    };
    this.shared = new SharedQueries(common);
    this.polled = new PolledQueries({ ...common, pollMs: options.pollMs ?? 1_000 });
  }

  get size(): number {
    return this.dedicated.size + this.shared.size + this.polled.size;
  }

  counts(): WatchCounts {
    return {
      blocking: this.dedicated.size,
      shared: this.shared.size,
      polled: this.polled.size,
      feeds: this.shared.feedCount,
    };
  }

  keys(): string[] {
    return [...this.dedicated.keys(), ...this.shared.keys(), ...this.polled.keys()];
  }

  modeOf(key: string): WatchMode | undefined {
    if (this.dedicated.has(key)) return 'blocking';
    if (this.shared.has(key)) return 'shared';
    return this.polled.has(key) ? 'polled' : undefined;
  }

  ensure(query: Query): void {
    if (this.stopped || this.modeOf(query.key)) return;
    const mode = placeQuery({
      blocking: this.blockingSlots,
      dedicated: this.dedicated.size,
      feeds: this.shared.feedCount,
      hasFeed: query.feed !== undefined,
      feedExists: query.feed !== undefined && this.shared.hasFeed(query.feed),
    });
    if (mode === 'blocking') this.startLoop(query);
    else if (mode === 'shared' && query.feed) this.shared.add({ ...query, feed: query.feed });
    else this.polled.add(query);
  }

  /** Stops watches no template uses any more; their connections close at once. */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.keys()) {
      if (keys.has(key)) continue;
      const loop = this.dedicated.get(key);
      if (loop) {
        loop.controller.abort();
        this.dedicated.delete(key);
        this.options.snapshot.delete(key);
      }
      this.shared.remove(key);
      this.polled.remove(key);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const loops = [...this.dedicated.values()];
    for (const l of loops) l.controller.abort();
    this.dedicated.clear();
    await Promise.all([...loops.map((l) => l.done), this.shared.stop(), this.polled.stop()]);
  }

  private startLoop(query: Query): void {
    const { snapshot, onChange, onRecover } = this.options;
    const controller = new AbortController();
    const logger = this.options.logger.child({ query: query.key });
    const done = runBlockingLoop(
      query,
      controller.signal,
      { ...this.settings, logger },
      {
        changed: (data, index) => {
          if (snapshot.set(query.key, data, index)) onChange(query.key);
        },
        unchanged: (index) => snapshot.ok(query.key, index),
        failed: (error) => snapshot.fail(query.key, error),
        recovered: () => onRecover?.(query.key),
      },
    ).catch((error: unknown) => logger.error({ err: error }, 'watch loop failed'));
    this.dedicated.set(query.key, { controller, done });
  }
}
