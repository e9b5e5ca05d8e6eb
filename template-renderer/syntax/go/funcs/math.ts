import type { GoFunc } from '../exec.js';
import { GoFloat, typeName } from '../values.js';

type Op = (a: number, b: number, ints: boolean) => number;

/**
 * consul-template's math: `add b a` is a + b, so pipelines read naturally (`x | subtract 1`);
 * two ints give an int (int64), a float on either side a float64.
 */
function math(name: string, op: Op, floats = true): GoFunc {
  return (...args) => {
    if (args.length !== 2)
      throw new Error(`wrong number of args for ${name}: want 2 got ${args.length}`);
    const [b, a] = args;
    const ka = kind(a);
    const kb = kind(b);
    if (!ka)
      throw new Error(`${name}: unknown type for ${JSON.stringify(String(a))} (${typeName(a)})`);
    if (!kb)
      throw new Error(`${name}: unknown type for ${JSON.stringify(String(b))} (${typeName(b)})`);
    const ints = ka === 'int' && kb === 'int';
    if (!ints && !floats)
      throw new Error(
        `${name}: unknown type for ${JSON.stringify(String(ka === 'int' ? b : a))} (float64)`,
      );
    const x = a instanceof GoFloat ? a.value : (a as number);
    const y = b instanceof GoFloat ? b.value : (b as number);
    const r = op(x, y, ints);
    return ints ? r : new GoFloat(r);
  };
}

function kind(v: unknown): 'int' | 'float' | undefined {
  if (v instanceof GoFloat) return 'float';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return undefined;
}

export const mathFuncs: Record<string, GoFunc> = {
  add: math('add', (a, b) => a + b),
  subtract: math('subtract', (a, b) => a - b),
  multiply: math('multiply', (a, b) => a * b),
  divide: math('divide', (a, b, ints) => {
    if (ints) {
      if (b === 0) throw new Error('runtime error: integer divide by zero');
      return Math.trunc(a / b);
    }
    return a / b;
  }),
  modulo: math(
    'modulo',
    (a, b) => {
      if (b === 0) throw new Error('runtime error: integer divide by zero');
      return a % b;
    },
    false,
  ),
};
