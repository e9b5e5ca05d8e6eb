import type { ConsulClient } from '../../common/consul/client.js';
import type { FetchOptions, Query } from './query.js';

/** `datacenters`: Consul cannot block on this endpoint, so the watcher polls it. */
export function datacentersQuery(): Query {
  return {
    key: 'catalog.datacenters()',
    blocking: false,
    async fetch(client: ConsulClient, opts: FetchOptions) {
      const res = await client.datacenters({ signal: opts.signal });
      const data = (Array.isArray(res.data) ? res.data.map(String) : []).sort();
      return { data, index: res.index, lastContactMs: res.lastContactMs };
    },
  };
}
