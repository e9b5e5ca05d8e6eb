import { split } from './scope.js';

type Helper = (...args: unknown[]) => unknown;

const pair = (a: unknown[]): [number, number] => {
  const p = split(a).params;
  return [Number(p[0]), Number(p[1])];
};

/** Arithmetic on two numbers: add, subtract, multiply, divide, modulo. */
export const mathHelpers: Record<string, Helper> = {
  add: (...a) => pair(a)[0] + pair(a)[1],
  subtract: (...a) => pair(a)[0] - pair(a)[1],
  multiply: (...a) => pair(a)[0] * pair(a)[1],
  divide: (...a) => {
    const [x, y] = pair(a);
    return y === 0 ? 0 : x / y;
  },
  modulo: (...a) => {
    const [x, y] = pair(a);
    return y === 0 ? 0 : x % y;
  },
};
