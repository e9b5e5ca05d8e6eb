import type { ConsulClient } from '../../common/consul/client.js';
import type { ConsulAgentService, ConsulNode } from '../../common/consul/types.js';
import type { NodeServices } from '../types.js';
import {
  parseLocated,
  stringArray,
  stringMap,
  suffix,
  type FetchOptions,
  type Query,
} from './query.js';
import { toCatalogNode } from './nodes.js';

/** `node`, `node "name@dc"`: one node and its services; without a name, the agent's own node. */
export function nodeQuery(text = ''): Query {
  const spec = parseLocated(text, 'node', false);
  let name = spec.name;
  return {
    key: `catalog.node(${spec.name}${suffix(spec)})`,
    blocking: true,
    feed: { kind: 'catalog', dc: spec.dc },
    async fetch(client: ConsulClient, opts: FetchOptions) {
      if (!name) name = (await client.agentSelf()).Config.NodeName;
      const res = await client.read<{
        Node: ConsulNode;
        Services: Record<string, ConsulAgentService>;
      } | null>(`/catalog/node/${encodeURIComponent(name)}`, {}, { ...opts, dc: spec.dc });
      return { data: toNodeServices(res.data), index: res.index, lastContactMs: res.lastContactMs };
    },
  };
}

export function toNodeServices(
  raw: { Node: ConsulNode; Services: Record<string, ConsulAgentService> } | null,
): NodeServices | null {
  if (!raw || !raw.Node) return null;
  const services = Object.values(raw.Services ?? {})
    .map((s) => ({
      ID: String(s.ID),
      Service: String(s.Service),
      Tags: stringArray(s.Tags).sort(),
      Meta: stringMap(s.Meta),
      Port: Number(s.Port),
      Address: String(s.Address || raw.Node.Address),
    }))
    .sort((a, b) => (a.Service === b.Service ? cmp(a.ID, b.ID) : cmp(a.Service, b.Service)));
  return { Node: toCatalogNode(raw.Node), Services: services };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
