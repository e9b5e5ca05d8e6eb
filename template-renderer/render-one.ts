import { describeError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { ScopeHolder } from './helpers/index.js';
import type { Query } from './queries/query.js';
import { renderTemplate, usedQueries } from './render.js';
import { errorExcerpt } from './syntax/error.js';
import type { Snapshot } from './snapshot.js';
import { recordOutput, type TemplateState } from './template-state.js';
import type { RenderEvent } from './types.js';
import { writeOutput } from './write.js';

export interface RenderContext {
  holder: ScopeHolder;
  snapshot: Snapshot;
  env: Record<string, string | undefined>;
  log: Logger;
  /** Makes sure a query the template used is watched. */
  watch(query: Query): void;
  dry?: boolean;
  stdout?: { write(text: string): unknown };
}

export type RenderOutcome =
  | { kind: 'rendered'; event: RenderEvent }
  /** Some query has no data yet: nothing was written. */
  | { kind: 'waiting' }
  /** `retry`: the write failed (a transient error may clear); else the template itself failed. */
  | { kind: 'failed'; error: Error; retry: boolean };

/**
 * Renders one template from the snapshot and, once every query it uses has data, writes the
 * output (atomically; printed in -dry mode) and records it. Failures are logged and returned:
 * the previous output stays in place.
 */
export async function renderAndWrite(t: TemplateState, c: RenderContext): Promise<RenderOutcome> {
  const started = performance.now();
  let result;
  try {
    result = renderTemplate(t.compiled!, c.holder, c.snapshot, c.env, t.name);
  } catch (error) {
    t.lastError = describeError(error);
    c.log.error(
      { template: t.name, err: t.lastError, ...errorExcerpt(error) },
      'render failed; previous output kept',
    );
    return { kind: 'failed', error: error as Error, retry: false };
  }
  // The same reads as last time (the common case: only data changed): nothing to watch anew.
  if (!sameReads(t.reads, result.reads)) {
    const used = usedQueries(result.reads);
    for (const q of used.values()) c.watch(q);
    if (!sameKeys(t.used, used)) {
      t.used = new Set(used.keys());
      t.usedChanged = true;
    }
    t.reads = result.reads;
  }
  t.missing = result.missing;
  t.awaiting = new Set(result.missing);
  if (result.missing.size > 0) {
    c.log.debug({ template: t.name, missing: result.missing.size }, 'waiting for data');
    return { kind: 'waiting' };
  }
  const { destination } = t.config;
  let changed: boolean;
  try {
    const previous = { output: t.lastOutput, stamp: t.lastStamp };
    const written = await writeOutput(t.config, previous, result.output, c);
    changed = written.changed;
    t.lastStamp = written.stamp;
  } catch (error) {
    t.lastError = describeError(error);
    c.log.error({ destination, err: t.lastError }, 'write failed; retrying in 1 s');
    return { kind: 'failed', error: error as Error, retry: true };
  }
  recordOutput(t, result.output, changed);
  const durationMs = Math.round((performance.now() - started) * 100) / 100;
  c.log.info({ destination, changed, durationMs }, changed ? 'rendered' : 'rendered, unchanged');
  return { kind: 'rendered', event: { destination, changed, contents: result.output, durationMs } };
}

/** The same query objects in the same order (a parsed query is cached, so the same object). */
function sameReads(had: readonly Query[], reads: readonly Query[]): boolean {
  if (had.length !== reads.length) return false;
  for (let i = 0; i < reads.length; i++) if (had[i] !== reads[i]) return false;
  return true;
}

function sameKeys(had: ReadonlySet<string>, used: ReadonlyMap<string, unknown>): boolean {
  if (had.size !== used.size) return false;
  for (const key of used.keys()) if (!had.has(key)) return false;
  return true;
}
