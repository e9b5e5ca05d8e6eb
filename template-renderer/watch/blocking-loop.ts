import type { ConsulClient } from '../../common/consul/client.js';
import { describeError, isToolkitError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { backoffDelay } from '../../common/retry.js';
import { abortableSleep } from '../../common/sleep.js';
import type { Query } from '../queries/query.js';

export interface LoopSettings {
  client: ConsulClient;
  logger: Logger;
  blockWaitMs: number;
  minDelayMs: number;
  maxStaleMs: number;
  /** Poll interval of endpoints Consul cannot block on. */
  pollMs?: number;
  /**
   * Runs each read that does not block (a loop's first, the first after a failure, a poll) under
   * a bound: over HTTP/2 thousands of loops start at once, and 5,000 answers read together left
   * the process 100 MB larger than the same answers read 50 at a time.
   */
  gate?: <T>(read: () => Promise<T>) => Promise<T>;
}

/** Where one loop's answers go: the watcher's store, or a change feed's diff. */
export interface LoopSink {
  /** Data at a new index (or the first data, or data after a reset). */
  changed(data: unknown, index: number): void;
  /** The blocking query returned at the index it was given: nothing changed. */
  unchanged(index: number): void;
  failed(error: string, attempt: number): void;
  recovered(attempts: number): void;
  /**
   * Awaited after `changed`, before the next blocking request: a change feed lets the reads its
   * answer started reach the agent first (each blocking request makes Consul compute its answer
   * once on arrival, 70 ms of agent CPU for the 5,000-service summary).
   */
  settle?(): Promise<void>;
}

/**
 * One blocking loop (consul-template's watch/view.go): keep the last index, ignore answers with
 * an unchanged index, reset when the index goes backwards, keep a minimum delay between requests,
 * back off on errors. Ends when `signal` aborts.
 */
export async function runBlockingLoop(
  query: Query,
  signal: AbortSignal,
  settings: LoopSettings,
  sink: LoopSink,
): Promise<void> {
  const { client, blockWaitMs, minDelayMs, maxStaleMs } = settings;
  // The query's key on each line, not a child logger per loop: over HTTP/2 a gateway runs a loop
  // per service, and 5,000 pino children held ~5 MB.
  const logger = withQuery(settings.logger, query.key);
  let index = 0;
  let attempt = 0;
  let stale = maxStaleMs > 0;
  while (!signal.aborted) {
    const started = Date.now();
    try {
      const opts = { index: query.blocking ? index : 0, waitMs: blockWaitMs, stale, signal };
      // A read queued behind the gate when the loop stopped does not start.
      const read = () => (signal.throwIfAborted(), query.fetch(client, opts));
      const res = opts.index === 0 && settings.gate ? await settings.gate(read) : await read();
      if (attempt > 0) {
        logger.info({ attempts: attempt }, 'watch recovered');
        sink.recovered(attempt);
      }
      attempt = 0;
      if (stale && res.lastContactMs > maxStaleMs) {
        // Too old for -max-stale: ask the leader right away.
        stale = false;
        continue;
      }
      stale = maxStaleMs > 0;
      if (!query.blocking) {
        sink.changed(res.data, res.index);
        await abortableSleep(settings.pollMs ?? 15_000, signal);
        continue;
      }
      if (res.index < index) {
        // The index went backwards (agent restarted, snapshot restored): start over.
        logger.debug({ from: index, to: res.index }, 'index went backwards, resetting');
        index = 0;
        continue;
      }
      if (index > 0 && res.index === index) sink.unchanged(index);
      else {
        index = Math.max(1, res.index);
        sink.changed(res.data, index);
        await sink.settle?.();
      }
    } catch (error) {
      if (signal.aborted || isToolkitError(error, 'E_ABORTED')) return;
      const delay = backoffDelay(attempt, { initial: 250, max: 10_000, factor: 2, jitter: 0.2 });
      attempt++;
      // After a failure, ask without an index: a restarted agent can reuse the very index we
      // hold for different data, and an unchanged index would hide that change.
      index = 0;
      sink.failed(describeError(error), attempt);
      // The first failure is worth a warning; the rest of an outage only at debug level.
      if (attempt === 1)
        logger.warn({ err: describeError(error), retryInMs: delay }, 'watch failed, retrying');
      else
        logger.debug(
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

type Level = 'debug' | 'info' | 'warn';

/** The logger's methods a loop uses, each line carrying `query`. */
function withQuery(logger: Logger, key: string): Record<Level, (obj: object, msg: string) => void> {
  const at = (level: Level) => (obj: object, msg: string) => {
    if (logger.isLevelEnabled(level)) logger[level]({ query: key, ...obj }, msg);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn') };
}
