import type { ConsulClient } from '../../common/consul/client.js';
import type { Feed, FetchOptions, Query } from '../queries/query.js';

export type { Feed };

/** The detector a feed listens to: one per datacenter and table family. */
export function channelOf(feed: Feed): string {
  const source = feed.kind === 'kv' ? 'kv' : 'catalog';
  return `${source}@${feed.dc ?? ''}`;
}

/** One line per service, as `/v1/internal/ui/services` summarises it (Consul 1.7+). */
export interface ServiceSummary {
  Name: string;
  Tags?: string[] | null;
  Nodes?: string[] | null;
  InstanceCount?: number;
  ChecksPassing?: number;
  ChecksWarning?: number;
  ChecksCritical?: number;
  Kind?: string;
}

/**
 * The catalog-wide detector: the per-service summary blocks on the nodes, services and checks
 * tables at once and is small (32 KB gzipped for 5,000 services x 3), so one connection sees
 * every change and tells which services it touched. Its data is the answer's text (a list of
 * ServiceSummary): catalog-diff.ts compares it entry by entry without parsing it whole.
 */
export function catalogDetector(dc: string | undefined): Query {
  return {
    key: `detector.catalog(${dc ? `@${dc}` : ''})`,
    blocking: true,
    async fetch(client: ConsulClient, opts: FetchOptions) {
      const res = await client.readText('/internal/ui/services', {}, { ...opts, dc });
      return { data: res.data, index: res.index, lastContactMs: res.lastContactMs };
    },
  };
}

/** A key no one writes: reading it blocks on the whole KV store and answers 404 with no body. */
export const KV_DETECTOR_KEY = '.toolkit/kv-change-detector/none';

export function kvDetector(dc: string | undefined): Query {
  return {
    key: `detector.kv(${dc ? `@${dc}` : ''})`,
    blocking: true,
    async fetch(client: ConsulClient, opts: FetchOptions) {
      const res = await client.kvGet(KV_DETECTOR_KEY, false, { ...opts, dc });
      return { data: null, index: res.index, lastContactMs: res.lastContactMs };
    },
  };
}

export function detectorFor(channel: string): Query {
  const [source, dc] = channel.split('@') as [string, string];
  return source === 'kv' ? kvDetector(dc || undefined) : catalogDetector(dc || undefined);
}
