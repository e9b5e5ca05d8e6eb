import { readFile } from 'node:fs/promises';
import { configError } from '../common/errors.js';
import { engineFor, type Compiled, type Engines } from './syntax/index.js';
import type { FileStamp } from './file-stamp.js';
import type { Query } from './queries/query.js';
import type { TemplateConfig, TemplateStatus } from './types.js';

/** A template as the runner tracks it between rounds. */
export interface TemplateState {
  config: TemplateConfig;
  name: string;
  compiled?: Compiled;
  /** Text of the last load attempt (valid or not), to notice edits a file event missed. */
  text?: string;
  /** Query keys its last successful render used, and those that had no data. */
  used: Set<string>;
  /** The last render's reads in order (render.ts), to tell cheaply that it used the same. */
  reads: readonly Query[];
  /** `used` changed since the runner last stopped the watches no template uses. */
  usedChanged: boolean;
  missing: Set<string>;
  /** The missing keys still without data (data arriving removes them): O(1) "still waiting". */
  awaiting: Set<string>;
  /** Keys whose data changed since the last render. */
  changedKeys: Set<string>;
  dirty: boolean;
  /** Rendered once with complete data. */
  complete: boolean;
  lastOutput?: string;
  /** The destination as the last render left it (write.ts skips reading it back when unchanged). */
  lastStamp?: FileStamp;
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
    reads: [],
    usedChanged: false,
    missing: new Set(),
    awaiting: new Set(),
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

export async function loadTemplate(engines: Engines, state: TemplateState): Promise<Compiled> {
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
  return engineFor(engines, config).compile(text, {
    leftDelimiter: config.leftDelimiter,
    rightDelimiter: config.rightDelimiter,
    errorOnMissingKey: config.errorOnMissingKey,
    name: state.name,
  });
}

/**
 * Marks a template changed by `key`. With a wait (quiescence) and a complete first render, each
 * change restarts the min timer and max caps the total wait; `onDue` runs when it is dirty.
 */
export function noteChange(
  t: TemplateState,
  key: string,
  wait: { minMs: number; maxMs: number } | undefined,
  onDue: () => void,
): void {
  t.changedKeys.add(key);
  if (!t.complete || !wait || wait.minMs <= 0) {
    t.dirty = true;
    return;
  }
  const now = Date.now();
  const first = t.quiescence?.first ?? now;
  if (t.quiescence) clearTimeout(t.quiescence.timer);
  const delay = Math.max(0, Math.min(wait.minMs, first + Math.max(wait.maxMs, wait.minMs) - now));
  t.quiescence = {
    first,
    timer: setTimeout(() => {
      t.quiescence = undefined;
      t.dirty = true;
      onDue();
    }, delay),
  };
}

/** Records a successful render's output. */
/**
 * Takes a template's turn in a render round: clears its dirty flag and changed keys and says
 * whether rendering can learn anything (not when only data for keys still missing arrived and
 * others are still awaited: nothing new until all are here).
 */
export function takeRound(t: TemplateState): boolean {
  if (!t.dirty || !t.compiled) return false;
  t.dirty = false;
  const keys = [...t.changedKeys];
  t.changedKeys.clear();
  return !(keys.length > 0 && t.awaiting.size > 0 && keys.every((k) => t.missing.has(k)));
}

/** Stops its quiescence and write-retry timers (on stop). */
export function cancelTimers(t: TemplateState): void {
  clearTimeout(t.quiescence?.timer);
  clearTimeout(t.retry);
}

export function recordOutput(t: TemplateState, output: string, changed: boolean): void {
  const now = Date.now();
  t.lastOutput = output;
  t.complete = true;
  t.renders++;
  t.lastRenderAt = now;
  t.lastError = undefined;
  if (changed) t.lastChangeAt = now;
}

export function templateStatus(t: TemplateState): TemplateStatus {
  const iso = (ms?: number): string | undefined => (ms ? new Date(ms).toISOString() : undefined);
  return {
    destination: t.config.destination,
    ...(t.config.source ? { source: t.config.source } : {}),
    lastRenderAt: iso(t.lastRenderAt),
    lastChangeAt: iso(t.lastChangeAt),
    renders: t.renders,
    complete: t.complete && t.missing.size === 0,
    ...(t.lastError ? { lastError: t.lastError } : {}),
  };
}

/** Settles once: every template rendered with complete data, or a -once run failed first. */
export class FirstRender {
  readonly promise: Promise<void>;
  done = false;
  private settle!: (error?: Error) => void;

  constructor() {
    this.promise = new Promise((resolve, reject) => {
      this.settle = (error) => (error ? reject(error) : resolve());
    });
    // Callers that only use start()/stop() must not see an unhandled rejection.
    this.promise.catch(() => undefined);
  }

  resolve(): void {
    this.done = true;
    this.settle();
  }

  fail(error: Error): void {
    this.done = true;
    this.settle(error);
  }
}
