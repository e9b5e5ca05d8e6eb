import { split } from './scope.js';

type Helper = (...args: unknown[]) => unknown;

/** Truthiness as Handlebars' #if sees it: empty arrays are false too. */
export function truthy(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : Boolean(value);
}

/** Equal when identical or when their text is identical (hash options and KV values are strings). */
function same(a: unknown, b: unknown): boolean {
  return (
    a === b ||
    (a !== null && b !== null && a !== undefined && b !== undefined && String(a) === String(b))
  );
}

function num(value: unknown): number | string {
  const n = Number(value);
  return typeof value === 'number' ||
    (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(n))
    ? n
    : String(value);
}

function compare(a: unknown, b: unknown): number {
  const x = num(a);
  const y = num(b);
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
}

const two = (a: unknown[]): [unknown, unknown] => {
  const p = split(a).params;
  return [p[0], p[1]];
};

/** Comparisons and boolean logic; numbers compare numerically, everything else as text. */
export const logicHelpers: Record<string, Helper> = {
  eq: (...a) => same(...two(a)),
  ne: (...a) => !same(...two(a)),
  lt: (...a) => compare(...two(a)) < 0,
  le: (...a) => compare(...two(a)) <= 0,
  gt: (...a) => compare(...two(a)) > 0,
  ge: (...a) => compare(...two(a)) >= 0,
  and: (...a) => split(a).params.every(truthy),
  or: (...a) => split(a).params.some(truthy),
  not: (...a) => !truthy(split(a).params[0]),
  /** default value fallback: the first truthy argument */
  default: (...a) => {
    const p = split(a).params;
    return p.find(truthy) ?? p[p.length - 1] ?? '';
  },
};
