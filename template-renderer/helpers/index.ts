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
  // Handlebars' own helpers (each, if, helperMissing, ...) report their position too.
  for (const [name, fn] of Object.entries(hb.helpers))
    if (!(name in all)) hb.registerHelper(name, located(name, fn as (...a: unknown[]) => unknown));
  for (const [name, fn] of Object.entries(all))
    hb.registerHelper(name, shadowData(name, located(name, fn)));
}

/** Where a helper call is in the template (Handlebars passes it as `options.loc`). */
export interface HelperLocation {
  helper: string;
  line: number;
  column: number;
}

const LOCATION = Symbol('helper location');

/** The location a failing helper call recorded on its error, if any. */
export function helperLocation(error: unknown): HelperLocation | undefined {
  return error && typeof error === 'object'
    ? (error as { [LOCATION]?: HelperLocation })[LOCATION]
    : undefined;
}

/** A helper's error carries the call's line and column, so the message can point at it. */
function located(
  name: string,
  fn: (...args: unknown[]) => unknown,
): (...args: unknown[]) => unknown {
  return function (this: unknown, ...args: unknown[]) {
    try {
      return fn.apply(this, args);
    } catch (error) {
      const loc = (args[args.length - 1] as { loc?: { start?: { line: number; column: number } } })
        ?.loc?.start;
      const own = typeof (error as { lineNumber?: unknown })?.lineNumber === 'number';
      if (loc && error && typeof error === 'object' && !own && !helperLocation(error))
        (error as { [LOCATION]?: HelperLocation })[LOCATION] = {
          helper: name,
          line: loc.line,
          column: loc.column,
        };
      throw error;
    }
  };
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
