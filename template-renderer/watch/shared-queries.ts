import type { Query } from '../queries/query.js';
import { ChangeFeed, type FeedEvent } from './change-feed.js';
import { channelOf, type Feed } from './feeds.js';
import { Refetcher, type RefetchOptions } from './refetcher.js';

type FedQuery = Query & { feed: Feed };

/** One feed's queries: those of one service by its name, the rest (any change concerns them). */
interface Followers {
  byService: Map<string, Set<string>>;
  others: Set<string>;
}

/**
 * Queries beyond the connection budget that a change feed can follow: one blocking connection
 * per feed (catalog or KV, per datacenter) says which of them changed, and only those are read
 * again, once, through the bounded pool.
 */
export class SharedQueries {
  private readonly refetcher: Refetcher<FedQuery>;
  private readonly feeds = new Map<string, ChangeFeed>();
  /** By channel: a change names a few services out of thousands of queries. */
  private readonly followers = new Map<string, Followers>();

  constructor(private readonly options: RefetchOptions) {
    this.refetcher = new Refetcher<FedQuery>(options);
  }

  get size(): number {
    return this.refetcher.size;
  }

  get feedCount(): number {
    return this.feeds.size;
  }

  has(key: string): boolean {
    return this.refetcher.has(key);
  }

  keys(): string[] {
    return this.refetcher.keys();
  }

  hasFeed(feed: Feed): boolean {
    return this.feeds.has(channelOf(feed));
  }

  add(query: FedQuery): void {
    if (this.refetcher.has(query.key)) return;
    const channel = channelOf(query.feed);
    // Read once the feed holds its first answer: any change after that answer is then seen.
    this.refetcher.add(query, this.feedFor(channel).ready);
    const f = this.followersOf(channel);
    if (query.feed.kind !== 'service') f.others.add(query.key);
    else {
      const keys = f.byService.get(query.feed.name) ?? new Set<string>();
      f.byService.set(query.feed.name, keys.add(query.key));
    }
  }

  remove(key: string): void {
    const query = this.refetcher.query(key);
    if (!query) return;
    this.refetcher.remove(key);
    const f = this.followersOf(channelOf(query.feed));
    if (query.feed.kind !== 'service') f.others.delete(key);
    else {
      const keys = f.byService.get(query.feed.name);
      keys?.delete(key);
      if (keys?.size === 0) f.byService.delete(query.feed.name);
    }
  }

  async stop(): Promise<void> {
    this.refetcher.stop();
    this.followers.clear();
    await Promise.all([...this.feeds.values()].map((f) => f.stop()));
    this.feeds.clear();
  }

  private feedFor(channel: string): ChangeFeed {
    let feed = this.feeds.get(channel);
    if (!feed) {
      feed = new ChangeFeed(channel, this.options.settings, (e) => this.onFeed(channel, e));
      this.feeds.set(channel, feed);
      feed.start();
    }
    return feed;
  }

  /** The reads a change started, for the feed to wait on (not after the first answer: all). */
  private onFeed(channel: string, event: FeedEvent): Promise<unknown> | void {
    if (event.kind === 'recovered') {
      this.options.onRecover?.(channel);
      return;
    }
    const f = this.followersOf(channel);
    if (event.kind === 'failed') {
      for (const key of allKeys(f)) this.refetcher.fail(key, event.error);
      return;
    }
    if (event.all || !event.services) {
      for (const key of allKeys(f)) void this.refetcher.fetch(key);
      return;
    }
    const reads: Promise<void>[] = [];
    for (const name of event.services)
      for (const key of f.byService.get(name) ?? []) reads.push(this.refetcher.fetch(key));
    for (const key of f.others) {
      const feed = this.refetcher.query(key)?.feed;
      if (feed?.kind !== 'services' || (event.namesOrTags ?? true))
        reads.push(this.refetcher.fetch(key));
    }
    if (reads.length > 0) return Promise.all(reads);
  }

  private followersOf(channel: string): Followers {
    let f = this.followers.get(channel);
    if (!f) {
      f = { byService: new Map(), others: new Set() };
      this.followers.set(channel, f);
    }
    return f;
  }
}

function* allKeys(f: Followers): Generator<string> {
  for (const keys of f.byService.values()) yield* keys;
  yield* f.others;
}
