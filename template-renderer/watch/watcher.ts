import type { ConsulClient } from '../../common/consul/client.js';
import { describeError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { retry } from '../../common/retry.js';
import type { Feed, Query } from '../queries/query.js';
import { channelOf } from './feeds.js';
import type { Snapshot } from '../snapshot.js';
import { runBlockingLoop, type LoopSettings } from './blocking-loop.js';
import { DEFAULT_MAX_CONNS, placeQuery, splitBudget, type WatchMode } from './budget.js';
import { FetchPool } from './fetch-pool.js';
import { PolledQueries } from './polled-queries.js';
import { SharedQueries } from './shared-queries.js';

/** consul-template's wait for a blocking query. */
export const BLOCK_WAIT_MS = 60_000;
/**
 * The wait over HTTP/2: at 5,000 services a 60 s wait re-asked 83 queries a second, 35 KB/s and
 * about 0.2 s of CPU per second between the gateway and the agent with nothing changing.
 */
export const BLOCK_WAIT_H2_MS = 300_000;

export interface WatcherOptions {
  client: ConsulClient;
  snapshot: Snapshot;
  logger: Logger;
  /** Called when a key's data changed (or arrived for the first time). */
  onChange: (key: string) => void;
  /** Called when a watch answers again after failing (Consul came back). */
  onRecover?: (key: string) => void;
  /**
   * How long a blocking query waits (default: 60 s, as consul-template; 5 min over HTTP/2,
   * where thousands of queries would otherwise be asked again every minute and a ping keeps
   * watch on each connection).
   */
  blockWaitMs?: number;
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
    { query: Query; controller: AbortController; done: Promise<void> }
  >();
  private readonly shared: SharedQueries;
  private readonly polled: PolledQueries;
  /** Connections for blocking queries (budget.ts); each carries one or, over HTTP/2, many. */
  private readonly blockingConns: number;
  private readonly settings: LoopSettings;
  private readonly stopping = new AbortController();
  private stopped = false;

  constructor(private readonly options: WatcherOptions) {
    const split = splitBudget(options.maxConns ?? DEFAULT_MAX_CONNS);
    this.blockingConns = split.blocking;
    const pool = new FetchPool(split.pool);
    this.settings = {
      client: options.client,
      logger: options.logger,
      blockWaitMs: options.blockWaitMs ?? BLOCK_WAIT_MS,
      minDelayMs: options.minDelayMs,
      maxStaleMs: options.maxStaleMs,
      pollMs: options.pollMs,
      gate: (read) => pool.run(read),
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
      blocking: this.consulLoops(),
      shared: this.shared.size,
      polled: this.polled.size,
      feeds: this.shared.feedCount,
    };
  }

  /**
   * Resolves once the agent's protocol is settled (retrying while it cannot be reached), or on
   * stop: an HTTPS agent that speaks HTTP/2 carries hundreds of blocking queries per connection,
   * so queries should be placed after this. Plain HTTP settles at once.
   */
  async negotiated(): Promise<void> {
    const { transport } = this.options.client;
    const warn = (error: unknown, attempt: number, delayMs: number): void => {
      if (attempt === 0)
        this.options.logger.warn(
          { err: describeError(error), retryInMs: delayMs },
          'consul unreachable, retrying',
        );
    };
    const retrying = {
      signal: this.stopping.signal,
      shouldRetry: () => true,
      initial: 250,
      max: 10_000,
      onRetry: warn,
    };
    await retry(() => transport.negotiate(), retrying).catch(() => undefined);
    if (this.options.blockWaitMs === undefined && transport.requestsPerConnection > 1)
      this.settings.blockWaitMs = BLOCK_WAIT_H2_MS;
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
    if (query.local) return this.startLoop(query);
    const mode = placeQuery({
      blocking: this.blockingConns * this.options.client.transport.requestsPerConnection,
      dedicated: this.consulLoops(),
      feeds: this.shared.feedCount,
      hasFeed: query.feed !== undefined,
      feedExists: query.feed !== undefined && this.shared.hasFeed(query.feed),
    });
    if (mode === 'blocking') this.startLoop(query);
    else if (mode === 'shared' && query.feed) {
      const feeds = this.shared.feedCount;
      this.shared.add({ ...query, feed: query.feed });
      if (this.shared.feedCount > feeds) this.handOverLists(query.feed);
    } else this.polled.add(query);
  }

  /**
   * Once a catalog feed runs, a service list that had a loop of its own is followed by the feed
   * instead: its loop re-read the whole list (25 KB gzipped for 5,000 services) at every catalog
   * change, the feed re-reads it only when a name or tag changed. Its data stays meanwhile.
   */
  private handOverLists(feed: Feed): void {
    const channel = channelOf(feed);
    for (const [key, loop] of this.dedicated) {
      const f = loop.query.feed;
      if (f?.kind !== 'services' || channelOf(f) !== channel) continue;
      loop.controller.abort();
      this.dedicated.delete(key);
      this.shared.add({ ...loop.query, feed: f });
    }
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
    this.stopping.abort();
    const loops = [...this.dedicated.values()];
    for (const l of loops) l.controller.abort();
    this.dedicated.clear();
    await Promise.all([...loops.map((l) => l.done), this.shared.stop(), this.polled.stop()]);
  }

  /** Dedicated loops that hold a connection to the agent (local files do not). */
  private consulLoops(): number {
    let n = 0;
    for (const loop of this.dedicated.values()) if (!loop.query.local) n++;
    return n;
  }

  private startLoop(query: Query): void {
    const { snapshot, onChange, onRecover } = this.options;
    const controller = new AbortController();
    const { logger } = this.options;
    const done = runBlockingLoop(query, controller.signal, this.settings, {
      changed: (data, index) => {
        if (!snapshot.set(query.key, data, index)) return;
        // When a changed answer arrived (bench/lib/scale-stages.ts reads it).
        logger.debug({ query: query.key, index }, 'watch answer');
        onChange(query.key);
      },
      unchanged: (index) => snapshot.ok(query.key, index),
      failed: (error) => snapshot.fail(query.key, error),
      recovered: () => onRecover?.(query.key),
    }).catch((error: unknown) =>
      logger.error({ query: query.key, err: error }, 'watch loop failed'),
    );
    this.dedicated.set(query.key, { query, controller, done });
  }
}
