import { writeFileSync } from 'node:fs';
import type { TestContainers } from '../../test/helpers/containers.js';
import { tail, type LogLine, type Stack } from '../../test/helpers/stack.js';
import { closeAgent } from './http.js';

// The benchmark runs the same stack as the end-to-end tests.
export {
  reloadCount,
  startStack,
  tail,
  type LogLine,
  type Stack,
} from '../../test/helpers/stack.js';

/**
 * Runs a benchmark's body on a started stack. If it throws, the programs' last lines go to
 * stderr (they explain most failures: a stage that never logged); either way `finish` runs
 * (e.g. to save the logs), then the containers, the stack and the HTTP agent are cleaned up.
 */
export async function runOnStack<T>(
  stack: Stack,
  containers: TestContainers,
  body: () => Promise<T>,
  finish?: () => void,
): Promise<T> {
  try {
    return await body();
  } catch (error) {
    process.stderr.write(`[bench] last program output:\n${tail(stack.logs, 40)}\n`);
    throw error;
  } finally {
    finish?.();
    await containers.cleanup();
    await stack.stop();
    closeAgent();
  }
}

/** The programs' log lines as JSON lines (what bench/convergence-stages.ts reads). */
export function writeLogs(file: string, logs: readonly LogLine[]): void {
  writeFileSync(file, logs.map((l) => JSON.stringify(l)).join('\n') + '\n');
}
