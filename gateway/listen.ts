import { parseDuration } from '../common/duration.js';
import { configError } from '../common/errors.js';

/** Splits "host:port", "[v6]:port", ":port" or "port"; `host` is "" when absent. */
export function parseHostPort(value: string, option: string): { host: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*|\*):)?(\d{1,5})$/.exec(value.trim());
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) throw configError(option, 'host:port or a port', value);
  return { host: m[1] ?? '', port };
}

/** The nginx `listen` value for --listen (or --https-listen). */
export function parseListen(value: string, option = '--listen'): string {
  const { host, port } = parseHostPort(value, option);
  return host === '' || host === '*' ? String(port) : `${host}:${port}`;
}

/** --wait: `min[:max]` durations; max defaults to 4 x min. */
export function parseWait(value: string): { minMs: number; maxMs: number } {
  const [min = '', max] = value.split(':');
  const minMs = parseDuration(min, '--wait');
  const maxMs = max === undefined ? minMs * 4 : parseDuration(max, '--wait');
  if (maxMs < minMs) throw configError('--wait', 'max >= min', value);
  return { minMs, maxMs };
}
