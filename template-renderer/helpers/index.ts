import type Handlebars from 'handlebars';
import type { HelperFactory } from '../types.js';
import { collectionHelpers } from './collections.js';
import { consulHelpers, helperContext } from './consul.js';
import { kvHelpers } from './kv.js';
import { logicHelpers } from './logic.js';
import { mathHelpers } from './math.js';
import { split, type ScopeHolder } from './scope.js';
import { stringHelpers } from './strings.js';

/**
 * Registers every helper on an isolated Handlebars environment. There is deliberately no helper
 * that runs programs, reads files or reaches the network other than through the watched store.
 */
export function registerHelpers(
  hb: typeof Handlebars,
  holder: ScopeHolder,
  extra: Record<string, HelperFactory> = {},
): void {
  const all: Record<string, (...args: unknown[]) => unknown> = {
    ...consulHelpers(holder),
    ...kvHelpers(holder),
    ...stringHelpers,
    ...logicHelpers,
    ...collectionHelpers,
    ...mathHelpers,
    env: (...a) => holder.env(String(split(a).params[0] ?? '')),
  };
  const ctx = helperContext(holder);
  for (const [name, factory] of Object.entries(extra)) all[name] = factory(ctx);
  for (const [name, fn] of Object.entries(all)) hb.registerHelper(name, shadowData(name, fn));
}

const DATA_NAMES = new Set(['key', 'index', 'first', 'last']);

/**
 * Handlebars resolves `{{@key}}` (and `@first`, `@last`, `@index`) through a helper of the same
 * name when one exists; such a call has no parameters, so hand back the data variable instead.
 */
function shadowData(
  name: string,
  fn: (...args: unknown[]) => unknown,
): (...args: unknown[]) => unknown {
  if (!DATA_NAMES.has(name)) return fn;
  return function (this: unknown, ...args: unknown[]) {
    const options = args[0] as { data?: Record<string, unknown> } | undefined;
    if (args.length === 1 && options?.data && Object.hasOwn(options.data, name))
      return options.data[name];
    return fn.apply(this, args);
  };
}

export { ScopeHolder } from './scope.js';
