import type Docker from 'dockerode';
import type { TestContainers } from '../test/helpers/containers.js';
import { startLoad, summarize } from '../test/helpers/load.js';
import { waitFor } from '../test/helpers/wait-for.js';
import { get, pollUntilServed } from './lib/http.js';
import type { Stack } from './lib/stack.js';
import { stageBreakdown, type Timed } from './lib/stages.js';
import { distribution, type Distribution } from './lib/stats.js';

export interface ConvergenceResult extends Distribution {
  samples: number[];
  mode: string;
  /** Per-stage timings (ms) from the programs' logs; see lib/stages.ts. */
  stages: ReturnType<typeof stageBreakdown>;
}

/** `docker start`, then poll the gateway until the container answers; wall-clock instants kept. */
async function startAndTime(
  stack: Stack,
  container: Docker.Container,
  name: string,
  url: string,
): Promise<Timed & { ms: number }> {
  await container.start();
  const startedAt = Date.now();
  const ms = await pollUntilServed(url, name, 20_000);
  const routedAt = startedAt + Math.round(ms);
  // The bench's own instants beside the programs' lines (bench/convergence.ts --logs).
  for (const [msg, time] of [
    ['started', startedAt],
    ['routed', routedAt],
  ] as const)
    stack.logs.push({
      at: time,
      program: 'bench',
      json: { time, msg, containerName: name, id: container.id.slice(0, 12) },
      text: '',
    });
  return { containerName: name, startedAt, routedAt, ms };
}

function result(mode: string, timed: (Timed & { ms: number })[], stack: Stack): ConvergenceResult {
  const samples = timed.map((t) => t.ms);
  return {
    mode,
    ...distribution(samples),
    samples: samples.map((s) => Math.round(s)),
    stages: stageBreakdown(timed, stack.logs),
  };
}

/** What a bench run varies: the backend image, and names that differ between side-by-side stacks. */
export interface ScenarioOptions {
  /** The backend's image (default the test busybox), and environment it needs on top. */
  image?: string;
  imageEnv?: Record<string, string>;
  /** Prefix of every service name and route path, so two stacks' samples never mix. */
  label?: string;
  /** Number of the first sample (service names stay unique across calls). */
  first?: number;
}

/**
 * Start one container after another, each a new service on a new route (so the edge and the pool
 * both change); time from `docker start` returning to the first answer from it through the gateway.
 */
export async function convergence(
  stack: Stack,
  containers: TestContainers,
  count: number,
  mode: 'passing' | 'http-check-1s',
  { image, imageEnv, label = '', first = 0 }: ScenarioOptions = {},
): Promise<ConvergenceResult> {
  const timed: (Timed & { ms: number })[] = [];
  const check: Record<string, string> =
    mode === 'passing'
      ? {
          SERVICE_80_CHECK_HTTP: '/health',
          SERVICE_80_CHECK_INTERVAL: '10s',
          SERVICE_CHECK_INITIAL_STATUS: 'passing',
        }
      : { SERVICE_80_CHECK_HTTP: '/health', SERVICE_80_CHECK_INTERVAL: '1s' };
  for (let i = first; i < first + count; i++) {
    const id = containers.uniqueName(`conv-${mode}-${i}`);
    const path = `${label}c${i}${mode === 'passing' ? 'p' : 'h'}`;
    const container = await containers.run({
      name: id,
      image,
      start: false,
      publish: { '80': '' },
      env: {
        ...imageEnv,
        BACKEND_ID: id,
        PATHS: path,
        SERVICE_NAME: `bench-${path}`,
        SERVICE_TAGS: `urlprefix-/${path}/`,
        ...check,
      },
    });
    timed.push(await startAndTime(stack, container, id, `${stack.gatewayUrl}/${path}/`));
  }
  return result(mode, timed, stack);
}

/**
 * The reference deployment's case: a new instance of a service that is already routed (one
 * stable instance), so only the upstream pool changes. Each new instance is removed again (and
 * the pool has dropped it) before the next one starts, so round robin is always between two.
 */
export async function scaleOut(
  stack: Stack,
  containers: TestContainers,
  count: number,
  { image, imageEnv, label = '' }: ScenarioOptions = {},
): Promise<ConvergenceResult> {
  const env = {
    ...imageEnv,
    SERVICE_NAME: `bench-${label}scale`,
    SERVICE_TAGS: `urlprefix-/${label}scale/`,
    PATHS: `${label}scale`,
    SERVICE_80_CHECK_HTTP: '/health',
    SERVICE_80_CHECK_INTERVAL: '10s',
    SERVICE_CHECK_INITIAL_STATUS: 'passing',
  };
  const url = `${stack.gatewayUrl}/${label}scale/`;
  const stable = containers.uniqueName('scale-stable');
  await containers.run({
    name: stable,
    image,
    publish: { '80': '' },
    env: { ...env, BACKEND_ID: stable },
  });
  await pollUntilServed(url, stable, 20_000);
  const timed: (Timed & { ms: number })[] = [];
  for (let i = 0; i < count; i++) {
    const id = containers.uniqueName(`scale-${i}`);
    const c = await containers.run({
      name: id,
      image,
      start: false,
      publish: { '80': '' },
      env: { ...env, BACKEND_ID: id },
    });
    timed.push(await startAndTime(stack, c, id, url));
    const target = `127.0.0.1:${await containers.hostPort(c)}`;
    await c.remove({ force: true });
    // Settled once the gateway reports a confirmed pool without it (/status is published after
    // the pool confirmed the table), so the next start is measured on its own.
    await waitFor(
      async () => {
        const res = await get(`${stack.statusUrl}/status`);
        const status = JSON.parse(res.body) as {
          routes: { path: string; servers: { target: string }[] }[];
        };
        const route = status.routes.find((r) => r.path === `/${label}scale/`);
        return route !== undefined && !route.servers.some((x) => x.target === target);
      },
      { timeoutMs: 20_000, what: `${id} out of the pool` },
    );
  }
  return result('scale-out', timed, stack);
}

export interface RemovalResult {
  runs: { lastRoutedAfterStopMs: number; requests: number; failed: number }[];
  lastRouted: Distribution;
  /** stop -> deregistered -> rendered -> pool applied -> last request to the stopped one. */
  stages: ReturnType<typeof stageBreakdown>;
  failedTotal: number;
  requestsTotal: number;
}

/** Two instances under steady load; stop one (it drains 1 s) and see when traffic to it ends. */
export async function removal(
  stack: Stack,
  containers: TestContainers,
  runs: number,
  rate = 200,
): Promise<RemovalResult> {
  const results: RemovalResult['runs'] = [];
  const timed: Timed[] = [];
  const env = {
    SERVICE_NAME: 'bench-removal',
    SERVICE_TAGS: 'urlprefix-/removal/',
    PATHS: 'removal',
    STOP_DELAY: '1',
  };
  const stable = containers.uniqueName('removal-stable');
  await containers.run({
    name: stable,
    publish: { '80': '' },
    env: { ...env, BACKEND_ID: stable },
  });
  for (let i = 0; i < runs; i++) {
    const victim = containers.uniqueName(`removal-${i}`);
    const container = await containers.run({
      name: victim,
      publish: { '80': '' },
      env: { ...env, BACKEND_ID: victim },
    });
    await pollUntilServed(`${stack.gatewayUrl}/removal/`, victim, 20_000, 1).catch(async () => {
      // round robin: keep asking until the new instance answered once
      await waitFor(
        async () => (await get(`${stack.gatewayUrl}/removal/`)).body.startsWith(victim),
        { timeoutMs: 20_000 },
      );
    });
    const load = startLoad({
      url: `${stack.gatewayUrl}/removal/`,
      rate,
      maxDurationMs: 10_000,
      keepBodies: true,
    });
    await new Promise((r) => setTimeout(r, 500));
    const stopT = performance.now() - load.startedAt;
    const stopAt = Date.now();
    await container.stop({ t: 10 });
    await new Promise((r) => setTimeout(r, 500));
    const samples = await load.stop();
    const toVictim = samples.filter((s) => s.body.startsWith(victim));
    const last = toVictim.length ? Math.max(...toVictim.map((s) => s.t)) : stopT;
    const sum = summarize(samples);
    timed.push({
      containerName: victim,
      startedAt: stopAt,
      routedAt: stopAt + Math.round(last - stopT),
    });
    results.push({
      lastRoutedAfterStopMs: Math.max(0, Math.round(last - stopT)),
      requests: sum.sent,
      failed: sum.failed,
    });
    await container.remove({ force: true }).catch(() => undefined);
  }
  return {
    runs: results,
    lastRouted: distribution(results.map((r) => r.lastRoutedAfterStopMs)),
    stages: stageBreakdown(timed, stack.logs, 'deregistered'),
    failedTotal: results.reduce((a, r) => a + r.failed, 0),
    requestsTotal: results.reduce((a, r) => a + r.requests, 0),
  };
}
