import { goJson } from '../json.js';
import { GoFloat, isStruct, toPlain } from '../values.js';

/** A TOML document from a map (BurntSushi/toml's layout: plain keys first, then [tables]). */
export function toToml(v: unknown): string {
  const plain = toPlain(v);
  if (!plain || typeof plain !== 'object' || Array.isArray(plain))
    throw new Error('toTOML: expected a map');
  return table(plain as Record<string, unknown>, [])
    .replace(/^\n+/, '')
    .replace(/\n+$/, '');
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function key(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : goJson(k);
}

function value(v: unknown): string {
  if (v === null || v === undefined) throw new Error('toTOML: cannot encode a nil value');
  if (typeof v === 'string') return goJson(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(new GoFloat(v).value);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(value).join(', ')}]`;
  if (isStruct(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${key(k)} = ${value(x)}`)
      .join(', ')}}`;
  return goJson(v);
}

function table(obj: Record<string, unknown>, path: string[]): string {
  const keys = Object.keys(obj).sort();
  let out = '';
  const indent = '  '.repeat(path.length);
  for (const k of keys) if (!isTable(obj[k])) out += `${indent}${key(k)} = ${value(obj[k])}\n`;
  for (const k of keys) {
    const sub = obj[k];
    if (!isTable(sub)) continue;
    const p = [...path, k];
    out += `\n${'  '.repeat(p.length - 1)}[${p.map(key).join('.')}]\n${table(sub, p)}`;
  }
  return out;
}
