import { readFile } from 'node:fs/promises';
import type Handlebars from 'handlebars';
import { configError } from '../common/errors.js';
import { compileTemplate, type Compiled } from './render.js';
import type { TemplateConfig } from './types.js';

/** A template as the runner tracks it between rounds. */
export interface TemplateState {
  config: TemplateConfig;
  name: string;
  compiled?: Compiled;
  /** Text of the last load attempt (valid or not), to notice edits a file event missed. */
  text?: string;
  /** Query keys its last successful render used, and those that had no data. */
  used: Set<string>;
  missing: Set<string>;
  /** Keys whose data changed since the last render. */
  changedKeys: Set<string>;
  dirty: boolean;
  /** Rendered once with complete data. */
  complete: boolean;
  lastOutput?: string;
  renders: number;
  lastRenderAt?: number;
  lastChangeAt?: number;
  lastError?: string;
  quiescence?: { first: number; timer: NodeJS.Timeout };
  /** Pending retry of a failed write. */
  retry?: NodeJS.Timeout;
}

export function newTemplateState(config: TemplateConfig): TemplateState {
  if (!config || typeof config.destination !== 'string' || config.destination === '')
    throw configError('template.destination', 'a file path', config?.destination);
  if (config.source === undefined && config.contents === undefined)
    throw configError(
      `template ${config.destination}`,
      'a source file or inline contents',
      'neither',
    );
  return {
    config,
    name: config.source ?? `inline:${config.destination}`,
    used: new Set(),
    missing: new Set(),
    changedKeys: new Set(),
    dirty: true,
    complete: false,
    renders: 0,
  };
}

/** Reads and compiles the template text; throws E_TEMPLATE (syntax) or E_CONFIG (unreadable). */
export async function readSource(state: TemplateState): Promise<string | undefined> {
  if (state.config.source === undefined) return state.config.contents;
  return readFile(state.config.source, 'utf8').catch(() => undefined);
}

export async function loadTemplate(hb: typeof Handlebars, state: TemplateState): Promise<Compiled> {
  const { config } = state;
  let text = config.contents;
  if (text === undefined) {
    try {
      text = await readFile(config.source as string, 'utf8');
    } catch (error) {
      throw configError(
        'template.source',
        'a readable template file',
        `${config.source} (${(error as Error).message})`,
      );
    }
  }
  state.text = text;
  return compileTemplate(hb, text, {
    leftDelimiter: config.leftDelimiter,
    rightDelimiter: config.rightDelimiter,
    errorOnMissingKey: config.errorOnMissingKey,
    name: state.name,
  });
}
