import type { GoFunc } from '../exec.js';
import { formatValue } from '../format.js';
import { typeName } from '../values.js';
import { goRegex, goReplaceAll } from './regex.js';

export function str(v: unknown, fn: string): string {
  if (typeof v === 'string') return v;
  throw new Error(`${fn}: expected a string, got ${typeName(v)} ${formatValue(v)}`);
}

function args(name: string, a: unknown[], n: number): string[] {
  if (a.length !== n)
    throw new Error(`wrong number of args for ${name}: want ${n} got ${a.length}`);
  return a.map((x) => str(x, name));
}

/** strings.Title: the first letter of each word upper-cased. */
function title(s: string): string {
  return s.replace(
    /(^|[^\p{L}\p{N}_'])(\p{L})/gu,
    (_, sep: string, ch: string) => sep + ch.toUpperCase(),
  );
}

function b64(encoding: 'base64' | 'base64url', name: string): { enc: GoFunc; dec: GoFunc } {
  return {
    enc: (...a) => {
      const [s] = args(`${name}Encode`, a, 1);
      const out = Buffer.from(s as string, 'utf8').toString('base64');
      return encoding === 'base64' ? out : out.replace(/\+/g, '-').replace(/\//g, '_');
    },
    dec: (...a) => {
      const [s] = args(`${name}Decode`, a, 1);
      const alphabet = encoding === 'base64' ? /^[A-Za-z0-9+/]*={0,2}$/ : /^[A-Za-z0-9_-]*={0,2}$/;
      if (!alphabet.test(s as string) || (s as string).length % 4 !== 0)
        throw new Error(`${name}Decode: illegal base64 data`);
      return Buffer.from(s as string, encoding === 'base64' ? 'base64' : 'base64url').toString(
        'utf8',
      );
    },
  };
}

const std = b64('base64', 'base64');
const url = b64('base64url', 'base64URL');

export const stringFuncs: Record<string, GoFunc> = {
  base64Encode: std.enc,
  base64Decode: std.dec,
  base64URLEncode: url.enc,
  base64URLDecode: url.dec,
  trimSpace: (...a) => (args('trimSpace', a, 1)[0] as string).trim(),
  toLower: (...a) => (args('toLower', a, 1)[0] as string).toLowerCase(),
  toUpper: (...a) => (args('toUpper', a, 1)[0] as string).toUpperCase(),
  toTitle: (...a) => title(args('toTitle', a, 1)[0] as string),
  replaceAll: (...a) => {
    const [from, to, s] = args('replaceAll', a, 3) as [string, string, string];
    return s.split(from).join(to);
  },
  regexMatch: (...a) => {
    const [re, s] = args('regexMatch', a, 2) as [string, string];
    return goRegex(re).test(s);
  },
  regexReplaceAll: (...a) => {
    const [re, repl, s] = args('regexReplaceAll', a, 3) as [string, string, string];
    return goReplaceAll(goRegex(re, true), s, repl);
  },
  split: (...a) => {
    const [sep, raw] = args('split', a, 2) as [string, string];
    const s = raw.trim();
    if (s === '') return [];
    return sep === '' ? [...s] : s.split(sep);
  },
  join: (...a) => {
    if (a.length !== 2) throw new Error(`wrong number of args for join: want 2 got ${a.length}`);
    const sep = str(a[0], 'join');
    if (!Array.isArray(a[1]))
      throw new Error(`join: expected a list of strings, got ${typeName(a[1])}`);
    return a[1].map((x) => str(x, 'join')).join(sep);
  },
  indent: (...a) => {
    if (a.length !== 2 || typeof a[0] !== 'number')
      throw new Error('indent: expected a number of spaces and a string');
    if (a[0] < 0) throw new Error('indent value must be a positive integer');
    const pad = ' '.repeat(a[0]);
    return pad + str(a[1], 'indent').replaceAll('\n', `\n${pad}`);
  },
};
