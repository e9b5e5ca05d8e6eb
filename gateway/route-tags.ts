import { isHost, isPath } from './grammar.js';

export const TAG_PREFIX = 'urlprefix-';

/** One `urlprefix-` tag: `[host]/path [strip=/prefix]`. */
export interface RouteSpec {
  /** Lower-cased host name; "" for host-less routes (the default server). */
  host: string;
  path: string;
  strip?: string;
}

export type TagResult = { ok: true; route: RouteSpec } | { ok: false; reason: string };

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
  for (const option of options) {
    const m = /^([a-z]+)=(.*)$/.exec(option);
    if (!m) return { ok: false, reason: 'invalid option' };
    if (m[1] !== 'strip') return { ok: false, reason: `unsupported option ${m[1]}` };
    const strip = m[2] as string;
    if (!isPath(strip) || strip === '/') return { ok: false, reason: 'invalid strip prefix' };
    if (!path.startsWith(strip)) return { ok: false, reason: 'strip must be a prefix of the path' };
    route.strip = strip.replace(/\/+$/, '');
  }
  return { ok: true, route };
}
