import { runBlockingLoop, type LoopSettings } from './blocking-loop.js';
import { CatalogDiff } from './catalog-diff.js';
import { detectorFor } from './feeds.js';

/** What a detector tells its shared queries. `all`: fetch every one (first answer, after an outage). */
export type FeedEvent =
  | { kind: 'changed'; all: boolean; services?: Set<string>; namesOrTags?: boolean }
  | { kind: 'failed'; error: string }
  | { kind: 'recovered' };

/** The longest a feed waits for the reads one answer started before it blocks again. */
export const SETTLE_MAX_MS = 1_000;

/**
 * One blocking connection that watches a whole table family of one datacenter. `emit` may
 * return the reads an answer started: the next blocking request waits for them (at most
 * SETTLE_MAX_MS), so they do not queue behind the agent's work for that request. A change in
 * between is not lost: the next request, at the old index, returns at once.
 */
export class ChangeFeed {
  private readonly controller = new AbortController();
  private readonly diff = new CatalogDiff();
  private done: Promise<void> = Promise.resolve();
  private outage = true;
  private pending: Promise<unknown> | void = undefined;
  ready = false;

  constructor(
    readonly channel: string,
    private readonly settings: LoopSettings,
    private readonly emit: (event: FeedEvent) => Promise<unknown> | void,
  ) {}

  start(): void {
    const query = detectorFor(this.channel);
    const logger = this.settings.logger.child({ query: query.key });
    const catalog = this.channel.startsWith('catalog');
    this.done = runBlockingLoop(query, this.controller.signal, this.settings, {
      changed: (data) => {
        const started = performance.now();
        const change = catalog ? this.diff.apply(String(data ?? '')) : undefined;
        // When each answer arrived and what it changed (bench/README.md reads these).
        logger.debug(
          { changed: change?.services.size, diffMs: Math.round(performance.now() - started) },
          'feed answer',
        );
        // The first answer, and the first after a failure, refetch everything: whatever happened
        // while no answer came cannot be told from a summary.
        const all = this.outage;
        this.outage = false;
        this.ready = true;
        this.pending = this.emit({ kind: 'changed', all, ...change });
      },
      settle: () => this.settle(),
      unchanged: () => undefined,
      failed: (error) => {
        this.outage = true;
        this.emit({ kind: 'failed', error });
      },
      recovered: () => this.emit({ kind: 'recovered' }),
    });
  }

  private async settle(): Promise<void> {
    const reads = this.pending;
    this.pending = undefined;
    if (!reads) return;
    const { signal } = this.controller;
    let done = (): void => undefined;
    const cut = new Promise<void>((resolve) => (done = resolve));
    const timer = setTimeout(done, SETTLE_MAX_MS);
    signal.addEventListener('abort', done, { once: true });
    try {
      await Promise.race([reads.then(done, done), cut]);
    } finally {
      clearTimeout(timer);
      // One listener per answer otherwise: they would pile up on the feed's signal.
      signal.removeEventListener('abort', done);
    }
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.done;
  }
}
