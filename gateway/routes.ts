import { isServiceName, nginxQuote, regexLiteral } from './grammar.js';
import { TAG_PREFIX } from './route-tags.js';
import { serviceRoutes, upstreamName, type RouteOptions } from './service-routes.js';

/** The instance data the route table is built from (template-renderer's ServiceEntry subset). */
export interface InstanceInput {
  ID: string;
  Name: string;
  Node: string;
  Address: string;
  Port: number;
  Tags: string[];
  Status: string;
}

export interface CatalogInput {
  Name: string;
  Tags: string[];
}

export interface Instance {
  id: string;
  service: string;
  node: string;
  address: string;
  port: number;
  status: string;
  healthy: boolean;
  tags: string[];
  /** Whether it can be an upstream server (address and port passed validation). */
  valid: boolean;
}

export interface Server {
  /** `address:port`, validated. */
  target: string;
  service: string;
  id: string;
}

export interface Route {
  upstream: string;
  host: string;
  path: string;
  strip?: string;
  /** PCRE matching the strip prefix and capturing the rest (for `rewrite`). */
  stripPattern?: string;
  services: string[];
  servers: Server[];
  /** The quoted 503 body when no healthy instance serves this route. */
  unavailable?: string;
  /** Kept by --route-grace after its last instance left Consul. */
  remembered?: boolean;
  /** `redirect=https`: plain HTTP answers 308 to the same URL on the HTTPS listener. */
  redirect?: 'https';
  /**
   * `proto=https`: the upstream speaks TLS (proxy_ssl_verify against the system CAs);
   * `proto=grpc`: gRPC over HTTP/2 to the instances. Absent: HTTP/1.1 and WebSocket.
   */
  proto?: 'https' | 'grpc';
  /** `timeout=`: idle timeout (s) of its WebSockets and gRPC calls; absent: --websocket-timeout. */
  timeout?: number;
  /** `tlsskipverify=true`: with proto=https, the upstream's certificate is not verified. */
  tlsSkipVerify?: true;
}

export interface VirtualHost {
  /** "" for the default server. */
  name: string;
  routes: Route[];
  /** Whether a route serves "/" (else the template adds a 404 fallback). */
  hasRoot: boolean;
}

export interface RouteError {
  service: string;
  message: string;
}

export interface RouteTable {
  routes: Route[];
  /** The default server first, then named hosts sorted. */
  hosts: VirtualHost[];
  instances: Instance[];
  errors: RouteError[];
}

/** Services that carry at least one routing tag: only these need their instances fetched. */
export function routedServices(catalog: readonly CatalogInput[]): {
  names: string[];
  errors: RouteError[];
} {
  const names: string[] = [];
  const errors: RouteError[] = [];
  for (const s of catalog) {
    if (!(s.Tags ?? []).some((t) => t.startsWith(TAG_PREFIX))) continue;
    if (isServiceName(s.Name)) names.push(s.Name);
    else errors.push({ service: s.Name, message: 'service name is not routable; service dropped' });
  }
  return { names: names.sort(), errors };
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Builds the validated routing table from Consul's health entries (any status). Pure and
 * deterministic: the same data always gives the same table, so the same config bytes.
 */
export function buildRouteTable(
  entries: ReadonlyMap<string, readonly InstanceInput[]>,
  initialErrors: readonly RouteError[] = [],
): RouteTable {
  const errors = new Map<string, RouteError>();
  const addError = (service: string, message: string): void => {
    errors.set(`${service}\0${message}`, { service, message });
  };
  for (const e of initialErrors) addError(e.service, e.message);
  const instances: Instance[] = [];
  const routes = new Map<string, Route>();
  for (const name of [...entries.keys()].sort(byText)) {
    if (!isServiceName(name)) {
      addError(name, 'service name is not routable; service dropped');
      continue;
    }
    const own = serviceRoutes(name, entries.get(name) ?? []);
    for (const message of own.errors) addError(name, message);
    instances.push(...own.instances);
    for (const t of own.tags) {
      let route = routes.get(t.key);
      if (!route) {
        route = newRoute(t.host, t.path, t.strip, t.options);
        routes.set(t.key, route);
      } else if (route.strip !== t.strip) {
        addError(
          name,
          `tag ${JSON.stringify(t.tag)} dropped: conflicts with another strip for ${t.key}`,
        );
        continue;
      } else if (optionsText(route) !== optionsText(t.options)) {
        addError(
          name,
          `tag ${JSON.stringify(t.tag)} dropped: conflicts with other options for ${t.key}`,
        );
        continue;
      }
      if (!route.services.includes(name)) route.services.push(name);
      if (t.target && !route.servers.some((s) => s.target === t.target))
        route.servers.push({ target: t.target, service: name, id: t.id });
    }
  }
  const sorted = [...routes.values()].sort(compareRoutes);
  for (const r of sorted) {
    r.servers.sort((a, b) => byText(a.target, b.target));
    r.services.sort(byText);
    if (r.servers.length === 0) r.unavailable = unavailableText(r);
  }
  return {
    routes: sorted,
    hosts: virtualHosts(sorted),
    instances,
    errors: [...errors.values()].sort(
      (a, b) => byText(a.service, b.service) || byText(a.message, b.message),
    ),
  };
}

/** The quoted nginx string a route without healthy instances answers 503 with. */
export function unavailableText(r: Pick<Route, 'services' | 'host' | 'path'>): string {
  // nginx reads \n in a quoted string as a newline.
  return `${nginxQuote(`no healthy instance of ${r.services.join(', ')} for ${r.host}${r.path}`).slice(0, -1)}\\n"`;
}

/** A route's options in a fixed order, to compare two claims of the same route. */
export function optionsText(o: RouteOptions): string {
  return `${o.redirect ?? ''} ${o.proto ?? ''} ${o.tlsSkipVerify ?? ''} ${o.timeout ?? ''}`;
}

function newRoute(
  host: string,
  path: string,
  strip: string | undefined,
  options: RouteOptions = {},
): Route {
  const route: Route = {
    upstream: upstreamName(host, path),
    host,
    path,
    services: [],
    servers: [],
    ...options,
  };
  if (strip !== undefined) {
    route.strip = strip;
    route.stripPattern = `^${regexLiteral(strip)}/?(.*)$`;
  }
  return route;
}

/** The same table with `extra` routes added (sorted, hosts rebuilt); used for remembered routes. */
export function withExtraRoutes(table: RouteTable, extra: readonly Route[]): RouteTable {
  if (extra.length === 0) return table;
  const routes = [...table.routes, ...extra].sort(compareRoutes);
  return { ...table, routes, hosts: virtualHosts(routes) };
}

/**
 * The same table without the routes `drop` picks (hosts rebuilt), each reported as an error of
 * its services with `why`; used for what a mode cannot serve.
 */
export function withoutRoutes(
  table: RouteTable,
  drop: (r: Route) => boolean,
  why: string,
): RouteTable {
  const dropped = table.routes.filter(drop);
  if (dropped.length === 0) return table;
  const routes = table.routes.filter((r) => !drop(r));
  const errors = dropped.flatMap((r) =>
    r.services.map((service) => ({ service, message: `${r.host}${r.path}: ${why}` })),
  );
  return { ...table, routes, hosts: virtualHosts(routes), errors: [...table.errors, ...errors] };
}

/** Longest path first (nginx picks the longest prefix anyway; this keeps output readable). */
function compareRoutes(a: Route, b: Route): number {
  return byText(a.host, b.host) || b.path.length - a.path.length || byText(a.path, b.path);
}

/** Host-less routes serve every host that does not define the same path itself. */
export function virtualHosts(routes: Route[]): VirtualHost[] {
  const hostless = routes.filter((r) => r.host === '');
  const names = [...new Set(routes.map((r) => r.host).filter((h) => h !== ''))].sort(byText);
  const hasRoot = (list: Route[]): boolean => list.some((r) => r.path === '/');
  const hosts: VirtualHost[] = [{ name: '', routes: hostless, hasRoot: hasRoot(hostless) }];
  for (const name of names) {
    const own = routes.filter((r) => r.host === name);
    const paths = new Set(own.map((r) => r.path));
    const merged = [...own, ...hostless.filter((r) => !paths.has(r.path))];
    merged.sort((a, b) => b.path.length - a.path.length || byText(a.path, b.path));
    hosts.push({ name, routes: merged, hasRoot: hasRoot(merged) });
  }
  return hosts;
}
