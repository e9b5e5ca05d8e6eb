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

interface Built {
  entries: Entries;
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
    const errorsKey = initialErrors.map((e) => `${e.service}\0${e.message}`).join('\n');
    const last = this.last;
    const patched = last?.errorsKey === errorsKey ? this.patch(last, entries) : undefined;
    if (patched && last) {
      this.last = { ...last, entries, table: patched };
      return patched;
    }
    const table = buildRouteTable(entries, initialErrors);
    const names = [...entries.keys()].filter(isServiceName).sort();
    const offsets = [0];
    for (const name of names)
      offsets.push(
        (offsets.at(-1) as number) +
          serviceRoutes(name, entries.get(name) ?? NONE).instances.length,
      );
    const places = new Map(names.map((name, i) => [name, i]));
    this.last = { entries, errorsKey, places, offsets, table, byKey: keyed(table) };
    return table;
  }

  private patch(last: Built, entries: Entries): RouteTable | undefined {
    const changed = changedServices(last.entries, entries);
    if (changed === undefined) return undefined;
    if (changed.length === 0) return last.table;
    const touched = new Set<Route>();
    for (const name of changed) {
      if (!isServiceName(name)) return undefined;
      const was = serviceRoutes(name, last.entries.get(name) ?? NONE);
      const now = serviceRoutes(name, entries.get(name) ?? NONE);
      const shape = shapeOf(now);
      if (shape === undefined || shape !== shapeOf(was)) return undefined;
      for (const t of now.tags) {
        const route = last.byKey.get(t.key);
        if (!route) return undefined;
        touched.add(route);
      }
    }
    const replaced = new Map<Route, Route>();
    for (const route of touched) {
      const next = withServers(route, entries);
      replaced.set(route, next);
      // The next patch starts from this table: its routes by key follow (same keys).
      last.byKey.set(`${route.host}${route.path}`, next);
    }
    const routes = last.table.routes.map((r) => replaced.get(r) ?? r);
    const instances = spliceInstances(last, changed, entries);
    return { routes, hosts: virtualHosts(routes), instances, errors: last.table.errors };
  }
}

/**
 * The names whose instance list is another object than before (undefined when a name came or
 * went, or more than MOST_PATCHED changed). Both maps list the names in the same order (the
 * gateway builds them from one sorted list), so they are walked side by side; a name out of step
 * is looked up.
 */
function changedServices(before: Entries, now: Entries): string[] | undefined {
  if (now.size !== before.size) return undefined;
  const changed: string[] = [];
  const previous = before.entries();
  for (const [name, list] of now) {
    const p = previous.next().value;
    const was = p !== undefined && p[0] === name ? p[1] : before.get(name);
    if (was === undefined) return undefined;
    if (was !== list && (was.length > 0 || list.length > 0)) changed.push(name);
    if (changed.length > MOST_PATCHED) return undefined;
  }
  return changed;
}

/**
 * The instance list with the changed services' runs replaced (a copy: the last table keeps its
 * own), and `last.offsets` moved to match: no pass over the 5,000 services that did not change.
 */
function spliceInstances(last: Built, changed: readonly string[], entries: Entries): Instance[] {
  const instances = last.table.instances.slice();
  const { offsets } = last;
  for (const name of changed) {
    const at = last.places.get(name) as number;
    const own = serviceRoutes(name, entries.get(name) ?? NONE).instances;
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
function withServers(route: Route, entries: Entries): Route {
  const key = `${route.host}${route.path}`;
  const options = optionsText(route);
  const servers: Server[] = [];
  for (const name of route.services)
    for (const t of serviceRoutes(name, entries.get(name) ?? NONE).tags) {
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
