import { isRetryable } from './errors.js';
import { abortableSleep } from './sleep.js';

export interface BackoffOptions {
  /** First delay in ms. */
  initial: number;
  /** Upper bound in ms. */
  max: number;
  /** Multiplier per attempt. */
  factor: number;
  /** 0..1: share of the delay that is randomised, so many clients do not retry in step. */
  jitter: number;
}

export const backoffDefaults: BackoffOptions = { initial: 100, max: 5_000, factor: 2, jitter: 0.2 };

/** Delay before attempt `attempt` (0-based), without randomness when `random` returns 0.5. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = backoffDefaults,
  random: () => number = Math.random,
): number {
  const base = Math.min(options.max, options.initial * options.factor ** Math.max(0, attempt));
  const spread = base * options.jitter;
  return Math.max(0, Math.round(base - spread + 2 * spread * random()));
}

export interface RetryOptions extends Partial<BackoffOptions> {
  /** Attempts in all; Infinity retries until aborted. */
  attempts?: number;
  signal?: AbortSignal;
  /** Which errors to retry; default: errors marked retryable. */
  shouldRetry?: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** Runs `fn` until it succeeds, the error is not retryable, attempts run out or `signal` aborts. */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const backoff = { ...backoffDefaults, ...options };
  const attempts = options.attempts ?? Infinity;
  const shouldRetry = options.shouldRetry ?? isRetryable;
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt + 1 >= attempts || !shouldRetry(error) || options.signal?.aborted) throw error;
      const delay = backoffDelay(attempt, backoff);
      options.onRetry?.(error, attempt, delay);
      await abortableSleep(delay, options.signal);
    }
  }
}
