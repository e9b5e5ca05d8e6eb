import { ToolkitError } from '../common/errors.js';
import type { ScopeHolder } from './helpers/index.js';
import type { Query } from './queries/query.js';
import type { Snapshot } from './snapshot.js';
import type { Compiled } from './syntax/engine.js';

export interface RenderResult {
  output: string;
  /** The queries read, in order, repeats included (`usedQueries` deduplicates them). */
  reads: Query[];
  missing: Set<string>;
}

/** The distinct queries of a render's reads, by key, in first-read order. */
export function usedQueries(reads: readonly Query[]): Map<string, Query> {
  const used = new Map<string, Query>();
  for (const q of reads) if (!used.has(q.key)) used.set(q.key, q);
  return used;
}

/**
 * One render, in either template language: reads only the snapshot and records which queries it
 * used and which had no data.
 */
export function renderTemplate(
  compiled: Compiled,
  holder: ScopeHolder,
  snapshot: Snapshot,
  env: Record<string, string | undefined>,
  name = '',
): RenderResult {
  const scope = { snapshot, reads: [] as Query[], missing: new Set<string>(), env };
  holder.current = scope;
  try {
    const output = compiled();
    return { output, reads: scope.reads, missing: scope.missing };
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
