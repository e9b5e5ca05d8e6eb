import { configError } from '../../common/errors.js';

/** The default connection budget: well under a stock agent's 200 per client address. */
export const DEFAULT_MAX_CONNS = 32;
export const MIN_MAX_CONNS = 4;

/** Connections kept for the change feeds (the catalog's and the KV store's, local datacenter). */
export const FEED_RESERVE = 2;

export interface BudgetSplit {
  /** Concurrent fetches of shared queries. */
  pool: number;
  /** Connections for blocking queries: dedicated loops plus change feeds. */
  blocking: number;
}

/**
 * How `maxConns` connections are shared: a quarter (1 to 8) for fetches through the pool, the
 * rest for blocking queries, of which FEED_RESERVE stay free for the change feeds once the
 * dedicated loops fill up. Pure.
 */
export function splitBudget(maxConns: number): BudgetSplit {
  checkMaxConns(maxConns);
  const pool = Math.min(8, Math.max(1, Math.floor(maxConns / 4)));
  return { pool, blocking: maxConns - pool };
}

/** Validates the budget where it is used (library callers get the same message as the CLI). */
export function checkMaxConns(value: number, option = 'consul.maxConns'): number {
  if (!Number.isInteger(value) || value < MIN_MAX_CONNS || value > 10_000)
    throw configError(option, `a whole number from ${MIN_MAX_CONNS} to 10000`, value);
  return value;
}

/** A budget from a flag, env or config file value ("32" or 32). */
export function parseMaxConns(value: unknown, option: string): number {
  const n =
    typeof value === 'number' ? value : /^\s*\d+\s*$/.test(String(value)) ? Number(value) : NaN;
  if (Number.isNaN(n))
    throw configError(option, `a whole number from ${MIN_MAX_CONNS} to 10000`, value);
  return checkMaxConns(n, option);
}

export type WatchMode = 'blocking' | 'shared' | 'polled';

/**
 * Where a new query goes: its own blocking loop while that leaves the feeds their reserve; a
 * change feed when it has one (an existing feed, or a free connection for a new one); else polled
 * through the pool.
 */
export function placeQuery(input: {
  blocking: number;
  dedicated: number;
  feeds: number;
  hasFeed: boolean;
  feedExists: boolean;
}): WatchMode {
  const used = input.dedicated + input.feeds;
  if (used + FEED_RESERVE < input.blocking) return 'blocking';
  if (input.hasFeed && (input.feedExists || used < input.blocking)) return 'shared';
  return 'polled';
}
