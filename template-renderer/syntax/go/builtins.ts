import type { GoFunc } from './exec.js';
import { formatValue, sprint, sprintln } from './format.js';
import { sprintf } from './printf.js';
import { GoFloat, isNumber, isTrue, num, typeName } from './values.js';

/** text/template's predefined functions (funcs.go), except `and`/`or`, which exec evaluates lazily. */
export const builtins: Record<string, GoFunc> = {
  not: (...a) => {
    arity('not', a, 1);
    return !isTrue(a[0]);
  },
  eq: (...a) => {
    if (a.length < 2) throw new Error('missing argument for comparison');
    return a.slice(1).some((b) => compare(a[0], b, true) === 0);
  },
  ne: (...a) => {
    arity('ne', a, 2);
    return compare(a[0], a[1], true) !== 0;
  },
  lt: (...a) => ordered('lt', a) < 0,
  le: (...a) => ordered('le', a) <= 0,
  gt: (...a) => ordered('gt', a) > 0,
  ge: (...a) => ordered('ge', a) >= 0,
  len: (...a) => {
    arity('len', a, 1);
    const v = a[0];
    if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
    if (Array.isArray(v)) return v.length;
    if (v instanceof Map) return v.size;
    throw new Error(`len of type ${typeName(v)}`);
  },
  index: (item, ...indexes) => {
    let v = item;
    for (const ix of indexes) v = indexOne(v, ix);
    return v;
  },
  slice: (item, ...ix) => sliceOf(item, ix),
  print: (...a) => sprint(a.map(nilOf)),
  println: (...a) => sprintln(a.map(nilOf)),
  printf: (format, ...a) => {
    if (typeof format !== 'string')
      throw new Error(`wrong type for value; expected string; got ${typeName(format)}`);
    return sprintf(format, a.map(nilOf));
  },
  html: (...a) => htmlEscape(evalArgs(a)),
  js: (...a) => jsEscape(evalArgs(a)),
  urlquery: (...a) =>
    encodeURIComponent(evalArgs(a))
      .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
      .replace(/%20/g, '+'),
};

function nilOf(v: unknown): unknown {
  return v === undefined ? null : v;
}

function arity(name: string, a: unknown[], n: number): void {
  if (a.length !== n)
    throw new Error(`wrong number of args for ${name}: want ${n} got ${a.length}`);
}

function evalArgs(a: unknown[]): string {
  return a.length === 1 && typeof a[0] === 'string' ? a[0] : sprint(a.map(nilOf));
}

type Kind = 'bool' | 'int' | 'float' | 'string' | 'nil' | 'other';

function kind(v: unknown): Kind {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  if (v === null || v === undefined) return 'nil';
  if (v instanceof GoFloat) return 'float';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  return 'other';
}

/** Go's eq/lt: basic kinds only; int and float are different types (an error, as in Go). */
function compare(a: unknown, b: unknown, equality: boolean): number {
  const ka = kind(a);
  const kb = kind(b);
  if (equality && (ka === 'nil' || kb === 'nil')) {
    if (ka === kb) return 0;
    if (ka === 'other' || kb === 'other') return 1;
  }
  if (ka === 'other' || kb === 'other')
    throw new Error(
      `non-comparable type ${formatValue(ka === 'other' ? a : b)}: ${typeName(ka === 'other' ? a : b)}`,
    );
  if (ka !== kb) throw new Error('incompatible types for comparison');
  if (ka === 'bool') {
    if (!equality) throw new Error('invalid type for comparison');
    return a === b ? 0 : 1;
  }
  if (ka === 'string') {
    const x = a as string;
    const y = b as string;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (ka === 'nil') throw new Error('invalid type for comparison');
  const x = num(a);
  const y = num(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function ordered(name: string, a: unknown[]): number {
  arity(name, a, 2);
  return compare(a[0], a[1], false);
}

function toInt(v: unknown, what: string): number {
  if (!isNumber(v) || (typeof v === 'number' && !Number.isInteger(v)) || v instanceof GoFloat)
    throw new Error(`cannot index slice/array with type ${typeName(v)}`);
  const n = num(v);
  if (n < 0) throw new Error(`${what} out of range: ${n}`);
  return n;
}

function indexOne(v: unknown, ix: unknown): unknown {
  if (Array.isArray(v)) {
    const i = toInt(ix, 'index');
    if (i >= v.length) throw new Error(`index out of range: ${i}`);
    return v[i];
  }
  if (typeof v === 'string') {
    const bytes = Buffer.from(v, 'utf8');
    const i = toInt(ix, 'index');
    if (i >= bytes.length) throw new Error(`index out of range: ${i}`);
    return bytes[i];
  }
  if (v instanceof Map) {
    if (typeof ix !== 'string') throw new Error(`value has type ${typeName(ix)}; should be string`);
    if (v.has(ix)) return v.get(ix);
    return (v as { zero?: unknown }).zero ?? null;
  }
  if (v === null || v === undefined) throw new Error('index of untyped nil');
  throw new Error(`can't index item of type ${typeName(v)}`);
}

function sliceOf(item: unknown, ix: unknown[]): unknown {
  if (ix.length > 3) throw new Error(`too many slice indexes: ${ix.length}`);
  if (typeof item !== 'string' && !Array.isArray(item)) {
    if (item === null || item === undefined) throw new Error('slice of untyped nil');
    throw new Error(`can't slice item of type ${typeName(item)}`);
  }
  if (typeof item === 'string' && ix.length === 3) throw new Error('cannot 3-index slice a string');
  const len = typeof item === 'string' ? Buffer.byteLength(item, 'utf8') : item.length;
  const idx = ix.map((x) => toInt(x, 'index'));
  const lo = idx[0] ?? 0;
  const hi = idx[1] ?? len;
  if (hi > len || lo > hi) throw new Error(`index out of range: ${lo > hi ? lo : hi}`);
  if (idx[2] !== undefined && (idx[2] < hi || idx[2] > len))
    throw new Error(`index out of range: ${idx[2]}`);
  if (typeof item === 'string') return Buffer.from(item, 'utf8').subarray(lo, hi).toString('utf8');
  return item.slice(lo, hi);
}

export function htmlEscape(s: string): string {
  return s.replace(
    /[\0"'&<>]/g,
    (c) =>
      ({ '\0': '\uFFFD', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' })[
        c
      ] as string,
  );
}

export function jsEscape(s: string): string {
  let out = '';
  for (const c of s) {
    const code = c.codePointAt(0) as number;
    if (c === '\\') out += '\\\\';
    else if (c === "'") out += "\\'";
    else if (c === '"') out += '\\"';
    else if (c === '<') out += '\\u003C';
    else if (c === '>') out += '\\u003E';
    else if (c === '&') out += '\\u0026';
    else if (c === '=') out += '\\u003D';
    else if (code < 0x20) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += c;
  }
  return out;
}
