import type { ScopeHolder } from '../helpers/index.js';
import type { HelperFactory } from '../types.js';
import { syntaxFor, type Syntax, type TemplateEngine } from './engine.js';
import { createGoEngine } from './go/engine.js';
import { createHandlebarsEngine } from './handlebars/engine.js';

export type Engines = Record<Syntax, TemplateEngine>;

/** Both engines over one scope holder: the same store, watcher and dependency records. */
export function createEngines(holder: ScopeHolder, extra?: Record<string, HelperFactory>): Engines {
  return {
    handlebars: createHandlebarsEngine(holder, extra),
    go: createGoEngine(holder, extra),
  };
}

export function engineFor(
  engines: Engines,
  template: { source?: string; syntax?: Syntax },
): TemplateEngine {
  return engines[syntaxFor(template)];
}

export { syntaxFor, SYNTAXES, type Compiled, type CompileOptions, type Syntax } from './engine.js';
export type { TemplateEngine } from './engine.js';
