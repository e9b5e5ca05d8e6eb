/**
 * The one interface both template languages implement. A compiled template renders from the
 * renderer's current scope (snapshot, used/missing records, environment), so the runner, the
 * watcher and the write step never know which language a template is written in.
 */
export type Syntax = 'handlebars' | 'go';

export const SYNTAXES: readonly Syntax[] = ['handlebars', 'go'];

export interface CompileOptions {
  leftDelimiter?: string;
  rightDelimiter?: string;
  /** Handlebars strict mode / Go's missingkey=error: a missing field is a render error. */
  errorOnMissingKey?: boolean;
  /** File name (or inline:<destination>) used in error messages. */
  name?: string;
}

/** Renders once; throws E_TEMPLATE (with file, line and column) when the template fails. */
export type Compiled = () => string;

export interface TemplateEngine {
  readonly syntax: Syntax;
  /** Parses now, so a syntax error is reported when the template is loaded. */
  compile(text: string, options?: CompileOptions): Compiled;
}

/** consul-template's file extensions select Go's text/template; everything else is Handlebars. */
export function syntaxFor(template: { source?: string; syntax?: Syntax }): Syntax {
  if (template.syntax) return template.syntax;
  return /\.(ctmpl|tmpl)$/i.test(template.source ?? '') ? 'go' : 'handlebars';
}
