import { isHost, isPath } from './grammar.js';

export const TAG_PREFIX = 'urlprefix-';

/** How a route's requests reach its instances: HTTP/1.1 (WebSocket upgrades included) or gRPC. */
export type RouteProto = 'http' | 'grpc';

/** The longest idle timeout a route may ask for with `timeout=` (seconds). */
export const MAX_TIMEOUT_S = 86_400;

/** One `urlprefix-` tag: `[host]/path [strip=/prefix] [proto=grpc] [timeout=<n>s|m|h]`. */
export interface RouteSpec {
  /** Lower-cased host name; "" for host-less routes (the default server). */
  host: string;
  path: string;
  strip?: string;
  /** `grpc` only when the tag says so (absent: http). */
  proto?: RouteProto;
  /** Idle timeout of upgraded (WebSocket) connections and gRPC streams, seconds. */
  timeout?: number;
}

export type TagResult = { ok: true; route: RouteSpec } | { ok: false; reason: string };

/** `timeout=` values: a whole number of seconds, minutes or hours, 1 s to 24 h. */
export function parseTimeoutOption(value: string): number | undefined {
  const m = /^([1-9]\d{0,5})(s|m|h)$/.exec(value);
  if (!m) return undefined;
  const seconds = Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
  return seconds <= MAX_TIMEOUT_S ? seconds : undefined;
}

/** Applies one `name=value` option to `route`; returns the reason when it is refused. */
function applyOption(route: RouteSpec, name: string, value: string): string | undefined {
  switch (name) {
    case 'strip':
      if (!isPath(value) || value === '/') return 'invalid strip prefix';
      if (!route.path.startsWith(value)) return 'strip must be a prefix of the path';
      route.strip = value.replace(/\/+$/, '');
      return undefined;
    case 'proto':
      if (value !== 'http' && value !== 'grpc') return 'proto must be http or grpc';
      if (value === 'grpc') route.proto = 'grpc';
      return undefined;
    case 'timeout': {
      const seconds = parseTimeoutOption(value);
      if (seconds === undefined) return 'timeout must be 1s to 24h (whole s, m or h)';
      route.timeout = seconds;
      return undefined;
    }
    default:
      return `unsupported option ${name}`;
  }
}

/**
 * Parses a `urlprefix-` tag (the fabio convention). Returns undefined for other tags. Every part
 * must match its grammar; anything else makes the whole tag invalid, never partly applied.
 */
export function parseRouteTag(tag: string): TagResult | undefined {
  if (!tag.startsWith(TAG_PREFIX)) return undefined;
  const [target = '', ...options] = tag.slice(TAG_PREFIX.length).split(/ +/);
  const slash = target.indexOf('/');
  if (slash === -1) return { ok: false, reason: 'expected [host]/path after urlprefix-' };
  const host = target.slice(0, slash).toLowerCase();
  const path = target.slice(slash);
  if (host !== '' && !isHost(host)) return { ok: false, reason: 'invalid host' };
  if (!isPath(path)) return { ok: false, reason: 'invalid path' };
  const route: RouteSpec = { host, path };
  const seen = new Set<string>();
  for (const option of options) {
    const m = /^([a-z]+)=(.*)$/.exec(option);
    if (!m) return { ok: false, reason: 'invalid option' };
    const name = m[1] as string;
    if (seen.has(name)) return { ok: false, reason: `option ${name} given twice` };
    seen.add(name);
    const reason = applyOption(route, name, m[2] as string);
    if (reason) return { ok: false, reason };
  }
  return { ok: true, route };
}
