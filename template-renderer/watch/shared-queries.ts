import type { Query } from '../queries/query.js';
import { ChangeFeed, type FeedEvent } from './change-feed.js';
import { channelOf, type Feed } from './feeds.js';
import { Refetcher, type RefetchOptions } from './refetcher.js';

type FedQuery = Query & { feed: Feed };

/**
 * Queries beyond the connection budget that a change feed can follow: one blocking connection
 * per feed (catalog or KV, per datacenter) says which of them changed, and only those are read
 * again, once, through the bounded pool.
 */
export class SharedQueries {
  private readonly refetcher: Refetcher<FedQuery>;
  private readonly feeds = new Map<string, ChangeFeed>();

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
    // Read once the feed holds its first answer: any change after that answer is then seen.
    this.refetcher.add(query, this.feedFor(channelOf(query.feed)).ready);
  }

  remove(key: string): void {
    this.refetcher.remove(key);
  }

  async stop(): Promise<void> {
    this.refetcher.stop();
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

  private onFeed(channel: string, event: FeedEvent): void {
    if (event.kind === 'recovered') {
      this.options.onRecover?.(channel);
      return;
    }
    for (const q of this.refetcher.queries()) {
      if (channelOf(q.feed) !== channel) continue;
      if (event.kind === 'failed') this.refetcher.fail(q.key, event.error);
      else if (event.all || affected(q.feed, event)) this.refetcher.fetch(q.key);
    }
  }
}

function affected(feed: Feed, event: FeedEvent & { kind: 'changed' }): boolean {
  if (feed.kind === 'service') return event.services?.has(feed.name) ?? true;
  if (feed.kind === 'services') return event.namesOrTags ?? true;
  return true;
}
