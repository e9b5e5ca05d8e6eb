import { ToolkitError } from '../../../common/errors.js';
import { helperContext } from '../../helpers/consul.js';
import type { ScopeHolder } from '../../helpers/index.js';
import type { HelperFactory } from '../../types.js';
import type { Compiled, CompileOptions, TemplateEngine } from '../engine.js';
import { positionAt, templateSyntaxError } from '../error.js';
import { ExecError, State } from './exec.js';
import { EXEC_FUNCS, goFuncs, REFUSED } from './funcs/index.js';
import { Scratch } from './funcs/scratch.js';
import { LexError } from './lexer.js';
import { parseTemplate } from './parser.js';

/** Go's text/template with consul-template's functions, behind the engine interface. */
export function createGoEngine(
  holder: ScopeHolder,
  extra?: Record<string, HelperFactory>,
): TemplateEngine {
  let scratch = new Scratch();
  const funcs = goFuncs(holder, () => scratch, helperContext(holder), extra);
  const known = (name: string): boolean | string =>
    REFUSED[name] !== undefined
      ? `function "${name}" is not supported: ${REFUSED[name]}`
      : funcs.has(name) || EXEC_FUNCS.has(name);
  return {
    syntax: 'go',
    compile(text: string, options: CompileOptions = {}): Compiled {
      const name = options.name ?? '';
      let set;
      try {
        set = parseTemplate(text, known, options.leftDelimiter, options.rightDelimiter);
      } catch (error) {
        throw positioned(error, name, text);
      }
      const opts = { funcs, missingKeyError: options.errorOnMissingKey === true };
      return () => {
        scratch = new Scratch();
        try {
          return new State(set, opts).run(set.root, undefined);
        } catch (error) {
          throw positioned(error, name, text);
        }
      };
    },
  };
}

function positioned(error: unknown, name: string, text: string): ToolkitError {
  if (error instanceof ToolkitError) return error;
  if (error instanceof LexError || error instanceof ExecError)
    return templateSyntaxError(name, text, positionAt(text, error.pos), error.message, error);
  if (error instanceof RangeError)
    return new ToolkitError(`template ${name}: ${error.message}`, {
      code: 'E_TEMPLATE',
      cause: error,
    });
  return new ToolkitError(`template ${name}: ${(error as Error)?.message ?? String(error)}`, {
    code: 'E_TEMPLATE',
    cause: error,
  });
}
