import { stringify as toYamlText } from 'yaml';
import type { GoFunc } from '../exec.js';
import { goJson } from '../json.js';
import { fromJson, GoFloat, toPlain } from '../values.js';
import { str } from './strings.js';
import { goTime } from './time.js';
import { toToml } from './toml.js';

function syntax(fn: string, s: string): Error {
  return new Error(`strconv.${fn}: parsing ${JSON.stringify(s)}: invalid syntax`);
}

const BOOLS: Record<string, boolean> = {
  '1': true,
  t: true,
  T: true,
  TRUE: true,
  true: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  FALSE: false,
  false: false,
  False: false,
};

function parseIntText(s: string, fn: string, unsigned: boolean): number {
  if (!/^[+-]?[0-9]+$/.test(s) || (unsigned && /^[+-]/.test(s))) throw syntax(fn, s);
  const n = Number(s);
  const limit = unsigned ? 2 ** 64 : 2 ** 63;
  if (Math.abs(n) >= limit)
    throw new Error(`strconv.${fn}: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

export const convertFuncs: Record<string, GoFunc> = {
  parseBool: (v) => {
    const s = str(v, 'parseBool');
    if (!(s in BOOLS)) throw syntax('ParseBool', s);
    return BOOLS[s];
  },
  parseInt: (v) => parseIntText(str(v, 'parseInt'), 'ParseInt', false),
  parseUint: (v) => parseIntText(str(v, 'parseUint'), 'ParseUint', true),
  parseFloat: (v) => {
    const s = str(v, 'parseFloat');
    const clean = s.replace(/^([+-]?)inf(inity)?$/i, '$1Infinity');
    if (
      !/^[+-]?(Infinity|nan|NaN|(\d[\d_]*\.?\d*|\.\d+)([eE][+-]?\d+)?|0[xX][0-9a-fA-F.]+([pP][+-]?\d+)?)$/.test(
        clean,
      )
    )
      throw syntax('ParseFloat', s);
    return new GoFloat(/nan/i.test(clean) ? NaN : Number(clean));
  },
  parseJSON: (v) => {
    const s = str(v, 'parseJSON');
    if (s === '') return fromJson({});
    try {
      return fromJson(JSON.parse(s));
    } catch (error) {
      throw new Error(`parseJSON: ${(error as Error).message}`);
    }
  },
  toJSON: (v) => goJson(v),
  toJSONPretty: (v) => goJson(v, '  '),
  toYAML: (v) => toYamlText(toPlain(v), { sortMapEntries: true }).replace(/\n$/, ''),
  toTOML: (v) => toToml(v),
  timestamp: (...a) => {
    if (a.length > 1) throw new Error('timestamp: wrong number of arguments, expected 0 or 1');
    return a.length === 0
      ? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
      : goTime(new Date(), str(a[0], 'timestamp'));
  },
};
