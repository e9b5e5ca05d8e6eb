import type { ConsulClient } from '../common/consul/client.js';
import { describeError, isToolkitError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { backoffDelay } from '../common/retry.js';
import { abortableSleep } from '../common/sleep.js';
import type { Query } from './queries/query.js';
import type { Snapshot } from './snapshot.js';

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
  /** Poll interval of endpoints Consul cannot block on. */
  pollMs?: number;
}

interface Watch {
  query: Query;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * One blocking loop per distinct query key, shared by every template that uses it
 * (consul-template's watch/view.go): keep the last index, ignore answers with an unchanged index,
 * reset when the index goes backwards, keep a minimum delay between requests, back off on errors.
 */
export class Watcher {
  private readonly watches = new Map<string, Watch>();
  private stopped = false;

  constructor(private readonly options: WatcherOptions) {}

  get size(): number {
    return this.watches.size;
  }

  keys(): string[] {
    return [...this.watches.keys()];
  }

  ensure(query: Query): void {
    if (this.stopped || this.watches.has(query.key)) return;
    const controller = new AbortController();
    const watch: Watch = { query, controller, done: Promise.resolve() };
    this.watches.set(query.key, watch);
    watch.done = this.loop(query, controller.signal).catch((error: unknown) => {
      this.options.logger.error({ err: error, query: query.key }, 'watch loop failed');
    });
  }

  /** Stops watches no template uses any more. */
  retain(keys: ReadonlySet<string>): void {
    for (const [key, watch] of this.watches) {
      if (keys.has(key)) continue;
      watch.controller.abort();
      this.watches.delete(key);
      this.options.snapshot.delete(key);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.watches.values()];
    for (const w of all) w.controller.abort();
    this.watches.clear();
    await Promise.all(all.map((w) => w.done));
  }

  private async loop(query: Query, signal: AbortSignal): Promise<void> {
    const { client, snapshot, logger, blockWaitMs, minDelayMs, maxStaleMs } = this.options;
    const log = logger.child({ component: 'watcher', query: query.key });
    let index = 0;
    let attempt = 0;
    let stale = maxStaleMs > 0;
    while (!signal.aborted) {
      const started = Date.now();
      try {
        const res = await query.fetch(client, {
          index: query.blocking ? index : 0,
          waitMs: blockWaitMs,
          stale,
          signal,
        });
        if (attempt > 0) {
          log.info({ attempts: attempt }, 'watch recovered');
          this.options.onRecover?.(query.key);
        }
        attempt = 0;
        if (stale && res.lastContactMs > maxStaleMs) {
          // Too old for -max-stale: ask the leader right away.
          stale = false;
          continue;
        }
        stale = maxStaleMs > 0;
        if (!query.blocking) {
          if (snapshot.set(query.key, res.data, res.index)) this.options.onChange(query.key);
          await abortableSleep(this.options.pollMs ?? 15_000, signal);
          continue;
        }
        if (res.index < index) {
          // The index went backwards (agent restarted, snapshot restored): start over.
          log.debug({ from: index, to: res.index }, 'index went backwards, resetting');
          index = 0;
          continue;
        }
        if (res.index === index && snapshot.has(query.key)) {
          snapshot.ok(query.key, index);
        } else {
          index = Math.max(1, res.index);
          if (snapshot.set(query.key, res.data, index)) this.options.onChange(query.key);
        }
      } catch (error) {
        if (signal.aborted || isToolkitError(error, 'E_ABORTED')) return;
        const delay = backoffDelay(attempt, { initial: 250, max: 10_000, factor: 2, jitter: 0.2 });
        attempt++;
        // After a failure, ask without an index: a restarted agent can reuse the very index we
        // hold for different data, and an unchanged index would hide that change.
        index = 0;
        snapshot.fail(query.key, describeError(error));
        // The first failure is worth a warning; the rest of an outage only at debug level.
        if (attempt === 1)
          log.warn({ err: describeError(error), retryInMs: delay }, 'watch failed, retrying');
        else
          log.debug(
            { err: describeError(error), attempt, retryInMs: delay },
            'watch still failing',
          );
        await abortableSleep(delay, signal).catch(() => undefined);
        continue;
      }
      // Data is delivered at once; only the next request waits, so a fast answer never hot-loops.
      const elapsed = Date.now() - started;
      if (elapsed < minDelayMs)
        await abortableSleep(minDelayMs - elapsed, signal).catch(() => undefined);
    }
  }
}
