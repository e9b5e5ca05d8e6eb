import { isIP } from 'node:net';
import { parseDuration } from '../common/duration.js';

/**
 * Validators for values read from containers (untrusted). Each returns an error reason, or
 * undefined when the value is acceptable; callers skip the key and report the reason.
 */
export type Check = (value: string) => string | undefined;

/** Consul limits (agent/structs: metaKeyFormat, metaKeyMaxLength, metaValueMaxLength, ...). */
export const META_KEY_MAX = 128;
export const META_VALUE_MAX = 512;
export const META_MAX_PAIRS = 64;
/** Upper bound for any other value (names, ids, tags, scripts). */
export const VALUE_MAX = 4096;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// With the u flag, surrogate ranges match only halves that do not form a pair.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export const text =
  (max = VALUE_MAX): Check =>
  (value) => {
    if (value.length > max) return `longer than ${max} characters`;
    if (CONTROL.test(value)) return 'contains control characters';
    if (LONE_SURROGATE.test(value)) return 'is not valid Unicode (unpaired surrogate)';
    return undefined;
  };

/** Service names and ids end up in URL paths and KV keys: no slashes, bounded length. */
export const identifier: Check = (value) => {
  if (value.trim() === '') return 'empty';
  if (value.includes('/')) return 'contains "/"';
  return text(255)(value);
};

export const port: Check = (value) =>
  /^\d{1,5}$/.test(value.trim()) && Number(value) >= 1 && Number(value) <= 65535
    ? undefined
    : 'not a port from 1 to 65535';

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** An IP address, or a host name whose last label is not all digits ("999.1.1.1" is neither). */
export const address: Check = (value) => {
  const v = value.trim();
  if (isIP(v) !== 0) return undefined;
  return HOSTNAME.test(v) && !/(^|\.)\d+$/.test(v) ? undefined : 'not an IP address or host name';
};

/** A Go duration Consul accepts; `positive` rejects 0 (an interval of 0 never runs). */
export const duration =
  (positive = true): Check =>
  (value) => {
    try {
      const ms = parseDuration(value);
      return positive && ms <= 0 ? 'must be greater than 0' : undefined;
    } catch {
      return 'not a duration such as 10s, 1m or 500ms';
    }
  };

export const initialStatus: Check = (value) =>
  ['passing', 'warning', 'critical'].includes(value.trim().toLowerCase())
    ? undefined
    : 'not one of passing, warning, critical';

export const httpMethod: Check = (value) =>
  /^[A-Za-z]{1,16}$/.test(value.trim()) ? undefined : 'not an HTTP method';

export const metaKey: Check = (key) => {
  if (!/^[a-zA-Z0-9_-]+$/.test(key))
    return 'not a valid Consul meta key (letters, digits, _ and -)';
  if (key.length > META_KEY_MAX) return `meta key longer than ${META_KEY_MAX} characters`;
  if (key.startsWith('consul-')) return 'meta keys starting with "consul-" are reserved';
  return undefined;
};

export const metaValue: Check = text(META_VALUE_MAX);

/** "true", "1", "yes" or any other non-empty value -> true; "false", "0", "no" -> false. */
export function truthy(value: string): boolean {
  return !/^(false|0|no|off)$/i.test(value.trim());
}
