import { isHost, isPath } from './grammar.js';

export const TAG_PREFIX = 'urlprefix-';

/** The longest idle timeout a route may ask for with `timeout=` (seconds): 24 h. */
export const MAX_TIMEOUT_S = 86_400;

/**
 * One `urlprefix-` tag: `[host]/path [strip=/prefix] [redirect=https]
 * [proto=http|https|grpc [tlsskipverify=true]] [timeout=<n>s|m|h]`.
 */
export interface RouteSpec {
  /** Lower-cased host name; "" for host-less routes (the default server). */
  host: string;
  path: string;
  strip?: string;
  /** `redirect=https`: plain HTTP answers 308 to the same URL on HTTPS. */
  redirect?: 'https';
  /**
   * `proto=https`: the upstream speaks TLS (verified against the system CAs by default);
   * `proto=grpc`: gRPC over HTTP/2 to the instances (grpc_pass). Absent: HTTP/1.1 (WebSocket
   * upgrades included).
   */
  proto?: 'https' | 'grpc';
  /** `timeout=`: idle timeout (s) of upgraded connections (WebSocket) and gRPC calls. */
  timeout?: number;
  /** `tlsskipverify=true` (with proto=https): the upstream's certificate is not verified. */
  tlsSkipVerify?: true;
}

export type TagResult = { ok: true; route: RouteSpec } | { ok: false; reason: string };

/** `timeout=` values: a whole number of seconds, minutes or hours, 1 s to 24 h. */
export function parseTimeoutOption(value: string): number | undefined {
  const m = /^([1-9]\d{0,5})(s|m|h)$/.exec(value);
  if (!m) return undefined;
  const seconds = Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
  return seconds <= MAX_TIMEOUT_S ? seconds : undefined;
}

type OptionResult = { ok: true } | { ok: false; reason: string };
const fail = (reason: string): OptionResult => ({ ok: false, reason });

/** Applies one `name=value` option to `route`; every value has a closed set or a grammar. */
function applyOption(route: RouteSpec, name: string, value: string): OptionResult {
  switch (name) {
    case 'strip':
      if (!isPath(value) || value === '/') return fail('invalid strip prefix');
      if (!route.path.startsWith(value)) return fail('strip must be a prefix of the path');
      route.strip = value.replace(/\/+$/, '');
      return { ok: true };
    case 'redirect':
      if (value !== 'https') return fail('redirect must be https');
      route.redirect = 'https';
      return { ok: true };
    case 'proto':
      if (value !== 'http' && value !== 'https' && value !== 'grpc')
        return fail('proto must be http, https or grpc');
      if (value !== 'http') route.proto = value;
      return { ok: true };
    case 'timeout': {
      const seconds = parseTimeoutOption(value);
      if (seconds === undefined) return fail('timeout must be 1s to 24h (whole s, m or h)');
      route.timeout = seconds;
      return { ok: true };
    }
    case 'tlsskipverify':
      if (value !== 'true' && value !== 'false') return fail('tlsskipverify must be true or false');
      if (value === 'true') route.tlsSkipVerify = true;
      return { ok: true };
    default:
      return fail(`unsupported option ${name}`);
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
    const applied = applyOption(route, name, m[2] as string);
    if (!applied.ok) return applied;
  }
  if (route.tlsSkipVerify && route.proto !== 'https')
    return { ok: false, reason: 'tlsskipverify=true needs proto=https' };
  return { ok: true, route };
}
