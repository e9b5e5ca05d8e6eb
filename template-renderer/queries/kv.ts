import type { ConsulClient } from '../../common/consul/client.js';
import type { ConsulKvPair } from '../../common/consul/types.js';
import type { KeyPair } from '../types.js';
import { templateError, type FetchOptions, type Query } from './query.js';

/** What `key`, `keyOrDefault` and `keyExists` read: one shared watch per key. */
export interface KeyValue {
  exists: boolean;
  value: string;
}

function parseKey(text: string, what: string): { path: string; dc?: string } {
  const m = /^([^@]*)(?:@([\w.-]+))?$/.exec(String(text).trim());
  if (!m || !m[1]) throw templateError(`${what}: invalid key ${JSON.stringify(text)}`);
  return { path: m[1].replace(/^\/+/, ''), dc: m[2] };
}

export function decodeValue(value: string | null | undefined): string {
  return value ? Buffer.from(value, 'base64').toString('utf8') : '';
}

export function kvKeyQuery(text: string): Query {
  const spec = parseKey(text, 'key');
  return {
    key: `kv.block(${spec.path}${spec.dc ? `@${spec.dc}` : ''})`,
    blocking: true,
    feed: { kind: 'kv', dc: spec.dc },
    async fetch(client: ConsulClient, opts: FetchOptions) {
      const res = await client.kvGet(spec.path, false, { ...opts, dc: spec.dc });
      const pair = res.data.find((p) => p.Key === spec.path);
      const data: KeyValue = pair
        ? { exists: true, value: decodeValue(pair.Value) }
        : { exists: false, value: '' };
      return { data, index: res.index, lastContactMs: res.lastContactMs };
    },
  };
}

/** `ls` (direct children, no folders) and `tree` (everything below, no folders), sorted by key. */
export function kvListQuery(text: string, recursive: boolean): Query {
  const what = recursive ? 'tree' : 'ls';
  const spec = parseKey(text, what);
  const prefix = spec.path === '' || spec.path.endsWith('/') ? spec.path : `${spec.path}/`;
  return {
    key: `kv.${recursive ? 'tree' : 'list'}(${spec.path}${spec.dc ? `@${spec.dc}` : ''})`,
    blocking: true,
    feed: { kind: 'kv', dc: spec.dc },
    async fetch(client: ConsulClient, opts: FetchOptions) {
      const res = await client.kvGet(prefix, true, { ...opts, dc: spec.dc });
      return {
        data: toKeyPairs(res.data, prefix, recursive),
        index: res.index,
        lastContactMs: res.lastContactMs,
      };
    },
  };
}

export function toKeyPairs(raw: ConsulKvPair[], prefix: string, recursive: boolean): KeyPair[] {
  const out: KeyPair[] = [];
  for (const p of raw) {
    if (!p.Key.startsWith(prefix) || p.Key.endsWith('/')) continue;
    const rel = p.Key.slice(prefix.length);
    if (!rel || (!recursive && rel.includes('/'))) continue;
    out.push({
      Key: rel,
      Path: p.Key,
      Value: decodeValue(p.Value),
      Flags: Number(p.Flags ?? 0),
      CreateIndex: Number(p.CreateIndex ?? 0),
      ModifyIndex: Number(p.ModifyIndex ?? 0),
    });
  }
  return out.sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
}

/**
 * consul-template's `ls`/`tree` query: a plain prefix read (no `/` added, so `tree "app/conf"`
 * also returns `app/configuration/x` as `uration/x`), keys relative to the prefix with leading
 * slashes trimmed, folders kept (the template functions filter).
 */
export function kvPrefixQuery(text: string): Query {
  const spec = parseKey(text.replace(/^\/+/, '') || '/', 'ls');
  const prefix = spec.path === '/' ? '' : spec.path;
  return {
    key: `kv.prefix(${prefix}${spec.dc ? `@${spec.dc}` : ''})`,
    blocking: true,
    feed: { kind: 'kv', dc: spec.dc },
    async fetch(client: ConsulClient, opts: FetchOptions) {
      const res = await client.kvGet(prefix, true, { ...opts, dc: spec.dc });
      const data = (Array.isArray(res.data) ? res.data : [])
        .filter((p) => p.Key.startsWith(prefix))
        .sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0))
        .map((p) => ({
          Path: p.Key,
          Key: p.Key.slice(prefix.length).replace(/^\/+/, ''),
          Value: decodeValue(p.Value),
          CreateIndex: Number(p.CreateIndex ?? 0),
          ModifyIndex: Number(p.ModifyIndex ?? 0),
          LockIndex: Number(p.LockIndex ?? 0),
          Flags: Number(p.Flags ?? 0),
          Session: String(p.Session ?? ''),
        }));
      return { data, index: res.index, lastContactMs: res.lastContactMs };
    },
  };
}
