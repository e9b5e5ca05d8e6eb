/**
 * End-to-end benchmark of the whole pipeline on real Docker, Consul and nginx with the real
 * programs (`npm run bench`; `npm run bench:smoke` for a few samples). Prints a table, writes
 * bench/results/pipeline[-smoke].json and a PNG of the latency distributions.
 */
import { cpus } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { TestContainers } from '../test/helpers/containers.js';
import { ROOT, CONSUL_BIN } from '../test/helpers/paths.js';
import { closeAgent } from './lib/http.js';
import { plotCdf } from './lib/plot.js';
import { nginxRssMb, rssMb } from './lib/rss.js';
import { startStack, type Stack } from './lib/stack.js';
import { burst, convergence, removal, wrk } from './scenarios.js';
import { reloadCost } from './reload-cost.js';

const smoke = process.argv.includes('--smoke');
const sizes = smoke
  ? { convergence: 3, removal: 1, burst: 5, wrkSeconds: 2 }
  : { convergence: 30, removal: 5, burst: 50, wrkSeconds: 10 };

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
  const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);
  try {
    await new Promise((r) => setTimeout(r, 1_000));
    const idle = footprint(stack);
    log(`idle footprint ${JSON.stringify(idle)}`);
    log(`convergence (passing from the start), ${sizes.convergence} containers`);
    const convPassing = await convergence(stack, containers, sizes.convergence, 'passing');
    log(`convergence (1 s HTTP check), ${sizes.convergence} containers`);
    const convCheck = await convergence(stack, containers, sizes.convergence, 'http-check-1s');
    await containers.cleanup();
    log(`removal, ${sizes.removal} runs`);
    const rem = await removal(stack, containers, sizes.removal);
    await containers.cleanup();
    log(`burst of ${sizes.burst}`);
    const bst = await burst(stack, containers, sizes.burst);
    log('overhead and reload cost (wrk)');
    const rc = await reloadCost(stack, containers, sizes.wrkSeconds, wrk);
    const after = footprint(stack);
    const result = {
      date: new Date().toISOString(),
      smoke,
      machine: { cores: cpus().length, model: cpus()[0]?.model ?? '' },
      versions: await versions(),
      convergence: { passing: convPassing, httpCheck1s: convCheck },
      removal: rem,
      burst: bst,
      overhead: rc.overhead,
      reloadCost: rc.reloadCost,
      footprint: { idle, after },
    };
    const dir = join(ROOT, 'bench/results');
    mkdirSync(dir, { recursive: true });
    const name = smoke ? 'pipeline-smoke' : 'pipeline';
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(result, null, 2) + '\n');
    await plotCdf(join(dir, `${name}.png`), `Pipeline latency (${cpus().length} cores)`, [
      { title: 'start -> routed (passing from start)', values: convPassing.samples },
      { title: 'start -> routed (1 s HTTP check)', values: convCheck.samples },
      {
        title: 'stop -> last routed request',
        values: rem.runs.map((r) => Math.max(1, r.lastRoutedAfterStopMs)),
      },
    ]);
    printTable(result);
  } finally {
    await containers.cleanup();
    await stack.stop();
    closeAgent();
  }
}

function printTable(r: {
  convergence: {
    passing: { p50: number; p95: number; max: number; n: number };
    httpCheck1s: { p50: number; p95: number; max: number; n: number };
  };
  removal: { lastRouted: { p50: number; max: number }; failedTotal: number; requestsTotal: number };
  burst: { containers: number; allRoutableMs: number; reloads: number };
  overhead: {
    gateway: { requestsPerSec: number; latencyP50Ms: number };
    direct: { requestsPerSec: number; latencyP50Ms: number };
    ratio: number;
  };
  reloadCost: {
    steady: { requestsPerSec: number };
    churn: { requestsPerSec: number; errors: number };
    ratio: number;
  };
  footprint: { idle: Record<string, number>; after: Record<string, number> };
}): void {
  const rows: [string, string, string][] = [
    [
      'convergence, passing (ms)',
      `p50 ${r.convergence.passing.p50} / p95 ${r.convergence.passing.p95} / max ${r.convergence.passing.max} (n=${r.convergence.passing.n})`,
      'p50 ≤ 100, p95 ≤ 150',
    ],
    [
      'convergence, 1 s check (ms)',
      `p50 ${r.convergence.httpCheck1s.p50} / p95 ${r.convergence.httpCheck1s.p95} / max ${r.convergence.httpCheck1s.max}`,
      'p95 ≤ 1500',
    ],
    [
      'removal: stop -> last routed (ms)',
      `p50 ${r.removal.lastRouted.p50} / max ${r.removal.lastRouted.max}`,
      '≤ 200',
    ],
    ['removal: failed requests', `${r.removal.failedTotal} of ${r.removal.requestsTotal}`, '0'],
    [
      `burst of ${r.burst.containers}: all routable (ms)`,
      `${r.burst.allRoutableMs}, ${r.burst.reloads} reloads`,
      '≤ 3000, ≤ 5 reloads',
    ],
    [
      'throughput gateway / direct',
      `${r.overhead.gateway.requestsPerSec} / ${r.overhead.direct.requestsPerSec} rps = ${r.overhead.ratio}`,
      '≥ 0.8',
    ],
    [
      'throughput churn / steady',
      `${r.reloadCost.churn.requestsPerSec} / ${r.reloadCost.steady.requestsPerSec} rps = ${r.reloadCost.ratio}, ${r.reloadCost.churn.errors} errors`,
      '≥ 0.9',
    ],
    [
      'RSS idle (MB)',
      `registrator ${r.footprint.idle.registratorMb}, gateway ${r.footprint.idle.gatewayNodeMb}, nginx ${r.footprint.idle.nginxMb}`,
      '≤ 80 / ≤ 120',
    ],
    [
      'RSS after (MB)',
      `registrator ${r.footprint.after.registratorMb}, gateway ${r.footprint.after.gatewayNodeMb}, nginx ${r.footprint.after.nginxMb}`,
      '',
    ],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  console.log(`\n${'figure'.padEnd(w0)}  ${'measured'.padEnd(w1)}  target`);
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
