import { createHash } from 'node:crypto';
import { hostPort, isAddress, isPort } from './grammar.js';
import { parseRouteTag, type RouteSpec } from './route-tags.js';
import type { Instance, InstanceInput } from './routes.js';

/** One routing tag of one instance, parsed and validated. */
export interface TagRoute {
  key: string;
  host: string;
  path: string;
  strip: string | undefined;
  /** `redirect=https`, `proto=`, `tlsskipverify=true`, `timeout=` (absent when not given). */
  options: RouteOptions;
  /** `address:port` when the instance is healthy and its address valid (a server of the route). */
  target?: string;
  id: string;
  tag: string;
}

/** The per-route options beyond the strip prefix. */
export type RouteOptions = Pick<RouteSpec, 'redirect' | 'proto' | 'tlsSkipVerify' | 'timeout'>;

/** The options of a parsed tag, only those given (so equal options compare equal). */
function routeOptions(spec: RouteSpec): RouteOptions {
  return {
    ...(spec.redirect ? { redirect: spec.redirect } : {}),
    ...(spec.proto ? { proto: spec.proto } : {}),
    ...(spec.tlsSkipVerify ? { tlsSkipVerify: spec.tlsSkipVerify } : {}),
    ...(spec.timeout !== undefined ? { timeout: spec.timeout } : {}),
  };
}

/** What one service adds to the route table: pure function of its instance list. */
export interface ServiceRoutes {
  instances: Instance[];
  tags: TagRoute[];
  errors: string[];
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Per service, keyed by the very list the renderer's store holds: a list that did not change is
 * the same object, so a change to one service re-parses that service only (the table is still
 * assembled from all of them, which is cheap).
 */
const cache = new WeakMap<readonly InstanceInput[], ServiceRoutes>();

export function serviceRoutes(name: string, list: readonly InstanceInput[]): ServiceRoutes {
  const hit = cache.get(list);
  if (hit) return hit;
  const out: ServiceRoutes = { instances: [], tags: [], errors: [] };
  for (const e of [...list].sort((a, b) => byText(a.ID, b.ID))) {
    const valid = isAddress(e.Address) && isPort(e.Port);
    if (!valid)
      out.errors.push(`instance ${JSON.stringify(e.ID)} has an invalid address; instance dropped`);
    const healthy = e.Status === 'passing';
    out.instances.push({
      id: String(e.ID),
      service: name,
      node: String(e.Node),
      address: String(e.Address),
      port: Number(e.Port),
      status: String(e.Status),
      healthy,
      tags: [...(e.Tags ?? [])].map(String),
      valid,
    });
    const target = healthy && valid ? hostPort(e.Address, e.Port) : undefined;
    for (const tag of e.Tags ?? []) {
      const parsed = parseRouteTag(String(tag));
      if (!parsed) continue;
      if (!parsed.ok) {
        out.errors.push(`tag ${JSON.stringify(tag)} dropped: ${parsed.reason}`);
        continue;
      }
      const { host, path, strip } = parsed.route;
      out.tags.push({
        key: `${host}${path}`,
        host,
        path,
        strip,
        options: routeOptions(parsed.route),
        target,
        id: String(e.ID),
        tag: String(tag),
      });
    }
  }
  cache.set(list, out);
  return out;
}

const upstreams = new Map<string, string>();

/** The upstream name of a route: a hash of host and path, remembered (bounded). */
export function upstreamName(host: string, path: string): string {
  const key = `${host}\0${path}`;
  let name = upstreams.get(key);
  if (name === undefined) {
    name = `route_${createHash('sha1').update(key).digest('hex').slice(0, 12)}`;
    if (upstreams.size >= 100_000) upstreams.clear();
    upstreams.set(key, name);
  }
  return name;
}
