import type { ScopeHolder } from '../../../helpers/index.js';
import { datacentersQuery } from '../../../queries/datacenters.js';
import { fileQuery } from '../../../queries/file.js';
import { kvKeyQuery, kvPrefixQuery, type KeyValue } from '../../../queries/kv.js';
import { nodeQuery } from '../../../queries/node.js';
import { nodesQuery } from '../../../queries/nodes.js';
import { parseServiceQuery, serviceQuery } from '../../../queries/service.js';
import { servicesQuery } from '../../../queries/services.js';
import type { CatalogNode, CatalogService, NodeServices, ServiceEntry } from '../../../types.js';
import type { GoFunc } from '../exec.js';
import { GoMap } from '../values.js';
import { str } from './strings.js';

/** Consul data in consul-template's shapes (field names and order of its Go structs), cached per snapshot value. */
const shaped = new WeakMap<object, unknown>();

function once<T extends object>(
  data: T | undefined,
  shape: (d: T) => unknown,
  empty: unknown,
): unknown {
  if (!data) return empty;
  let v = shaped.get(data);
  if (v === undefined) {
    v = shape(data);
    shaped.set(data, v);
  }
  return v;
}

function stringMap(m: Record<string, string> | undefined): GoMap {
  return new GoMap(Object.entries(m ?? {}), '');
}

function healthService(s: ServiceEntry): Record<string, unknown> {
  return {
    Node: s.Node,
    NodeID: s.NodeID ?? '',
    NodeAddress: s.NodeAddress,
    NodeTaggedAddresses: stringMap(s.NodeTaggedAddresses),
    NodeMeta: stringMap(s.NodeMeta),
    ServiceMeta: stringMap(s.Meta),
    Address: s.Address,
    ID: s.ID,
    Name: s.Name,
    Tags: [...s.Tags],
    Checks: s.Checks.map((c) => ({ ...c })),
    Status: s.Status,
    Port: s.Port,
  };
}

function node(n: CatalogNode): Record<string, unknown> {
  return {
    ID: n.ID,
    Node: n.Node,
    Address: n.Address,
    Datacenter: n.Datacenter,
    TaggedAddresses: stringMap(n.TaggedAddresses),
    Meta: stringMap(n.Meta),
  };
}

function nodeServices(n: NodeServices): Record<string, unknown> {
  return {
    Node: node(n.Node),
    Services: n.Services.map((s) => ({
      ID: s.ID,
      Service: s.Service,
      Tags: [...s.Tags],
      Meta: stringMap(s.Meta),
      Port: s.Port,
      Address: s.Address,
    })),
  };
}

function text(args: unknown[], fn: string, joiner = '|'): string {
  return args.map((a) => str(a, fn)).join(joiner);
}

/**
 * The query functions, on the same store and watcher as the Handlebars helpers: each reads the
 * snapshot, records the query as used (so it is watched) or missing (the render waits).
 */
export function consulFuncs(holder: ScopeHolder): Record<string, GoFunc> {
  const readKey = (path: string): KeyValue | undefined =>
    holder.read(`key\0${path}`, () => kvKeyQuery(path)) as KeyValue | undefined;
  const readPrefix = (prefix: string): Record<string, unknown>[] =>
    (holder.read(`kvprefix\0${prefix}`, () => kvPrefixQuery(prefix)) as
      Record<string, unknown>[] | undefined) ?? [];
  return {
    service: (...a) => {
      const q = text(a, 'service');
      if (a.length === 0 || q === '') return [];
      const data = holder.read(`service\0${q}\0{}`, () => serviceQuery(parseServiceQuery(q))) as
        ServiceEntry[] | undefined;
      return once(data, (d) => d.map(healthService), []);
    },
    services: (...a) => {
      const q = text(a, 'services');
      const data = holder.read(`services\0${q}`, () => servicesQuery(q)) as
        CatalogService[] | undefined;
      return once(data, (d) => d.map((s) => ({ Name: s.Name, Tags: [...s.Tags] })), []);
    },
    node: (...a) => {
      const q = text(a, 'node');
      const data = holder.read(`node\0${q}`, () => nodeQuery(q)) as NodeServices | null | undefined;
      return once(data ?? undefined, nodeServices, null);
    },
    nodes: (...a) => {
      const q = text(a, 'nodes');
      const data = holder.read(`nodes\0${q}`, () => nodesQuery(q)) as CatalogNode[] | undefined;
      return once(data, (d) => d.map(node), []);
    },
    datacenters: () =>
      (holder.read('datacenters', () => datacentersQuery()) as string[] | undefined) ?? [],
    key: (k) => readKey(str(k, 'key'))?.value ?? '',
    keyExists: (k) => readKey(str(k, 'keyExists'))?.exists ?? false,
    keyOrDefault: (k, d) => {
      const kv = readKey(str(k, 'keyOrDefault'));
      return kv?.exists ? kv.value : str(d, 'keyOrDefault');
    },
    ls: (p) => readPrefix(str(p, 'ls')).filter((x) => x.Key !== '' && !String(x.Key).includes('/')),
    tree: (p) =>
      readPrefix(str(p, 'tree')).filter((x) => !String(x.Key).endsWith('/') && x.Key !== ''),
    file: (p) =>
      (holder.read(`file\0${str(p, 'file')}`, () => fileQuery(str(p, 'file'))) as
        string | undefined) ?? '',
    env: (k) => holder.env(str(k, 'env')),
  };
}
