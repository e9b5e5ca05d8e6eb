import { GoFloat, isStruct, sortedKeys } from './values.js';

/**
 * Go's encoding/json for template values: map keys sorted, `<`, `>`, `&`, U+2028 and U+2029
 * escaped as \u003c etc., floats as Go prints them (1e-7, 12345678901234567000).
 */
export function goJson(v: unknown, indent = '', prefix = ''): string {
  const nl = indent ? `\n${prefix}${indent}` : '';
  const end = indent ? `\n${prefix}` : '';
  const sep = indent ? ': ' : ':';
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return jsonString(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' || v instanceof GoFloat) {
    const n = v instanceof GoFloat ? v.value : v;
    if (!Number.isFinite(n)) throw new Error(`json: unsupported value: ${n}`);
    return JSON.stringify(n);
  }
  const inner = prefix + indent;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${nl}${v.map((x) => goJson(x, indent, inner)).join(`,${nl}`)}${end}]`;
  }
  let entries: [string, unknown][];
  if (v instanceof Map) entries = sortedKeys(v).map((k) => [k, v.get(k)]);
  else if (isStruct(v)) entries = Object.entries(v).filter(([, x]) => typeof x !== 'function');
  else throw new Error(`json: unsupported type`);
  if (entries.length === 0) return '{}';
  return `{${nl}${entries.map(([k, x]) => `${jsonString(k)}${sep}${goJson(x, indent, inner)}`).join(`,${nl}`)}${end}}`;
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

export function jsonString(s: string): string {
  let out = '"';
  for (const c of s) {
    const code = c.codePointAt(0) as number;
    if (ESCAPES[c]) out += ESCAPES[c];
    else if (
      code < 0x20 ||
      c === '<' ||
      c === '>' ||
      c === '&' ||
      code === 0x2028 ||
      code === 0x2029
    )
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += c;
  }
  return `${out}"`;
}
