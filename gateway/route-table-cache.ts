import { isServiceName } from './grammar.js';
import {
  buildRouteTable,
  optionsText,
  unavailableText,
  virtualHosts,
  type Instance,
  type InstanceInput,
  type Route,
  type RouteError,
  type RouteTable,
  type Server,
} from './routes.js';
import { serviceRoutes, type ServiceRoutes } from './service-routes.js';

type Entries = ReadonlyMap<string, readonly InstanceInput[]>;
type Lists = readonly (readonly InstanceInput[])[];
type Lookup = (name: string) => readonly InstanceInput[];

interface Built {
  /** The names as given (the gateway passes one array per version of its service list). */
  names: readonly string[];
  /** Each name's instance list, at the name's position. */
  lists: Lists;
  /** A name's position in `names`. */
  at: Map<string, number>;
  errorsKey: string;
  /** Each valid service name's place in the sorted names (the order instances are listed in). */
  places: Map<string, number>;
  /** Where each valid service's instances start in `table.instances`, plus the end. */
  offsets: number[];
  table: RouteTable;
  byKey: Map<string, Route>;
}

/** Past this many changed services a whole build is as cheap. */
const MOST_PATCHED = 64;

const NONE: readonly InstanceInput[] = [];

/** What a service claims, regardless of its instances' health and addresses. */
function shapeOf(own: ServiceRoutes): string | undefined {
  const claims = new Set<string>();
  const variants = new Map<string, string>();
  for (const t of own.tags) {
    const variant = `${t.strip ?? ''}\0${optionsText(t.options)}`;
    // Two strips or option sets for one route within a service: only a whole build says which.
    if ((variants.get(t.key) ?? variant) !== variant) return undefined;
    variants.set(t.key, variant);
    claims.add(`${t.tag}\0${t.key}\0${variant}`);
  }
  return [...claims].sort().join('\n') + '\n#' + [...new Set(own.errors)].sort().join('\n');
}

/**
 * Builds route tables as `buildRouteTable` does, but when the services changed since the last
 * table only in their instances' health or addresses (the same routes, tags and errors), it
 * recomputes just the servers of the routes they serve and keeps every other route object: a
 * one-instance change costs the changed service, not the catalog. Same result either way.
 */
export class RouteTableCache {
  private last?: Built;

  build(entries: Entries, initialErrors: readonly RouteError[] = []): RouteTable {
    return this.buildLists([...entries.keys()], [...entries.values()], initialErrors);
  }

  /**
   * The same from names and their instance lists side by side: no Map per render, and when
   * `names` lists the same names as last time (the same array, usually), the lists are compared
   * by position.
   */
  buildLists(
    names: readonly string[],
    lists: Lists,
    initialErrors: readonly RouteError[] = [],
  ): RouteTable {
    const errorsKey = initialErrors.map((e) => `${e.service}\0${e.message}`).join('\n');
    const last = this.last;
    const same = last?.errorsKey === errorsKey && sameNames(last.names, names);
    const patched = same && last ? this.patch(last, lists) : undefined;
    if (patched && last) {
      this.last = { ...last, names, lists, table: patched };
      return patched;
    }
    const entries = new Map(names.map((name, i) => [name, lists[i] ?? NONE]));
    const table = buildRouteTable(entries, initialErrors);
    const valid = [...entries.keys()].filter(isServiceName).sort();
    const offsets = [0];
    for (const name of valid)
      offsets.push(
        (offsets.at(-1) as number) +
          serviceRoutes(name, entries.get(name) ?? NONE).instances.length,
      );
    this.last = {
      names,
      lists,
      at: new Map(names.map((name, i) => [name, i])),
      errorsKey,
      places: new Map(valid.map((name, i) => [name, i])),
      offsets,
      table,
      byKey: keyed(table),
    };
    return table;
  }

  private patch(last: Built, lists: Lists): RouteTable | undefined {
    const changed: string[] = [];
    for (let i = 0; i < lists.length; i++) {
      const was = last.lists[i] ?? NONE;
      const now = lists[i] ?? NONE;
      if (was !== now && (was.length > 0 || now.length > 0)) changed.push(last.names[i] as string);
      if (changed.length > MOST_PATCHED) return undefined;
    }
    if (changed.length === 0) return last.table;
    const before: Lookup = (name) => last.lists[last.at.get(name) as number] ?? NONE;
    const get: Lookup = (name) => lists[last.at.get(name) as number] ?? NONE;
    const touched = new Set<Route>();
    for (const name of changed) {
      if (!isServiceName(name)) return undefined;
      const now = serviceRoutes(name, get(name));
      const shape = shapeOf(now);
      if (shape === undefined || shape !== shapeOf(serviceRoutes(name, before(name))))
        return undefined;
      for (const t of now.tags) {
        const route = last.byKey.get(t.key);
        if (!route) return undefined;
        touched.add(route);
      }
    }
    const replaced = new Map<Route, Route>();
    for (const route of touched) {
      const next = withServers(route, get);
      replaced.set(route, next);
      // The next patch starts from this table: its routes by key follow (same keys).
      last.byKey.set(`${route.host}${route.path}`, next);
    }
    const routes = last.table.routes.map((r) => replaced.get(r) ?? r);
    const instances = spliceInstances(last, changed, get);
    return { routes, hosts: virtualHosts(routes), instances, errors: last.table.errors };
  }
}

/** The same names in the same order (usually the very same array). */
function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The instance list with the changed services' runs replaced (a copy: the last table keeps its
 * own), and `last.offsets` moved to match: no pass over the 5,000 services that did not change.
 */
function spliceInstances(last: Built, changed: readonly string[], get: Lookup): Instance[] {
  const instances = last.table.instances.slice();
  const { offsets } = last;
  for (const name of changed) {
    const at = last.places.get(name) as number;
    const own = serviceRoutes(name, get(name)).instances;
    const start = offsets[at] as number;
    const delta = own.length - ((offsets[at + 1] as number) - start);
    instances.splice(start, own.length - delta, ...own);
    if (delta !== 0)
      for (let i = at + 1; i < offsets.length; i++) offsets[i] = (offsets[i] as number) + delta;
  }
  return instances;
}

function keyed(table: RouteTable): Map<string, Route> {
  return new Map(table.routes.map((r) => [`${r.host}${r.path}`, r]));
}

/** The route with its servers recomputed from its services' current instances. */
function withServers(route: Route, get: Lookup): Route {
  const key = `${route.host}${route.path}`;
  const options = optionsText(route);
  const servers: Server[] = [];
  for (const name of route.services)
    for (const t of serviceRoutes(name, get(name)).tags) {
      if (t.key !== key || !t.target || t.strip !== route.strip) continue;
      if (optionsText(t.options) !== options) continue;
      if (!servers.some((s) => s.target === t.target))
        servers.push({ target: t.target, service: name, id: t.id });
    }
  servers.sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
  const next: Route = { ...route, servers };
  delete next.unavailable;
  if (servers.length === 0) next.unavailable = unavailableText(next);
  return next;
}
