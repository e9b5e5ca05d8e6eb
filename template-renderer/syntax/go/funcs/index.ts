import type { ScopeHolder } from '../../../helpers/index.js';
import type { HelperContext, HelperFactory } from '../../../types.js';
import { builtins } from '../builtins.js';
import type { GoFunc } from '../exec.js';
import { collectionFuncs } from './collections.js';
import { consulFuncs } from './consul.js';
import { convertFuncs } from './convert.js';
import { mathFuncs } from './math.js';
import type { Scratch } from './scratch.js';
import { stringFuncs } from './strings.js';

/** consul-template functions this renderer will not run, and why. */
export const REFUSED: Record<string, string> = {
  plugin: 'a template cannot run programs',
  secret: 'Vault is not supported',
  secrets: 'Vault is not supported',
};

/** Handled by the executor itself (lazy `and`/`or`, templates by name). */
export const EXEC_FUNCS = new Set(['and', 'or', 'executeTemplate']);

/** text/template's builtins plus consul-template v0.20.1's function map. */
export function goFuncs(
  holder: ScopeHolder,
  scratch: () => Scratch,
  ctx: HelperContext,
  extra: Record<string, HelperFactory> = {},
): Map<string, GoFunc> {
  const all: Record<string, GoFunc> = {
    ...builtins,
    ...consulFuncs(holder),
    ...stringFuncs,
    ...collectionFuncs,
    ...convertFuncs,
    ...mathFuncs,
    scratch: () => scratch(),
  };
  for (const [name, factory] of Object.entries(extra)) all[name] = factory(ctx);
  return new Map(Object.entries(all));
}
