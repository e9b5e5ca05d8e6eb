import Handlebars from 'handlebars';
import { ToolkitError } from '../../../common/errors.js';
import { helperLocation, registerHelpers, type ScopeHolder } from '../../helpers/index.js';
import type { HelperFactory } from '../../types.js';
import type { Compiled, CompileOptions, TemplateEngine } from '../engine.js';
import { splitClosingBraces } from './braces.js';
import { handlebarsError } from './errors.js';

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

const RUNTIME = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false };

/** Handlebars behind the engine interface: `}}}` after `{{x` is "close, then a brace". */
export function createHandlebarsEngine(
  holder: ScopeHolder,
  extra?: Record<string, HelperFactory>,
): TemplateEngine {
  const hb = createEnvironment(holder, extra);
  return {
    syntax: 'handlebars',
    compile(text: string, options: CompileOptions = {}): Compiled {
      const name = options.name ?? '';
      const source = translateDelimiters(text, options.leftDelimiter, options.rightDelimiter);
      const fix = splitClosingBraces(source);
      let template: Handlebars.TemplateDelegate;
      try {
        const ast = hb.parse(fix.text);
        // noEscape: output is configuration, not HTML; escaping would corrupt it.
        template = hb.compile(ast, { noEscape: true, strict: options.errorOnMissingKey === true });
      } catch (error) {
        const parser = (hb as unknown as { Parser?: { lexer?: { yylloc?: LexerLoc } } }).Parser;
        const loc = parser?.lexer?.yylloc;
        throw handlebarsError(error, name, source, fix, loc);
      }
      return () => {
        try {
          return template({}, RUNTIME);
        } catch (error) {
          const at = helperLocation(error);
          if (at)
            throw handlebarsError(
              Object.assign(new Error(describeHelperError(at.helper, error)), {
                lineNumber: at.line,
                column: at.column,
              }),
              name,
              source,
              fix,
            );
          if (error instanceof ToolkitError) throw error;
          if (typeof (error as { lineNumber?: unknown }).lineNumber === 'number')
            throw handlebarsError(error, name, source, fix);
          throw new ToolkitError(`template ${name}: ${(error as Error).message}`.trim(), {
            code: 'E_TEMPLATE',
            cause: error,
          });
        }
      };
    },
  };
}

interface LexerLoc {
  first_line: number;
  first_column: number;
}

/** "error calling service: ..." for our helpers; Handlebars' own messages stand alone. */
function describeHelperError(helper: string, error: unknown): string {
  const message = (error as Error).message ?? String(error);
  return /^(helperMissing|blockHelperMissing)$/.test(helper)
    ? message
    : `error calling ${helper}: ${message}`;
}
