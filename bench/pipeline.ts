/**
 * End-to-end benchmark of the whole pipeline on real Docker, Consul and nginx with the real
 * programs (`npm run bench`; `npm run bench:smoke` for a few samples). Prints a table, writes
 * bench/results/pipeline[-smoke].json and a PNG of the latency distributions.
 */
import { cpus, loadavg } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { TestContainers } from '../test/helpers/containers.js';
import { ROOT, CONSUL_BIN } from '../test/helpers/paths.js';
import { plotCdf } from './lib/plot.js';
import { nginxRssMb, rssMb } from './lib/rss.js';
import { runOnStack, startStack, type Stack } from './lib/stack.js';
import { missingFigures, printTable } from './lib/report.js';
import { burst } from './burst.js';
import { convergence, removal, scaleOut } from './scenarios.js';

const smoke = process.argv.includes('--smoke');
const sizes = smoke
  ? { convergence: 3, removal: 1, burst: 5 }
  : { convergence: 30, removal: 10, burst: 50 };

function footprint(stack: Stack): Record<string, number> {
  return {
    registratorMb: rssMb(stack.registrator.pid ?? 0),
    gatewayNodeMb: rssMb(stack.gateway.pid ?? 0),
    nginxMb: nginxRssMb(stack.gateway.pid ?? 0),
  };
}

async function versions(): Promise<Record<string, string>> {
  const out = async (cmd: string, args: string[]): Promise<string> =>
    (await execa(cmd, args, { reject: false, all: true })).all?.split('\n')[0]?.trim() ?? '';
  return {
    node: process.version,
    docker: await out('docker', ['version', '--format', '{{.Server.Version}}']),
    consul: await out(CONSUL_BIN, ['version']),
    nginx: await out('nginx', ['-v']),
    kernel: await out('uname', ['-r']),
  };
}

async function main(): Promise<void> {
  const containers = new TestContainers('bench');
  const stack = await startStack();
  // Other work on the machine skews the figures: the 1-minute load average goes with each scenario.
  const load: Record<string, number> = {};
  const log = (msg: string, scenario?: string): void => {
    const avg = Math.round((loadavg()[0] ?? 0) * 100) / 100;
    if (scenario) load[scenario] = avg;
    process.stderr.write(`[bench] ${msg} (load ${avg})\n`);
  };
  await runOnStack(stack, containers, async () => {
    await new Promise((r) => setTimeout(r, 1_000));
    const idle = footprint(stack);
    log(`idle footprint ${JSON.stringify(idle)}`);
    log(`convergence (passing from the start), ${sizes.convergence} containers`, 'passing');
    const convPassing = await convergence(stack, containers, sizes.convergence, 'passing');
    log(`convergence (1 s HTTP check), ${sizes.convergence} containers`, 'httpCheck1s');
    const convCheck = await convergence(stack, containers, sizes.convergence, 'http-check-1s');
    await containers.cleanup();
    log(`scale-out of one routed service, ${sizes.convergence} instances`, 'scaleOut');
    const scale = await scaleOut(stack, containers, sizes.convergence);
    await containers.cleanup();
    log(`removal, ${sizes.removal} runs`, 'removal');
    const rem = await removal(stack, containers, sizes.removal);
    await containers.cleanup();
    log(`burst of ${sizes.burst}`, 'burst');
    const bst = await burst(stack, containers, sizes.burst);
    log(`burst of ${sizes.burst}, host networking`, 'burstHostNetwork');
    const bstHost = await burst(stack, containers, sizes.burst, 'host');
    const after = footprint(stack);
    const result = {
      date: new Date().toISOString(),
      smoke,
      machine: { cores: cpus().length, model: cpus()[0]?.model ?? '', loadAverage1m: load },
      versions: await versions(),
      convergence: { passing: convPassing, httpCheck1s: convCheck, scaleOut: scale },
      removal: rem,
      burst: bst,
      burstHostNetwork: bstHost,
      footprint: { idle, after },
    };
    const dir = join(ROOT, 'bench/results');
    mkdirSync(dir, { recursive: true });
    const name = smoke ? 'pipeline-smoke' : 'pipeline';
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(result, null, 2) + '\n');
    await plotCdf(join(dir, `${name}.png`), `Pipeline latency (${cpus().length} cores)`, [
      { title: 'start -> routed (passing from start)', values: convPassing.samples },
      { title: 'start -> routed (1 s HTTP check)', values: convCheck.samples },
      { title: 'start -> routed (scale-out, existing route)', values: scale.samples },
      {
        title: 'stop -> last routed request',
        values: rem.runs.map((r) => Math.max(1, r.lastRoutedAfterStopMs)),
      },
    ]);
    printTable(result);
    // The smoke run (CI) asserts that figures came out, never how fast they are.
    const missing = missingFigures(result);
    if (missing.length) {
      console.error(`no figures for: ${missing.join(', ')}`);
      process.exitCode = 1;
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
