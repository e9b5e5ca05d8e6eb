import { isIP } from 'node:net';

/**
 * Strict grammars for every value that can reach the nginx config. Values from Consul are
 * untrusted: a value either matches one of these (and then contains nothing nginx could read as
 * syntax: no whitespace, quotes, braces, semicolons, `$`, `#` or backslashes) or it is dropped.
 */

/** Consul service names we route to. Dots are excluded: the query syntax reads them as a tag. */
export const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** A DNS host name (lower-cased before matching), optionally a leading wildcard label. */
const HOST_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
export const HOST = new RegExp(`^(?:\\*\\.)?${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);

/** URL path prefixes: unreserved characters and slashes only, starting with "/". */
export const PATH = /^\/[A-Za-z0-9._~/-]{0,255}$/;

export function isServiceName(value: unknown): value is string {
  return typeof value === 'string' && SERVICE_NAME.test(value);
}

export function isHost(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 253 && HOST.test(value);
}

export function isPath(value: unknown): value is string {
  return typeof value === 'string' && PATH.test(value) && !value.includes('//');
}

/**
 * An upstream address: an IP literal only. nginx resolves host names when it loads a config, so
 * one unresolvable name would make every candidate config fail `nginx -t`; registrators always
 * register IP addresses.
 */
export function isAddress(value: unknown): value is string {
  // No IPv6 zone ids ("fe80::1%eth0"): nothing beyond the address itself reaches the config.
  return typeof value === 'string' && !value.includes('%') && isIP(value) !== 0;
}

export function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** `host:port` for an nginx `server` line; IPv6 addresses are bracketed. */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * An nginx double-quoted string. Backslashes and quotes are escaped; control characters and `$`
 * (which nginx would expand as a variable and cannot be escaped in every directive) are refused.
 */
export function nginxQuote(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f$]/.test(value)) {
    throw new Error(`value cannot be quoted for nginx: ${JSON.stringify(value)}`);
  }
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A PCRE pattern matching `text` literally (the grammars above leave only "." to escape). */
export function regexLiteral(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, (c) => `\\${c}`);
}
