import { split } from './scope.js';

type Helper = (...args: unknown[]) => unknown;

function str(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

/** String helpers (consul-template's names; arguments in Handlebars order: subject first). */
export const stringHelpers: Record<string, Helper> = {
  toLower: (...a) => str(split(a).params[0]).toLowerCase(),
  toUpper: (...a) => str(split(a).params[0]).toUpperCase(),
  toTitle: (...a) => str(split(a).params[0]).replace(/\b\w/g, (c) => c.toUpperCase()),
  trim: (...a) => str(split(a).params[0]).trim(),
  trimSpace: (...a) => str(split(a).params[0]).trim(),
  /** join list "," */
  join: (...a) => {
    const [list, sep] = split(a).params;
    return Array.isArray(list) ? list.map(str).join(sep === undefined ? ',' : str(sep)) : str(list);
  },
  /** split "a,b" "," */
  split: (...a) => {
    const [s, sep] = split(a).params;
    const text = str(s);
    return text === '' ? [] : text.split(sep === undefined ? ',' : str(sep));
  },
  /** replaceAll subject "from" "to" */
  replaceAll: (...a) => {
    const [s, from, to] = split(a).params;
    return str(s).split(str(from)).join(str(to));
  },
  /** regexReplaceAll subject "pattern" "replacement" ($1 for groups) */
  regexReplaceAll: (...a) => {
    const [s, re, to] = split(a).params;
    return str(s).replace(new RegExp(str(re), 'g'), str(to));
  },
  /** regexMatch subject "pattern" */
  regexMatch: (...a) => {
    const [s, re] = split(a).params;
    return new RegExp(str(re)).test(str(s));
  },
  hasPrefix: (...a) => {
    const [s, p] = split(a).params;
    return str(s).startsWith(str(p));
  },
  hasSuffix: (...a) => {
    const [s, p] = split(a).params;
    return str(s).endsWith(str(p));
  },
  toJSON: (...a) => JSON.stringify(split(a).params[0] ?? null),
  toJSONPretty: (...a) => JSON.stringify(split(a).params[0] ?? null, null, 2),
  parseInt: (...a) => {
    const n = Number.parseInt(str(split(a).params[0]), 10);
    return Number.isNaN(n) ? 0 : n;
  },
  parseFloat: (...a) => {
    const n = Number.parseFloat(str(split(a).params[0]));
    return Number.isNaN(n) ? 0 : n;
  },
  parseBool: (...a) => /^(1|t|true|yes|on)$/i.test(str(split(a).params[0]).trim()),
  /** concat "a" "b" ... */
  concat: (...a) => split(a).params.map(str).join(''),
};
