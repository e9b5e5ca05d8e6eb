import { ToolkitError } from '../common/errors.js';
import { TRAFFIC_BUCKETS } from './traffic-lua.js';

/** What one counter key of the dict counts (see gateway/traffic-lua.ts). */
export type TrafficKind =
  | 'requests' // n: slot = status class 1..5
  | 'bucket' // b: slot = histogram bucket 0..TRAFFIC_BUCKETS.length (the last is +Inf)
  | 'sum' // s: upstream seconds
  | 'failures' // f: failed peer attempts
  | 'retries' // t: tries after the first
  | 'local'; // u: answered by the gateway, no upstream tried

export interface TrafficEntry {
  /** The dict key, as nginx sent it (the identity of the counter). */
  key: string;
  kind: TrafficKind;
  /** A route's upstream name, or `-` for requests no route matched. */
  route: string;
  slot: number;
  value: number;
}

export interface Connections {
  active: number;
  reading: number;
  writing: number;
  waiting: number;
}

export interface TrafficDump {
  /** Changes when nginx restarts (a new, empty dict); a reload keeps it. */
  epoch: string;
  connections: Connections;
  entries: TrafficEntry[];
}

const KINDS: Record<string, TrafficKind> = {
  n: 'requests',
  b: 'bucket',
  s: 'sum',
  f: 'failures',
  t: 'retries',
  u: 'local',
};
const NUMBER = String.raw`\d+(?:\.\d+)?(?:e[+-]?\d+)?`;
const ENTRY = new RegExp(
  String.raw`^([nbsftu]):(route_[0-9a-f]{1,40}|-)(?::(\d{1,2}))? (${NUMBER})$`,
);
const EPOCH = /^e (\d{1,20})$/;
const CONNECTIONS = /^c (\d{1,12}) (\d{1,12}) (\d{1,12}) (\d{1,12})$/;
/** A dump larger than this is refused (10m of dict holds far fewer lines). */
export const MAX_DUMP_BYTES = 16 * 1024 * 1024;

function invalid(message: string, line: number): ToolkitError {
  return new ToolkitError(`traffic dump from nginx, line ${line}: ${message}`, {
    code: 'E_NGINX',
    details: { line },
  });
}

/** The slot a kind allows: status classes 1..5, buckets 0..N, none for the others. */
function validSlot(kind: TrafficKind, slot: string | undefined): number | undefined {
  if (kind === 'requests' || kind === 'bucket') {
    if (slot === undefined) return undefined;
    const n = Number(slot);
    if (kind === 'requests') return n >= 1 && n <= 5 ? n : undefined;
    return n <= TRAFFIC_BUCKETS.length ? n : undefined;
  }
  return slot === undefined ? 0 : undefined;
}

function parseEntry(text: string, line: number): TrafficEntry {
  const m = ENTRY.exec(text);
  if (!m) throw invalid('not a counter line', line);
  const kind = KINDS[m[1]!]!;
  const route = m[2]!;
  const slot = validSlot(kind, m[3]);
  if (slot === undefined) throw invalid(`bad slot for ${kind}`, line);
  if (route === '-' && kind !== 'requests') throw invalid('only requests count unrouted', line);
  const value = Number(m[4]);
  if (!Number.isFinite(value)) throw invalid('not a finite number', line);
  return { key: text.slice(0, text.indexOf(' ')), kind, route, slot, value };
}

/**
 * Parses and validates the control location's answer (`e <epoch>`, `c <active> <reading>
 * <writing> <waiting>`, then `<key> <value>` lines). Any malformed line rejects the whole dump
 * (E_NGINX): a partial dump would make the totals inconsistent.
 */
export function parseTrafficDump(text: string): TrafficDump {
  if (text.length > MAX_DUMP_BYTES) throw invalid('too large', 0);
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const epoch = EPOCH.exec(lines[0] ?? '');
  if (!epoch) throw invalid('expected: e <epoch>', 1);
  const c = CONNECTIONS.exec(lines[1] ?? '');
  if (!c) throw invalid('expected: c <active> <reading> <writing> <waiting>', 2);
  const entries = lines.slice(2).map((l, i) => parseEntry(l, i + 3));
  return {
    epoch: epoch[1]!,
    connections: {
      active: Number(c[1]),
      reading: Number(c[2]),
      writing: Number(c[3]),
      waiting: Number(c[4]),
    },
    entries,
  };
}
