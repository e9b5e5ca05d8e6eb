/**
 * Go values as the executor sees them. Strings, booleans and arrays are themselves; an integral
 * JS number is a Go int, a GoFloat a float64 (Go prints 512.0 as "512" and 1e6 as "1e+06");
 * a GoMap a Go map (printed as map[k:v], ranged in key order); a plain object a struct (fields
 * in declaration order); null is nil and undefined is "no value" (a missing map key).
 */
export class GoFloat {
  constructor(readonly value: number) {}
}

export class GoMap extends Map<string, unknown> {
  /** The zero value of the element type: what `index` returns for a missing key. */
  constructor(
    entries?: Iterable<readonly [string, unknown]>,
    readonly zero: unknown = null,
  ) {
    super(entries);
  }
}

/** A value with methods a template may call (`scratch.Get "x"`); nothing else is callable. */
export interface GoMethods {
  readonly goMethods: ReadonlySet<string>;
}

export function hasMethod(value: unknown, name: string): boolean {
  const m = (value as Partial<GoMethods> | null)?.goMethods;
  return m instanceof Set && m.has(name);
}

export function isFloat(v: unknown): v is GoFloat | number {
  return v instanceof GoFloat || (typeof v === 'number' && !Number.isInteger(v));
}

export function isNumber(v: unknown): boolean {
  return typeof v === 'number' || v instanceof GoFloat || typeof v === 'bigint';
}

export function num(v: unknown): number {
  if (v instanceof GoFloat) return v.value;
  if (typeof v === 'bigint') return Number(v);
  return v as number;
}

export function isStruct(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Map) &&
    !(v instanceof GoFloat)
  );
}

export function sortedKeys(m: Map<string, unknown>): string[] {
  return [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Go's truth: false, 0, "", nil and empty slices/maps are false; structs are always true. */
export function isTrue(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === '') return false;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (v instanceof GoFloat) return v.value !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return true;
}

/** The Go type name used in error messages. */
export function typeName(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return 'nil';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int64';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (v instanceof GoFloat) return 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof Map) return 'map[string]interface {}';
  if (typeof v === 'function') return 'func';
  return (v as { goType?: string }).goType ?? 'struct';
}

/** Plain JSON-like data (parsed JSON, YAML) as Go values: objects become maps, numbers float64. */
export function fromJson(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return new GoFloat(v);
  if (Array.isArray(v)) return v.map(fromJson);
  if (typeof v === 'object')
    return new GoMap(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromJson(x)]),
      null,
    );
  return v;
}

/** Go values back to plain data for JSON/YAML/TOML output. */
export function toPlain(v: unknown): unknown {
  if (v === undefined) return null;
  if (v instanceof GoFloat) return v.value;
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const k of sortedKeys(v)) out[k] = toPlain(v.get(k));
    return out;
  }
  if (isStruct(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (typeof x !== 'function') out[k] = toPlain(x);
    return out;
  }
  return v;
}
