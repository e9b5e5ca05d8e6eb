/**
 * Throughput of the gateway next to plain nginx (`npm run bench:throughput`; `--smoke` for
 * short slices). Fast keep-alive backends (nginx serving a 100-byte file) registered in a stock
 * Consul agent; `wrk -t2 -c32 --latency` in alternating slices of one run against: one backend
 * directly, a plain nginx reverse proxy with a static upstream of the backends, the built gateway
 * with its defaults, and the gateway while an extra instance joins or leaves every second.
 * `--rounds N` (3) and `--slice S` (4 seconds) change the slices; `--gateway-arg X`
 * (repeatable) passes X to the gateway, a variant beside its defaults. Prints a table and writes
 * bench/results/throughput[-smoke].json.
 */
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { resolveConfig } from '../gateway/config.js';
import { startConsulAgent, type ConsulAgent } from '../test/helpers/consul-agent.js';
import { ROOT } from '../test/helpers/paths.js';
import { closeAgent } from './lib/http.js';
import { pollUntilServed } from './lib/http.js';
import { startBuiltGateway, type BuiltGateway } from './lib/gateway-process.js';
import { gatewayCpu, treeCpuSeconds, withCpu, type CpuSample } from './lib/cpu.js';
import { startChurn } from './lib/membership-churn.js';
import {
  makeDocroot,
  startFileBackend,
  startPlainProxy,
  type NginxTarget,
} from './lib/nginx-targets.js';
import { alternateSlices, type SliceTarget } from './lib/slices.js';
import {
  missingThroughputFigures,
  printThroughput,
  cpuPerRequest,
  ratios,
  type TargetName,
  type ThroughputResult,
} from './lib/throughput-report.js';
import { wrk } from './lib/wrk.js';
import { flagValue } from './lib/args.js';

const smoke = process.argv.includes('--smoke');
const flag = (name: string, fallback: number): number => {
  const given = flagValue(name);
  const v = given === undefined ? fallback : Number(given);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name}: a whole number ≥ 1`);
  return v;
};
/** `--gateway-arg X` (repeatable): a flag for the gateway beyond its defaults, e.g. a variant. */
const GATEWAY_ARGS = process.argv.flatMap((a, i) =>
  process.argv[i - 1] === '--gateway-arg' ? [a] : [],
);
/**
 * Both proxies log alike: the plain nginx writes the gateway's access log (same format and
 * buffering) unless the gateway's is turned off, as the gateway itself reads its arguments and
 * environment (`-access-log off`, `--access-log=off`, GATEWAY_ACCESS_LOG=off).
 */
const ACCESS_LOG =
  resolveConfig(GATEWAY_ARGS, process.env, { tmpDir: tmpdir(), cwd: ROOT }).accessLog !== 'off';
const ROUNDS = flag('rounds', smoke ? 1 : 3);
const SLICE_SECONDS = flag('slice', smoke ? 2 : 4);
const CONNECTIONS = 32;
const SERVICE = 'bench-throughput';
const TAGS = ['urlprefix-/tp/'];
const BACKENDS = 2;

const load = (): number[] => loadavg().map((v) => Math.round(v * 100) / 100);
const log = (msg: string): void =>
  void process.stderr.write(`[throughput] ${msg} (load ${load()[0]})\n`);

async function register(agent: ConsulAgent, backends: NginxTarget[]): Promise<void> {
  for (const [i, b] of backends.entries())
    await agent.client.registerService({
      ID: `${SERVICE}-${i}`,
      Name: SERVICE,
      Address: '127.0.0.1',
      Port: b.port,
      Tags: TAGS,
    });
}

interface Setup {
  backends: NginxTarget[];
  extra: NginxTarget;
  proxy: NginxTarget;
  gateway: BuiltGateway;
}

async function measure(agent: ConsulAgent, s: Setup) {
  const url = `${s.gateway.url}/tp/`;
  const churn = { changes: 0, poolUpdates: 0, reloads: 0 };
  // CPU of each target's own processes: the backend for direct, the proxy (not the backends) else.
  const cpu: Record<TargetName, CpuSample> = {
    direct: {},
    nginx: {},
    gateway: {},
    gatewayChurn: {},
  };
  const nginxCpu = (pid: number) => () => ({ nginx: treeCpuSeconds(pid) });
  const gatewayParts = () => gatewayCpu(s.gateway.pid);
  const wrkOn = (name: TargetName, sample: () => CpuSample, target: string) => () =>
    withCpu(sample, cpu[name], () => wrk(target, SLICE_SECONDS, CONNECTIONS));
  const counters = async (): Promise<[number, number]> => [
    await s.gateway.counter('gateway_pool_updates_total'),
    await s.gateway.counter('gateway_reloads_total'),
  ];
  const churnSlice = async () => {
    const [u0, r0] = await counters();
    const toggler = startChurn(agent.client, {
      id: `${SERVICE}-extra`,
      service: SERVICE,
      port: s.extra.port,
      tags: TAGS,
    });
    try {
      return await wrkOn('gatewayChurn', gatewayParts, url)();
    } finally {
      churn.changes += await toggler.stop();
      const [u1, r1] = await counters();
      churn.poolUpdates += u1 - u0;
      churn.reloads += r1 - r0;
    }
  };
  const targets: SliceTarget[] = [
    { name: 'direct', run: wrkOn('direct', nginxCpu(s.backends[0]!.pid), s.backends[0]!.url) },
    { name: 'nginx', run: wrkOn('nginx', nginxCpu(s.proxy.pid), s.proxy.url) },
    { name: 'gateway', run: wrkOn('gateway', gatewayParts, url) },
    { name: 'gatewayChurn', run: churnSlice },
  ];
  const results = await alternateSlices(targets, ROUNDS, (name, r) =>
    log(`${name}: ${r.requestsPerSec} req/s, p50 ${r.latencyP50Ms} ms, p99 ${r.latencyP99Ms} ms`),
  );
  const targetResults = results as ThroughputResult['targets'];
  return { targets: targetResults, churn, cpuUsPerRequest: cpuPerRequest(cpu, targetResults) };
}

async function main(): Promise<void> {
  const loadAverageStart = load();
  const docroot = makeDocroot();
  const stops: (() => Promise<unknown>)[] = [async () => docroot.remove()];
  try {
    const agent = await startConsulAgent(); // stock: no limit raised
    stops.unshift(() => agent.stop());
    const backends: NginxTarget[] = [];
    for (let i = 0; i <= BACKENDS; i++) {
      const backend = await startFileBackend(docroot.dir);
      backends.push(backend);
      stops.unshift(() => backend.stop());
    }
    const extra = backends.pop() as NginxTarget;
    log(`nginx backends on ${backends.map((b) => b.port).join(', ')}; extra ${extra.port}`);
    const proxy = await startPlainProxy(
      backends.map((b) => b.port),
      ACCESS_LOG,
    );
    stops.unshift(() => proxy.stop());
    await register(agent, backends);
    const gateway = await startBuiltGateway(agent.addr, GATEWAY_ARGS);
    stops.unshift(() => gateway.stop());
    log(`plain nginx on ${proxy.port}, gateway on ${gateway.url}`);
    await pollUntilServed(`${gateway.url}/tp/`, 'xxxx', 20_000, 20);
    const gatewayMode = String((await gateway.status()).mode ?? '');
    log(
      `gateway ${GATEWAY_ARGS.join(' ')} routes /tp/ (mode ${gatewayMode}); ${ROUNDS} rounds of ${SLICE_SECONDS} s slices`,
    );
    const measured = await measure(agent, { backends, extra, proxy, gateway });
    const result = {
      date: new Date().toISOString(),
      smoke,
      machine: {
        cores: cpus().length,
        model: cpus()[0]?.model ?? '',
        loadAverageStart,
        loadAverageEnd: load(),
      },
      versions: { node: process.version, nginx: (await execa('nginx', ['-v'])).stderr.trim() },
      gatewayArgs: GATEWAY_ARGS,
      setup: {
        rounds: ROUNDS,
        sliceSeconds: SLICE_SECONDS,
        wrk: `-t2 -c${CONNECTIONS}`,
        backends: BACKENDS,
        accessLog: ACCESS_LOG,
      },
      gatewayMode,
      ...measured,
      ratios: ratios(measured.targets),
    };
    const dir = join(ROOT, 'bench/results');
    mkdirSync(dir, { recursive: true });
    // A variant (--gateway-arg) never replaces the figures of the defaults.
    const name = smoke
      ? 'throughput-smoke'
      : GATEWAY_ARGS.length
        ? 'throughput-variant'
        : 'throughput';
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    console.log(
      `load average at the start: ${loadAverageStart.join(', ')}; at the end: ${result.machine.loadAverageEnd.join(', ')}`,
    );
    printThroughput(result);
    console.log(
      `access log: ${ACCESS_LOG ? "both proxies write the gateway's (JSON, buffered)" : 'neither proxy writes one'}`,
    );
    // The smoke run (CI) asserts that figures came out, never how fast they are.
    const missing = missingThroughputFigures(result);
    if (missing.length) {
      console.error(`no figures for: ${missing.join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    log('stopping');
    for (const stop of stops) await stop().catch((e: unknown) => log(`cleanup: ${String(e)}`));
    closeAgent();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
