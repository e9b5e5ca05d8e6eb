import type { CatalogService, HelperContext, KeyPair, ServiceEntry } from '../types.js';
import { kvListQuery } from '../queries/kv.js';
import { datacentersQuery } from '../queries/datacenters.js';
import { nodeQuery } from '../queries/node.js';
import { nodesQuery } from '../queries/nodes.js';
import { parseServiceQuery, serviceQuery } from '../queries/service.js';
import { servicesQuery } from '../queries/services.js';
import { split, type ScopeHolder } from './scope.js';

type Helper = (...args: unknown[]) => unknown;

function text(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

/** The catalog and health helpers; they return empty data while a query has none yet. */
export function consulHelpers(holder: ScopeHolder): Record<string, Helper> {
  const readService = (query: string, hash: Record<string, unknown>): ServiceEntry[] | undefined =>
    holder.read(`service\0${query}\0${JSON.stringify(hash)}`, () =>
      serviceQuery(parseServiceQuery(query, hash)),
    ) as ServiceEntry[] | undefined;
  const readServices = (query: string): CatalogService[] | undefined =>
    holder.read(`services\0${query}`, () => servicesQuery(query)) as CatalogService[] | undefined;
  return {
    service(...args) {
      const { params, options } = split(args);
      const status = params[1] === undefined ? {} : { status: params[1] };
      return readService(text(params[0]), { ...status, ...options.hash }) ?? [];
    },
    services(...args) {
      const { params, options } = split(args);
      const dc = options.hash.dc === undefined ? '' : `@${text(options.hash.dc)}`;
      return readServices(params[0] === undefined ? dc : text(params[0])) ?? [];
    },
    nodes(...args) {
      const { params } = split(args);
      const q = text(params[0]);
      return holder.read(`nodes\0${q}`, () => nodesQuery(q)) ?? [];
    },
    node(...args) {
      const { params } = split(args);
      const q = text(params[0]);
      return holder.read(`node\0${q}`, () => nodeQuery(q)) ?? null;
    },
    datacenters() {
      return holder.read('datacenters', () => datacentersQuery()) ?? [];
    },
  };
}

/** The same reads for custom helpers and library callers (undefined while no data yet). */
export function helperContext(holder: ScopeHolder): HelperContext {
  // The holder's cache key of each query text, built once (a gateway reads thousands per render).
  const serviceKeys = new Map<string, string>();
  const serviceKey = (query: string): string => {
    let key = serviceKeys.get(query);
    if (key === undefined) {
      if (serviceKeys.size >= 100_000) serviceKeys.clear();
      key = `service\0${query}\0{}`;
      serviceKeys.set(query, key);
    }
    return key;
  };
  return {
    service: (query) =>
      holder.read(serviceKey(query), () => serviceQuery(parseServiceQuery(query))) as
        ServiceEntry[] | undefined,
    services: (query = '') =>
      holder.read(`services\0${query}`, () => servicesQuery(query)) as CatalogService[] | undefined,
    // The same cache key as the `tree` helper (kv.ts): one watch for both.
    tree: (prefix) =>
      holder.read(`tree\0${prefix}`, () => kvListQuery(prefix, true)) as KeyPair[] | undefined,
  };
}
