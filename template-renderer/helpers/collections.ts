import { split } from './scope.js';

type Helper = (...args: unknown[]) => unknown;

function cmp(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a ?? '');
  const y = String(b ?? '');
  return x < y ? -1 : x > y ? 1 : 0;
}

function field(item: unknown, path: string): unknown {
  let value: unknown = item;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part))
      return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** List helpers: grouping, membership and sorting (all results sorted, so output is stable). */
export const collectionHelpers: Record<string, Helper> = {
  /** byTag services -> { tag: [services] } with tags in sorted order */
  byTag: (...a) => {
    const list = split(a).params[0];
    const groups = new Map<string, unknown[]>();
    for (const item of Array.isArray(list) ? list : []) {
      const tags = field(item, 'Tags');
      for (const tag of Array.isArray(tags) ? tags : []) {
        const key = String(tag);
        groups.set(key, [...(groups.get(key) ?? []), item]);
      }
    }
    const out: Record<string, unknown[]> = Object.create(null);
    for (const key of [...groups.keys()].sort()) out[key] = groups.get(key) as unknown[];
    return out;
  },
  /** contains list-or-string needle */
  contains: (...a) => {
    const [hay, needle] = split(a).params;
    if (Array.isArray(hay)) return hay.some((v) => String(v) === String(needle));
    return String(hay ?? '').includes(String(needle ?? ''));
  },
  /** containsAny list needle1 needle2 ... */
  containsAny: (...a) => {
    const [hay, ...needles] = split(a).params;
    const set = new Set((Array.isArray(hay) ? hay : []).map(String));
    return needles.flat().some((n) => set.has(String(n)));
  },
  /** containsAll list needle1 needle2 ... */
  containsAll: (...a) => {
    const [hay, ...needles] = split(a).params;
    const set = new Set((Array.isArray(hay) ? hay : []).map(String));
    return needles.flat().every((n) => set.has(String(n)));
  },
  /** sort list [field] (field="Name" as a hash option also works); desc=true reverses */
  sort: (...a) => {
    const { params, options } = split(a);
    const list = Array.isArray(params[0]) ? [...params[0]] : [];
    const key = params[1] ?? options.hash.by;
    const sorted =
      key === undefined
        ? list.sort(cmp)
        : list.sort((x, y) => cmp(field(x, String(key)), field(y, String(key))));
    return options.hash.desc ? sorted.reverse() : sorted;
  },
  len: (...a) => {
    const v = split(a).params[0];
    if (Array.isArray(v) || typeof v === 'string') return v.length;
    return v && typeof v === 'object' ? Object.keys(v).length : 0;
  },
  first: (...a) => {
    const v = split(a).params[0];
    return Array.isArray(v) ? v[0] : undefined;
  },
  last: (...a) => {
    const v = split(a).params[0];
    return Array.isArray(v) ? v[v.length - 1] : undefined;
  },
};
