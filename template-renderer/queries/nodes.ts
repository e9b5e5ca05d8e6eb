import type { ConsulClient } from '../../common/consul/client.js';
import type { ConsulNode } from '../../common/consul/types.js';
import type { CatalogNode } from '../types.js';
import { parseLocated, stringMap, suffix, type FetchOptions, type Query } from './query.js';

/** `nodes`, `nodes "@dc~near"`: every node of the catalog, sorted by name (or by distance with ~near). */
export function nodesQuery(text = ''): Query {
  const spec = parseLocated(text, 'nodes', false);
  return {
    key: `catalog.nodes(${suffix(spec)})`,
    blocking: true,
    feed: { kind: 'catalog', dc: spec.dc },
    async fetch(client: ConsulClient, opts: FetchOptions) {
      const res = await client.read<ConsulNode[]>(
        '/catalog/nodes',
        { near: spec.near },
        { ...opts, dc: spec.dc },
      );
      const nodes = (Array.isArray(res.data) ? res.data : []).map(toCatalogNode);
      if (!spec.near) nodes.sort((a, b) => (a.Node < b.Node ? -1 : a.Node > b.Node ? 1 : 0));
      return { data: nodes, index: res.index, lastContactMs: res.lastContactMs };
    },
  };
}

export function toCatalogNode(n: ConsulNode): CatalogNode {
  return {
    ID: String(n.ID ?? ''),
    Node: String(n.Node),
    Address: String(n.Address),
    Datacenter: String(n.Datacenter ?? ''),
    TaggedAddresses: stringMap(n.TaggedAddresses),
    Meta: stringMap(n.Meta),
  };
}
