import { isHost, isPath } from './grammar.js';

export const TAG_PREFIX = 'urlprefix-';

/** One `urlprefix-` tag: `[host]/path [strip=/prefix] [redirect=https] [proto=https [tlsskipverify=true]]`. */
export interface RouteSpec {
  /** Lower-cased host name; "" for host-less routes (the default server). */
  host: string;
  path: string;
  strip?: string;
  /** `redirect=https`: plain HTTP answers 308 to the same URL on HTTPS. */
  redirect?: 'https';
  /** `proto=https`: the upstream speaks TLS (verified against the system CAs by default). */
  proto?: 'https';
  /** `tlsskipverify=true` (with proto=https): the upstream's certificate is not verified. */
  tlsSkipVerify?: true;
}

export type TagResult = { ok: true; route: RouteSpec } | { ok: false; reason: string };

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
      if (value !== 'http' && value !== 'https') return fail('proto must be http or https');
      if (value === 'https') route.proto = 'https';
      return { ok: true };
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
