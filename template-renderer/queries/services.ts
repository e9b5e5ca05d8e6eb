import type { ConsulClient } from '../../common/consul/client.js';
import type { CatalogService } from '../types.js';
import { parseLocated, stringArray, suffix, type FetchOptions, type Query } from './query.js';

/** `services`, `services "@dc"`: every service name in the catalog with its tags, sorted. */
export function servicesQuery(text = ''): Query {
  const spec = parseLocated(text, 'services', false);
  return {
    key: `catalog.services(${suffix(spec)})`,
    blocking: true,
    feed: { kind: 'services', dc: spec.dc },
    async fetch(client: ConsulClient, opts: FetchOptions) {
      const res = await client.catalogServices({ ...opts, dc: spec.dc });
      return {
        data: toCatalogServices(res.data),
        index: res.index,
        lastContactMs: res.lastContactMs,
      };
    },
  };
}

export function toCatalogServices(raw: Record<string, string[] | null>): CatalogService[] {
  return Object.keys(raw ?? {})
    .sort()
    .map((Name) => ({ Name, Tags: [...new Set(stringArray(raw[Name]))].sort() }));
}
