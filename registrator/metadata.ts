/**
 * SERVICE_* environment variables and labels -> the metadata of one container port (pure).
 * Follows the original's rules: the `SERVICE_` prefix, keys after it compared without case,
 * `SERVICE_<port>_<key>` applies to that port only and beats `SERVICE_<key>`, and at the same
 * level labels beat environment variables.
 */

export interface MetadataValue {
  value: string;
  /** The variable or label name as written (for log lines about invalid values). */
  source: string;
  /** Set by a `SERVICE_<port>_<key>` entry. */
  fromPort: boolean;
}

/** Lower-cased key after the prefix (and port) -> value. */
export type PortMetadata = Map<string, MetadataValue>;

const PREFIX = 'SERVICE_';

export interface RawEntry {
  name: string;
  value: string;
}

/** Env entries ("K=V", in order) then labels (sorted by name, so the result is deterministic). */
export function metadataEntries(
  env: readonly string[] | null | undefined,
  labels: Record<string, string> | null | undefined,
): RawEntry[] {
  const out: RawEntry[] = [];
  for (const kv of env ?? []) {
    const eq = kv.indexOf('=');
    if (eq === -1) continue;
    const name = kv.slice(0, eq);
    if (name.startsWith(PREFIX)) out.push({ name, value: kv.slice(eq + 1) });
  }
  for (const name of Object.keys(labels ?? {}).sort()) {
    if (name.startsWith(PREFIX))
      out.push({ name, value: (labels as Record<string, string>)[name] as string });
  }
  return out;
}

/** The metadata that applies to `port` ("80"), from entries in increasing precedence order. */
export function portMetadata(entries: readonly RawEntry[], port: string): PortMetadata {
  const meta: PortMetadata = new Map();
  for (const { name, value } of entries) {
    const key = name.slice(PREFIX.length).toLowerCase();
    if (key === '') continue;
    const m = /^(\d+)_(.*)$/.exec(key);
    if (m) {
      // `SERVICE_80_` names no key: it is neither port-specific nor global.
      if (m[1] !== port || m[2] === '') continue;
      meta.set(m[2] as string, { value, source: name, fromPort: true });
    } else {
      if (meta.get(key)?.fromPort) continue;
      meta.set(key, { value, source: name, fromPort: false });
    }
  }
  return meta;
}

/** `a,b\,c` -> ["a", "b,c"]: split on unescaped commas, trim, drop empties. */
export function splitTags(text: string | undefined): string[] {
  if (!text) return [];
  const tags: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\\' && text[i + 1] === ',') {
      current += ',';
      i++;
    } else if (ch === ',') {
      tags.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  tags.push(current);
  return tags.map((t) => t.trim()).filter((t) => t !== '');
}

/** Container tags then forced tags, in order, without duplicates. */
export function combineTags(...parts: readonly string[][]): string[] {
  return [...new Set(parts.flat())];
}
