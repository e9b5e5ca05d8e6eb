/**
 * registrator with a fleet-sized host: `HOST_NET` (300) host-network containers (host networking
 * spares Docker a network namespace each), against a stock Consul agent. Checks that every one is
 * registered and, once killed, deregistered; measures the time each takes, the registrator's RSS,
 * and the cost of a full resync. `npx tsx bench/registrator-scale.ts` after `npm run build`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { Child } from '../common/process/child.js';
import { startConsulAgent, type ConsulAgent } from '../test/helpers/consul-agent.js';
import { TestContainers } from '../test/helpers/containers.js';
import { ROOT } from '../test/helpers/paths.js';
import { waitFor } from '../test/helpers/wait-for.js';
import { rssMb } from './lib/rss.js';
import { cpuSeconds } from './lib/scale-fleet.js';

const HOST_NET = Number(process.env.REGISTRATOR_SCALE_CONTAINERS ?? 300);
const WINDOW_MS = 12_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function registrator(agent: ConsulAgent, tc: TestContainers, resync: number) {
  const lines: string[] = [];
  const args = [
    join(ROOT, 'dist/registrator/cli.js'),
    '-ip',
    '127.0.0.1',
    '-require-label',
    tc.label,
  ].concat(['-resync', String(resync), '-log-level', 'info', `consul://${agent.addr}`]);
  const child = new Child(process.execPath, args, { cwd: ROOT, onLine: (l) => void lines.push(l) });
  const logged = (msg: string) => lines.filter((l) => l.includes(`"msg":"${msg}"`));
  return { child, pid: child.pid as number, lines, logged };
}

async function fleetCount(agent: ConsulAgent): Promise<number> {
  const all = await agent.client.agentServices();
  return Object.values(all).filter((s) => s.Service === 'fleet').length;
}

async function createFleet(tc: TestContainers): Promise<Docker.Container[]> {
  const created: Docker.Container[] = [];
  const jobs = Array.from({ length: HOST_NET }, (_, i) => i);
  const worker = async (): Promise<void> => {
    for (let i = jobs.shift(); i !== undefined; i = jobs.shift())
      created.push(
        await tc.run({
          name: tc.uniqueName(`hn${i}`),
          networkMode: 'host',
          expose: [String(20_000 + i)],
          cmd: ['sleep', '900'],
          env: { SERVICE_NAME: 'fleet', SERVICE_TAGS: `n${i}` },
        }),
      );
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return created;
}

async function main(): Promise<void> {
  const agent = await startConsulAgent();
  const tc = new TestContainers('bench-reg-scale');
  const a = registrator(agent, tc, 0);
  let b: ReturnType<typeof registrator> | undefined;
  try {
    await waitFor(() => a.logged('initial sync done').length > 0, {
      timeoutMs: 30_000,
      what: 'registrator up',
    });
    const t0 = performance.now();
    const containers = await createFleet(tc);
    const startedMs = performance.now() - t0;
    await waitFor(async () => (await fleetCount(agent)) === HOST_NET, {
      timeoutMs: 300_000,
      intervalMs: 100,
      what: `${HOST_NET} registered`,
    });
    const registeredMs = performance.now() - t0;
    const rss = rssMb(a.pid);
    const idle0 = cpuSeconds(a.pid);
    await sleep(WINDOW_MS);
    const idleCpuPerS = (cpuSeconds(a.pid) - idle0) / (WINDOW_MS / 1000);
    await a.child.stop('SIGTERM');
    // A second registrator finds 300 running containers: its initial sync, then a forced resync every 2 s.
    const second = registrator(agent, tc, 2);
    b = second;
    const s0 = performance.now();
    await waitFor(() => second.logged('initial sync done').length > 0, {
      timeoutMs: 120_000,
      what: 'initial sync',
    });
    const initialSyncMs = performance.now() - s0;
    const cpu0 = cpuSeconds(second.pid);
    const before = second.logged('resync done').length;
    await sleep(WINDOW_MS);
    const resyncs = b
      .logged('resync done')
      .slice(before)
      .map((l) => Number(JSON.parse(l).durationMs));
    const cpuPerResyncMs =
      ((cpuSeconds(second.pid) - cpu0 - idleCpuPerS * (WINDOW_MS / 1000)) /
        Math.max(1, resyncs.length)) *
      1000;
    const rssResync = rssMb(second.pid);
    const k0 = performance.now();
    for (let i = 0; i < containers.length; i += 25)
      await Promise.all(containers.slice(i, i + 25).map((c) => c.kill()));
    await waitFor(async () => (await fleetCount(agent)) === 0 || undefined, {
      timeoutMs: 300_000,
      intervalMs: 100,
      what: 'all deregistered',
    });
    const deregisteredMs = performance.now() - k0;
    await second.child.stop('SIGTERM');
    const result = {
      date: new Date().toISOString(),
      containers: HOST_NET,
      createAndStartMs: Math.round(startedMs),
      allRegisteredMs: Math.round(registeredMs),
      killToAllDeregisteredMs: Math.round(deregisteredMs),
      initialSyncMs: Math.round(initialSyncMs),
      resyncMs: resyncs,
      cpuPerResyncMs: Math.round(cpuPerResyncMs),
      idleCpuPercent: Math.round(idleCpuPerS * 1000) / 10,
      rssMb: { registered: rss, resyncing: rssResync },
    };
    console.log(JSON.stringify(result, null, 2));
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(
      join(ROOT, 'bench/results/registrator-scale.json'),
      JSON.stringify(result, null, 2) + '\n',
    );
  } finally {
    await a.child.stop('SIGKILL', 1000);
    await b?.child.stop('SIGKILL', 1000);
    await tc.cleanup();
    await agent.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
