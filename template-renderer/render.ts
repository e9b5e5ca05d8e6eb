import Handlebars from 'handlebars';
import { ToolkitError } from '../common/errors.js';
import { registerHelpers, type ScopeHolder } from './helpers/index.js';
import type { Query } from './queries/query.js';
import type { Snapshot } from './snapshot.js';
import type { HelperFactory } from './types.js';

export type Compiled = (context: unknown, options?: Handlebars.RuntimeOptions) => string;

export interface CompileOptions {
  leftDelimiter?: string;
  rightDelimiter?: string;
  errorOnMissingKey?: boolean;
  name?: string;
}

/** An isolated Handlebars environment with our helpers; one per renderer. */
export function createEnvironment(
  holder: ScopeHolder,
  extra?: Record<string, HelperFactory>,
): typeof Handlebars {
  const hb = Handlebars.create();
  registerHelpers(hb, holder, extra);
  return hb;
}

/** Custom delimiters become Handlebars' own after literal `{{` in the text are escaped. */
export function translateDelimiters(text: string, left?: string, right?: string): string {
  if (!left && !right) return text;
  const l = left || '{{';
  const r = right || '}}';
  const escaped = l === '{{' ? text : text.replaceAll('{{', '\\{{');
  return escaped.split(l).join('{{').split(r).join('}}');
}

/**
 * Parses now (Handlebars compiles lazily), so a syntax error is reported when the template is
 * loaded and the previous version can keep working.
 */
export function compileTemplate(
  hb: typeof Handlebars,
  text: string,
  options: CompileOptions = {},
): Compiled {
  const source = translateDelimiters(text, options.leftDelimiter, options.rightDelimiter);
  try {
    const ast = hb.parse(source);
    // noEscape: output is configuration, not HTML; escaping would corrupt it.
    return hb.compile(ast, { noEscape: true, strict: options.errorOnMissingKey === true });
  } catch (error) {
    throw new ToolkitError(`template ${options.name ?? ''}: ${(error as Error).message}`.trim(), {
      code: 'E_TEMPLATE',
      cause: error,
    });
  }
}

export interface RenderResult {
  output: string;
  used: Map<string, Query>;
  missing: Set<string>;
}

/** One render: reads only the snapshot and records which queries it used and which had no data. */
export function renderTemplate(
  compiled: Compiled,
  holder: ScopeHolder,
  snapshot: Snapshot,
  env: Record<string, string | undefined>,
  name = '',
): RenderResult {
  const scope = { snapshot, used: new Map<string, Query>(), missing: new Set<string>(), env };
  holder.current = scope;
  try {
    const output = compiled(
      {},
      {
        allowProtoPropertiesByDefault: false,
        allowProtoMethodsByDefault: false,
      },
    );
    return { output, used: scope.used, missing: scope.missing };
  } catch (error) {
    if (error instanceof ToolkitError) throw error;
    throw new ToolkitError(`template ${name}: ${(error as Error).message}`.trim(), {
      code: 'E_TEMPLATE',
      cause: error,
    });
  } finally {
    holder.current = undefined;
  }
}
