import type { CatalogService, HelperContext, KeyPair, ServiceEntry } from '../types.js';
import { kvListQuery } from '../queries/kv.js';
import { datacentersQuery } from '../queries/datacenters.js';
import { nodeQuery } from '../queries/node.js';
import { nodesQuery } from '../queries/nodes.js';
import { parseServiceQuery, serviceQuery } from '../queries/service.js';
import { servicesQuery } from '../queries/services.js';
import type { Query } from '../queries/query.js';
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
  // Each query text's parsed query, kept (a gateway reads thousands per render): one lookup per
  // read. The holder's cache key is the `service` helper's, so both share one watch.
  const serviceQueries = new Map<string, Query>();
  const serviceOf = (query: string): Query => {
    let q = serviceQueries.get(query);
    if (q === undefined) {
      if (serviceQueries.size >= 100_000) serviceQueries.clear();
      q = holder.query(`service\0${query}\0{}`, () => serviceQuery(parseServiceQuery(query)));
      serviceQueries.set(query, q);
    }
    return q;
  };
  return {
    service: (query) => holder.readQuery(serviceOf(query)) as ServiceEntry[] | undefined,
    services: (query = '') =>
      holder.read(`services\0${query}`, () => servicesQuery(query)) as CatalogService[] | undefined,
    // The same cache key as the `tree` helper (kv.ts): one watch for both.
    tree: (prefix) =>
      holder.read(`tree\0${prefix}`, () => kvListQuery(prefix, true)) as KeyPair[] | undefined,
  };
}
