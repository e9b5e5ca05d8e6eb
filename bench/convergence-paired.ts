/**
 * Two trees side by side on one machine at the same moment: this tree's stack and the stack of
 * another worktree (its own built dist/), alternating blocks of samples, so the load of the
 * machine (shared, and drifting from minute to minute) weighs on both alike. Both registrators
 * see every container; service names carry the side's label, so each gateway routes its own.
 *
 *   npx tsx bench/convergence-paired.ts --against /work/other-tree [--samples 20] [--block 5]
 *     [--backend busybox|fast] [--logs <prefix>]   (writes <prefix>-this.logs, <prefix>-other.logs)
 *
 * Then `npx tsx bench/convergence-stages.ts this=<prefix>-this.logs other=<prefix>-other.logs`.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TestContainers } from '../test/helpers/containers.js';
import { fastApp } from '../test/helpers/fast-app.js';
import { closeAgent } from './lib/http.js';
import { startStack, tail, writeLogs, type Stack } from './lib/stack.js';
import { convergence, scaleOut } from './scenarios.js';
import { flagValue } from './lib/args.js';

const flag = (name: string, fallback: string): string => flagValue(name) ?? fallback;

const against = flag('against', '');
const samples = Number(flag('samples', '20'));
const block = Number(flag('block', '5'));
const fast = flag('backend', 'busybox') === 'fast';
const prefix = flag('logs', '');

async function main(): Promise<void> {
  if (!against) throw new Error('--against <worktree> is required');
  const backendOptions = fast ? await fastApp() : {};
  const other = (await import(pathToFileURL(join(against, 'test/helpers/stack.ts')).href)) as {
    startStack: () => Promise<Stack>;
  };
  const sides: { name: string; label: string; stack: Stack }[] = [
    { name: 'this', label: 'a', stack: await startStack() },
    { name: 'other', label: 'b', stack: await other.startStack() },
  ];
  const containers = new TestContainers('bench-paired');
  const loads: number[] = [];
  try {
    for (let first = 0; first < samples; first += block) {
      loads.push(Math.round((loadavg()[0] ?? 0) * 100) / 100);
      // Alternate which side goes first, so neither always follows the other's cleanup.
      const order = (first / block) % 2 === 0 ? sides : [...sides].reverse();
      for (const s of order) {
        await convergence(s.stack, containers, block, 'passing', {
          ...backendOptions,
          label: s.label,
          first,
        });
        await containers.cleanup();
        await scaleOut(s.stack, containers, block, { ...backendOptions, label: s.label });
        await containers.cleanup();
      }
    }
    process.stderr.write(`[bench] 1-minute load per block: ${loads.join(', ')}\n`);
  } catch (error) {
    for (const s of sides) process.stderr.write(`[${s.name}]\n${tail(s.stack.logs, 20)}\n`);
    throw error;
  } finally {
    if (prefix) for (const s of sides) writeLogs(`${prefix}-${s.name}.logs`, s.stack.logs);
    await containers.cleanup();
    for (const s of sides) await s.stack.stop();
    closeAgent();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
