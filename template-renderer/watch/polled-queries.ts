import type { Query } from '../queries/query.js';
import { Refetcher, type RefetchOptions } from './refetcher.js';

/**
 * The last resort beyond the budget, for queries no change feed follows: each is read through
 * the bounded pool every `pollMs`.
 */
export class PolledQueries {
  private readonly refetcher: Refetcher;
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: RefetchOptions & { pollMs: number }) {
    this.refetcher = new Refetcher(options);
  }

  get size(): number {
    return this.refetcher.size;
  }

  has(key: string): boolean {
    return this.refetcher.has(key);
  }

  keys(): string[] {
    return this.refetcher.keys();
  }

  add(query: Query): void {
    this.refetcher.add(query, true);
    this.timer ??= setInterval(() => {
      for (const key of this.refetcher.keys()) this.refetcher.fetch(key);
    }, this.options.pollMs);
  }

  remove(key: string): void {
    this.refetcher.remove(key);
    if (this.refetcher.size === 0) this.stopTimer();
  }

  async stop(): Promise<void> {
    this.stopTimer();
    this.refetcher.stop();
    await Promise.resolve();
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
