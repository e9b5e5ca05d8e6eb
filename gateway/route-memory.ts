import { nginxQuote } from './grammar.js';
import { withExtraRoutes, type Route, type RouteTable } from './routes.js';

interface Remembered {
  route: Route;
  lastSeen: number;
  /** Missing from the latest table (only those can expire). */
  absent: boolean;
}

/**
 * Keeps a route for `graceMs` after its last instance left Consul. Registrator deregisters a
 * stopped container, and Consul drops a service with no instances, so without this the route of
 * a service whose only container stopped would vanish (404) and come back with the next one: two
 * reloads of the client-facing nginx for one redeploy. Remembered routes answer 503 with an
 * explanation and cost no reload while they wait.
 */
export class RouteMemory {
  private readonly routes = new Map<string, Remembered>();
  /** The keys of the routes missing from the latest table: the only ones that can expire. */
  private readonly absent = new Set<string>();
  /** The routes of the last merged table. */
  private merged?: readonly Route[];

  constructor(
    private readonly graceMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** `table` plus the remembered routes it lacks. */
  merge(table: RouteTable): RouteTable {
    if (this.graceMs <= 0) return table;
    const now = this.now();
    const previous = this.merged;
    this.merged = table.routes;
    // The same routes as last time (only their instances changed), none remembered: no scan.
    if (this.absent.size === 0 && previous && sameRoutes(previous, table.routes)) {
      for (let i = 0; i < table.routes.length; i++) {
        const route = table.routes[i] as Route;
        if (route === previous[i]) continue;
        const known = this.routes.get(keyOf(route));
        if (known) known.route = route;
      }
      return table;
    }
    const present = new Set<string>();
    for (const route of table.routes) {
      const key = keyOf(route);
      present.add(key);
      const known = this.routes.get(key);
      if (known) {
        known.route = route;
        if (known.absent) this.absent.delete(key);
        known.absent = false;
      } else this.routes.set(key, { route, lastSeen: now, absent: false });
    }
    const extra: Route[] = [];
    // Every remembered route is in this table: nothing to add (the common case).
    if (present.size === this.routes.size) return table;
    for (const [key, r] of this.routes) {
      if (present.has(key)) {
        r.lastSeen = now;
        continue;
      }
      // It left now: the table before this one, which had it, was current until this merge,
      // however long ago that table came (the grace period counts from here).
      if (!r.absent) r.lastSeen = now;
      r.absent = true;
      this.absent.add(key);
      if (now - r.lastSeen >= this.graceMs) {
        this.routes.delete(key);
        this.absent.delete(key);
        continue;
      }
      const { route } = r;
      extra.push({
        upstream: route.upstream,
        host: route.host,
        path: route.path,
        ...(route.strip !== undefined
          ? { strip: route.strip, stripPattern: route.stripPattern }
          : {}),
        ...(route.redirect ? { redirect: route.redirect } : {}),
        ...(route.proto ? { proto: route.proto } : {}),
        ...(route.tlsSkipVerify ? { tlsSkipVerify: route.tlsSkipVerify } : {}),
        ...(route.timeout !== undefined ? { timeout: route.timeout } : {}),
        services: route.services,
        servers: [],
        remembered: true,
        unavailable: `${nginxQuote(`no instance of ${route.services.join(', ')} for ${key}`).slice(0, -1)}\\n"`,
      });
    }
    return withExtraRoutes(table, extra);
  }

  /** When the next remembered route expires (ms from now), or undefined. */
  nextExpiryMs(): number | undefined {
    const now = this.now();
    let next: number | undefined;
    for (const key of this.absent) {
      const r = this.routes.get(key);
      if (!r) continue;
      const left = r.lastSeen + this.graceMs - now;
      if (next === undefined || left < next) next = left;
    }
    return next === undefined ? undefined : Math.max(0, next);
  }
}

const keyOf = (r: Route): string => `${r.host}${r.path}`;

/** Whether two route lists name the same routes in the same order. */
function sameRoutes(a: readonly Route[], b: readonly Route[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as Route;
    const y = b[i] as Route;
    if (x !== y && (x.host !== y.host || x.path !== y.path)) return false;
  }
  return true;
}
