/**
 * The convergence scenarios of bench/pipeline.ts alone (new route and scale-out, check passing
 * from the start), with their per-stage breakdown: `npx tsx bench/convergence.ts` (after
 * `npm run build`). Quick enough to run one tree after another in one session (issue 18).
 *
 *   --samples <n>        containers per scenario (default 20)
 *   --backend <kind>     busybox (default; forks per request) or fast (test/helpers/fast-app.ts:
 *                        the demo app in C, keep-alive, no fork; built when missing)
 *   --rounds <n>         repeat both scenarios n times on one stack (default 1)
 *   --log-level <level>  the programs' log level (default info)
 *   --logs <file>        write every JSON log line of the programs there (for analysis)
 *   --out <file>         write the figures as JSON there
 */
import { loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';
import { TestContainers } from '../test/helpers/containers.js';
import { runOnStack, startStack, writeLogs } from './lib/stack.js';
import { STAGES } from './lib/stages.js';
import { fastApp } from '../test/helpers/fast-app.js';
import { convergence, scaleOut, type ConvergenceResult } from './scenarios.js';
import { flagValue } from './lib/args.js';

const flag = (name: string, fallback: string): string => flagValue(name) ?? fallback;

const samples = Number(flag('samples', '20'));
const rounds = Number(flag('rounds', '1'));
const backend = flag('backend', 'busybox');
const logLevel = flag('log-level', 'info');

const load = (): number => Math.round((loadavg()[0] ?? 0) * 100) / 100;

function line(name: string, r: ConvergenceResult, loadAvg: number): string {
  const stages = STAGES.filter((k) => r.stages[k])
    .map((k) => `${k} ${r.stages[k]?.p50}/${r.stages[k]?.p95}`)
    .join(', ');
  return `${name.padEnd(10)} p50 ${r.p50} / p95 ${r.p95} / max ${r.max} (n=${r.n}, load ${loadAvg})  ${stages}`;
}

async function main(): Promise<void> {
  const backendOptions = backend === 'fast' ? await fastApp() : {};
  const containers = new TestContainers('bench-conv');
  const levelArgs = ['--log-level', logLevel];
  const stack = await startStack({ gatewayArgs: levelArgs, registratorArgs: levelArgs });
  const results: Record<string, unknown>[] = [];
  const saveLogs = (): void => {
    const logs = flag('logs', '');
    if (logs) writeLogs(logs, stack.logs);
  };
  await runOnStack(
    stack,
    containers,
    async () => {
      await new Promise((r) => setTimeout(r, 1_000));
      for (let round = 0; round < rounds; round++) {
        const l1 = load();
        const passing = await convergence(stack, containers, samples, 'passing', backendOptions);
        await containers.cleanup();
        const l2 = load();
        const scale = await scaleOut(stack, containers, samples, backendOptions);
        await containers.cleanup();
        console.log(line('new route', passing, l1));
        console.log(line('scale-out', scale, l2));
        results.push({
          round,
          backend,
          passing,
          scaleOut: scale,
          load: { passing: l1, scale: l2 },
        });
      }
      const out = flag('out', '');
      if (out)
        writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
    },
    saveLogs,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
