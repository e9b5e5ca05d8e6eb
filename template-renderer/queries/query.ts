import type { ConsulClient } from '../../common/consul/client.js';
import { ToolkitError } from '../../common/errors.js';

/** Options of one (possibly blocking) fetch, chosen by the watcher. */
export interface FetchOptions {
  index: number;
  waitMs: number;
  stale: boolean;
  signal: AbortSignal;
}

export interface FetchResult {
  data: unknown;
  index: number;
  lastContactMs: number;
}

/**
 * How a query can be kept current without a blocking connection of its own (beyond the
 * connection budget): which catalog-wide change detector says when to read it again.
 * - `service`: when that service's summary changes (instances, nodes, check counts, tags);
 * - `services`: when a service appears or goes, or its tags change;
 * - `catalog`: whenever the catalog (nodes, services, checks) changes at all;
 * - `kv`: whenever any key changes.
 */
export type Feed =
  | { kind: 'service'; name: string; dc?: string }
  | { kind: 'services'; dc?: string }
  | { kind: 'catalog'; dc?: string }
  | { kind: 'kv'; dc?: string };

/**
 * A watched thing, as in consul-template: a value with a canonical key (two templates asking
 * for the same data share one watch) and a fetch that maps Consul's answer to template data.
 */
export interface Query {
  readonly key: string;
  /** False for endpoints Consul cannot block on: the watcher polls them instead. */
  readonly blocking: boolean;
  /** Absent: beyond the connection budget the query is polled. */
  readonly feed?: Feed;
  /** Reads no Consul (a local file): its loop costs no connection of the budget. */
  readonly local?: boolean;
  fetch(client: ConsulClient, opts: FetchOptions): Promise<FetchResult>;
}

export function templateError(message: string): ToolkitError {
  return new ToolkitError(message, { code: 'E_TEMPLATE' });
}

/** `name@dc~near` suffixes shared by several query kinds. */
export interface Located {
  name: string;
  dc?: string;
  near?: string;
}

const NAME = String.raw`[\w\-./]+`;
const LOCATED = new RegExp(String.raw`^(${NAME})?(?:@([\w.\-]+))?(?:~([\w.\-]+))?$`);

export function parseLocated(text: string, what: string, nameRequired = true): Located {
  const m = LOCATED.exec(text.trim());
  if (!m || (nameRequired && !m[1]))
    throw templateError(`${what}: invalid query ${JSON.stringify(text)}`);
  return { name: m[1] ?? '', dc: m[2], near: m[3] };
}

export function suffix(q: { dc?: string; near?: string }): string {
  return `${q.dc ? `@${q.dc}` : ''}${q.near ? `~${q.near}` : ''}`;
}

export function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object')
    for (const k of Object.keys(value).sort())
      out[k] = String((value as Record<string, unknown>)[k]);
  return out;
}
