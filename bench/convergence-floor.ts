/**
 * The floor under issue 18's convergence figure on this machine: the hops every Consul-based
 * pipeline (ours, the original chain, Fabio behind registrator) takes between `docker start`
 * returning and a watcher of the catalog learning of the new instance, timed with none of our
 * programs running (`npx tsx bench/convergence-floor.ts [--samples 20]`). Per container (the fast
 * backend on a published port, as `bench/convergence.ts --backend fast` runs it):
 *
 * - *event*: the engine's `start` event reaches a listener (negative: before `start` returned);
 * - *inspect*: that listener's inspect of the container returned (registrator needs its
 *   addresses and environment);
 * - *register*: the agent's `/v1/agent/service/register` (an HTTP check, initially passing, as
 *   registrator writes it) returned;
 * - *wake*: a blocking query on the service's health, waiting since before the start, answered;
 * - *listening*: the container answered a request on its published port (polled every 1 ms
 *   from the moment `start` returned; the host port is chosen beforehand): no proxy can route
 *   to it earlier.
 *
 * Each is in ms after `start` returned, p50 / p95. *floor* = the later of *wake* and
 * *listening*: a pipeline that did nothing else would route the container then.
 */
import Docker from 'dockerode';
import { loadavg } from 'node:os';
import { startConsulAgent } from '../test/helpers/consul-agent.js';
import { TestContainers } from '../test/helpers/containers.js';
import { fastApp } from '../test/helpers/fast-app.js';
import { freePort } from '../test/helpers/ports.js';
import { flagValue } from './lib/args.js';
import { percentile } from './lib/stats.js';

const samples = Number(flagValue('samples') ?? '20');
const STEPS = ['event', 'inspect', 'register', 'wake', 'listening', 'floor'] as const;
type Step = (typeof STEPS)[number];

const docker = new Docker();
const app = await fastApp();
const agent = await startConsulAgent();
const base = `http://${agent.addr}/v1`;
const containers = new TestContainers('bench-floor');
const events = (await docker.getEvents({
  filters: { type: ['container'], event: ['start'] },
})) as NodeJS.ReadableStream;
const onStart = new Map<string, () => void>();
events.on('data', (chunk: Buffer) => {
  for (const line of String(chunk).split('\n').filter(Boolean)) {
    const id = (JSON.parse(line) as { id?: string }).id ?? '';
    onStart.get(id)?.();
  }
});

/**
 * A blocking query on the service's health, begun now: resolves with the time its first answer
 * that lists an instance arrived (an unknown service's index is the whole table's, so an
 * unrelated change may answer first, with no instance: it blocks again).
 */
async function watch(name: string): Promise<() => Promise<number>> {
  const first = await fetch(`${base}/health/service/${name}`);
  await first.text();
  const wait = async (index: string): Promise<number> => {
    const r = await fetch(`${base}/health/service/${name}?index=${index}&wait=30s`);
    const instances = (await r.json()) as unknown[];
    if (instances.length > 0) return performance.now();
    return wait(r.headers.get('x-consul-index') ?? index);
  };
  const answer = wait(first.headers.get('x-consul-index') ?? '0');
  return () => answer;
}

/** `p`, or an error naming `what` after 20 s (a start event that never came). */
function within<T>(what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`convergence-floor: no ${what} in 20 s`)), 20_000);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function pollListening(port: number): Promise<number> {
  const until = performance.now() + 20_000;
  while (performance.now() < until) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health`);
      await r.text();
      if (r.ok) return performance.now();
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error(`convergence-floor: nothing answered on port ${port} in 20 s`);
}

async function sample(i: number): Promise<Record<Step, number>> {
  const name = `floor-${i}`;
  const hostPort = await freePort();
  const container = await containers.run({
    name: containers.uniqueName(name),
    image: app.image,
    start: false,
    publish: { '80': String(hostPort) },
    env: { ...app.imageEnv, BACKEND_ID: name, PATHS: name },
  });
  const woke = await watch(name);
  const t: Partial<Record<Step, number>> = {};
  const registered = new Promise<void>((resolve, reject) =>
    onStart.set(container.id, () => {
      t.event = performance.now();
      void (async () => {
        const info = await container.inspect();
        t.inspect = performance.now();
        const port = Number(info.NetworkSettings.Ports['80/tcp']?.[0]?.HostPort);
        const check = {
          HTTP: `http://127.0.0.1:${port}/health`,
          Interval: '10s',
          Status: 'passing',
        };
        const body = { ID: name, Name: name, Address: '127.0.0.1', Port: port, Check: check };
        const r = await fetch(`${base}/agent/service/register`, {
          method: 'PUT',
          body: JSON.stringify(body),
        });
        await r.text();
        t.register = performance.now();
        resolve();
      })().catch(reject);
    }),
  );
  await container.start();
  const started = performance.now();
  // The host port is known beforehand: polling starts at once.
  const [listening, wake] = await within(
    `answer for ${name}`,
    Promise.all([pollListening(hostPort), woke(), registered]),
  );
  onStart.delete(container.id);
  await fetch(`${base}/agent/service/deregister/${name}`, { method: 'PUT' });
  await container.remove({ force: true });
  t.wake = wake;
  t.listening = listening;
  t.floor = Math.max(wake, listening);
  return Object.fromEntries(STEPS.map((s) => [s, (t[s] ?? NaN) - started])) as Record<Step, number>;
}

try {
  const rows: Record<Step, number>[] = [];
  const load = loadavg()[0] ?? NaN;
  for (let i = 0; i < samples; i++) rows.push(await sample(i));
  console.log(
    `convergence floor: ${samples} containers, load ${load.toFixed(2)} -> ${(loadavg()[0] ?? NaN).toFixed(2)}`,
  );
  console.log('ms after `docker start` returned   p50      p95');
  for (const s of STEPS) {
    const v = rows.map((r) => r[s]);
    console.log(
      `${s.padEnd(32)}${percentile(v, 50).toFixed(1).padStart(6)}${percentile(v, 95).toFixed(1).padStart(9)}`,
    );
  }
} finally {
  (events as unknown as { destroy?: () => void }).destroy?.();
  await containers.cleanup();
  await agent.stop();
}
