import { configError } from './errors.js';

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses Go-style durations ("10s", "1m30s", "250ms", "1.5s") into milliseconds, the format
 * registrator and consul-template users already write. A bare number is rejected: ambiguous.
 */
export function parseDuration(value: string, option = 'duration'): number {
  const text = value.trim();
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * (UNITS[m[2] as string] as number);
    matched = re.lastIndex;
  }
  if (text.length === 0 || matched !== text.length || !Number.isFinite(total)) {
    throw configError(option, 'a duration such as 500ms, 10s or 1m30s', value);
  }
  return total;
}

/** Milliseconds as a Go/Consul duration string ("10s", "1500ms"). */
export function formatDuration(ms: number): string {
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${Math.round(ms)}ms`;
}
