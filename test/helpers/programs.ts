import { join } from 'node:path';
import { Child, type ChildOptions } from '../../common/process/child.js';
import { ROOT } from './paths.js';

export type Program = 'registrator' | 'template-renderer' | 'gateway';

/**
 * Runs a program's real CLI from source (through tsx), so tests need no build step and see the
 * same argv/env handling users get. Lines of output are kept for assertions and failure messages.
 */
export function startProgram(
  program: Program,
  args: readonly string[],
  options: ChildOptions & { env?: Record<string, string | undefined> } = {},
): Child & { lines: string[] } {
  const lines: string[] = [];
  const child = new Child(
    process.execPath,
    ['--import', 'tsx', join(ROOT, program, 'cli.ts'), ...args],
    {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...(options.env ?? {}) },
      onLine: (line, stream) => {
        lines.push(line);
        options.onLine?.(line, stream);
      },
    },
  );
  return Object.assign(child, { lines });
}

/** Parsed pino JSON lines of a program's output (non-JSON lines are skipped). */
export function jsonLines(lines: readonly string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // partial or non-JSON line
    }
  }
  return out;
}
