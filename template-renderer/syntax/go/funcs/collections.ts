import type { GoFunc } from '../exec.js';
import { GoFloat, GoMap, isStruct, typeName } from '../values.js';

/** consul-template's `in`: is v an element of the list l, or a substring of the string l? */
export function inList(l: unknown, v: unknown): boolean {
  if (Array.isArray(l)) {
    for (const e of l) {
      if (typeof e === 'string') {
        if (typeof v === 'string' && v === e) return true;
      } else if (typeof e === 'number' || e instanceof GoFloat) {
        const x = e instanceof GoFloat ? e.value : e;
        const y = v instanceof GoFloat ? v.value : v;
        if (typeof y === 'number' && x === y) return true;
      } else throw new Error(`in: cannot compare ${typeName(e)}`);
    }
    return false;
  }
  if (typeof l === 'string') return typeof v === 'string' && l.includes(v);
  return false;
}

function some(name: string, retTrue: boolean, invert: boolean): GoFunc {
  return (v, l) => {
    if (!Array.isArray(v)) throw new Error(`${name}: expected a list, got ${typeName(v)}`);
    for (const e of v) if (inList(l, e) === retTrue) return !invert;
    return invert;
  };
}

function fieldOf(v: unknown, name: string): unknown {
  return isStruct(v) ? v[name] : undefined;
}

export const collectionFuncs: Record<string, GoFunc> = {
  in: (l, v) => inList(l, v),
  contains: (v, l) => inList(l, v),
  containsAll: some('containsAll', false, true),
  containsAny: some('containsAny', true, false),
  containsNone: some('containsNone', true, true),
  containsNotAll: some('containsNotAll', false, false),
  /** Services (health or catalog) grouped under each of their tags, tags in sorted order. */
  byTag: (list) => {
    const m = new GoMap([], []);
    if (list === null || list === undefined) return m;
    if (!Array.isArray(list)) throw new Error(`byTag: wrong argument type ${typeName(list)}`);
    for (const s of list) {
      const tags = fieldOf(s, 'Tags');
      if (!Array.isArray(tags)) throw new Error(`byTag: wrong argument type ${typeName(s)}`);
      for (const t of tags) {
        const k = String(t);
        const group = (m.get(k) as unknown[] | undefined) ?? [];
        group.push(s);
        m.set(k, group);
      }
    }
    return m;
  },
  /** KV pairs grouped by their first path element, keyed by the rest of the key. */
  byKey: (pairs) => {
    const m = new GoMap([], null);
    if (!Array.isArray(pairs))
      throw new Error(`byKey: expected a list of key pairs, got ${typeName(pairs)}`);
    for (const p of pairs) {
      const parts = String(fieldOf(p, 'Key') ?? '').split('/');
      const top = parts[0] as string;
      const key = parts.slice(1).join('/');
      if (key === '') continue;
      let inner = m.get(top) as GoMap | undefined;
      if (!inner) m.set(top, (inner = new GoMap([], null)));
      inner.set(key, { ...(p as object), Key: key });
    }
    return m;
  },
  /** KV pairs as a nested map: a/b/c = v becomes {a: {b: {c: v}}}. */
  explode: (pairs) => {
    const root = new GoMap([], null);
    if (!Array.isArray(pairs))
      throw new Error(`explode: expected a list of key pairs, got ${typeName(pairs)}`);
    for (const p of pairs) {
      const parts = String(fieldOf(p, 'Key') ?? '')
        .split('/')
        .filter((x) => x !== '');
      let m = root;
      parts.forEach((part, i) => {
        if (i === parts.length - 1) m.set(part, String(fieldOf(p, 'Value') ?? ''));
        else {
          const next = m.get(part);
          if (next instanceof GoMap) m = next;
          else {
            const created = new GoMap([], null);
            m.set(part, created);
            m = created;
          }
        }
      });
    }
    return root;
  },
  /** `loop 3` is 0 1 2; `loop 2 5` is 2 3 4 (int64 values). */
  loop: (...a) => {
    const ints = a.map((x) => {
      if (typeof x !== 'number' || !Number.isInteger(x))
        throw new Error(`loop: expected integers, got ${typeName(x)}`);
      return x;
    });
    const [start, stop] =
      ints.length === 1
        ? [0, ints[0] as number]
        : ints.length === 2
          ? (ints as [number, number])
          : [NaN, NaN];
    if (Number.isNaN(start))
      throw new Error(`loop: wrong number of arguments, expected 1 or 2, but got ${a.length}`);
    if (stop - start > 1_000_000) throw new Error('loop: too many iterations');
    const out: number[] = [];
    for (let i = start; i < stop; i++) out.push(i);
    return out;
  },
};
