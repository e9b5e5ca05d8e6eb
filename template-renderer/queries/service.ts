import type { ConsulClient } from '../../common/consul/client.js';
import type { ConsulCheck, ConsulHealthEntry } from '../../common/consul/types.js';
import type { ServiceEntry } from '../types.js';
import {
  stringArray,
  stringMap,
  suffix,
  templateError,
  type FetchOptions,
  type FetchResult,
  type Query,
} from './query.js';

const STATUSES = ['any', 'passing', 'warning', 'critical', 'maintenance'] as const;

export interface ServiceQuerySpec {
  name: string;
  tag?: string;
  dc?: string;
  near?: string;
  /** undefined: healthy only (Consul's ?passing). Otherwise the statuses to keep. */
  statuses?: string[];
}

const RE = /^(?:([\w\-.]+)\.)?([\w\-/]+)(?:@([\w.-]+))?(?:~([\w.-]+))?(?:\|([\w, ]*))?$/;

/**
 * consul-template's syntax `tag.name@dc~near|passing,warning`; the hash options of the helper
 * (`tag=`, `dc=`, `near=`, `status=`) override the parts of the text.
 */
export function parseServiceQuery(
  text: string,
  hash: Record<string, unknown> = {},
): ServiceQuerySpec {
  // name="..." is taken literally (service names with dots); so is text that is not query syntax
  // but a plausible name from the catalog (one odd service must not break a whole template).
  const literal = hash.name !== undefined ? String(hash.name) : undefined;
  const raw = String(text ?? '').trim();
  const m =
    literal !== undefined
      ? ['', undefined, literal, undefined, undefined, undefined]
      : (RE.exec(raw) ?? (/^[^|@~]+$/.test(raw) ? ['', undefined, raw] : null));
  if (!m || !m[2]) throw templateError(`service: invalid query ${JSON.stringify(text)}`);
  const status = hash.status !== undefined ? String(hash.status) : m[5];
  let statuses: string[] | undefined;
  if (status !== undefined && status.trim() !== '') {
    statuses = [
      ...new Set(
        status
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ].sort();
    for (const s of statuses)
      if (!(STATUSES as readonly string[]).includes(s))
        throw templateError(
          `service: unknown status ${JSON.stringify(s)} in ${JSON.stringify(text)}`,
        );
    if (statuses.includes('any') && statuses.length > 1)
      throw templateError(`service: "any" cannot be combined with other statuses`);
  }
  const str = (v: unknown, fallback: string | undefined): string | undefined =>
    v === undefined || v === '' ? fallback : String(v);
  return {
    name: m[2],
    tag: str(hash.tag, m[1]),
    dc: str(hash.dc, m[3]),
    near: str(hash.near, m[4]),
    statuses,
  };
}

export function serviceKey(q: ServiceQuerySpec): string {
  const filter = q.statuses ? `|${q.statuses.join(',')}` : '';
  return `health.service(${q.tag ? `${q.tag}.` : ''}${q.name}${suffix(q)}${filter})`;
}

/** critical (or maintenance) > warning > passing, as consul-template derives it. */
export function aggregateStatus(checks: readonly ConsulCheck[]): string {
  let warning = false;
  for (const c of checks) {
    if (c.Status === 'critical' || c.Status === 'maintenance') return 'critical';
    if (c.Status === 'warning') warning = true;
  }
  return warning ? 'warning' : 'passing';
}

export function toServiceEntries(raw: ConsulHealthEntry[], statuses?: string[]): ServiceEntry[] {
  const out: ServiceEntry[] = [];
  for (const e of Array.isArray(raw) ? raw : []) {
    const checks = Array.isArray(e.Checks) ? e.Checks : [];
    const status = aggregateStatus(checks);
    if (statuses && !statuses.includes('any') && !statuses.includes(status)) continue;
    out.push({
      ID: String(e.Service.ID),
      Name: String(e.Service.Service),
      Node: String(e.Node.Node),
      NodeAddress: String(e.Node.Address),
      NodeID: String(e.Node.ID ?? ''),
      NodeTaggedAddresses: stringMap(e.Node.TaggedAddresses),
      NodeMeta: stringMap(e.Node.Meta),
      Address: String(e.Service.Address || e.Node.Address),
      Port: Number(e.Service.Port),
      Tags: stringArray(e.Service.Tags).sort(),
      Meta: stringMap(e.Service.Meta),
      Status: status,
      Checks: checks
        .map((c) => ({
          CheckID: String(c.CheckID),
          Name: String(c.Name),
          Status: String(c.Status),
          Output: String(c.Output ?? ''),
        }))
        .sort((a, b) => (a.CheckID < b.CheckID ? -1 : a.CheckID > b.CheckID ? 1 : 0)),
    });
  }
  // Output that depends on data order is sorted: by node, then ID.
  return out.sort((a, b) => (a.Node === b.Node ? cmp(a.ID, b.ID) : cmp(a.Node, b.Node)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function serviceQuery(spec: ServiceQuerySpec): Query {
  return {
    key: serviceKey(spec),
    blocking: true,
    feed: { kind: 'service', name: spec.name, dc: spec.dc },
    async fetch(client: ConsulClient, opts: FetchOptions): Promise<FetchResult> {
      const res = await client.healthService(
        spec.name,
        // With no status filter Consul filters to passing itself: less to read.
        { tag: spec.tag, passingOnly: spec.statuses === undefined, near: spec.near },
        {
          index: opts.index,
          waitMs: opts.waitMs,
          stale: opts.stale,
          dc: spec.dc,
          signal: opts.signal,
        },
      );
      return {
        data: toServiceEntries(res.data, spec.statuses),
        index: res.index,
        lastContactMs: res.lastContactMs,
      };
    },
  };
}
