import { ToolkitError } from '../common/errors.js';
import type { ScopeHolder } from './helpers/index.js';
import type { Query } from './queries/query.js';
import type { Snapshot } from './snapshot.js';
import type { Compiled } from './syntax/engine.js';

export interface RenderResult {
  output: string;
  used: Map<string, Query>;
  missing: Set<string>;
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
  const scope = { snapshot, used: new Map<string, Query>(), missing: new Set<string>(), env };
  holder.current = scope;
  try {
    const output = compiled();
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
