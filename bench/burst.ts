import type Docker from 'dockerode';
import type { TestContainers } from '../test/helpers/containers.js';
import { freePorts } from '../test/helpers/ports.js';
import { pollUntilServed } from './lib/http.js';
import { reloadCount, type Stack } from './lib/stack.js';
import { distribution, type Distribution } from './lib/stats.js';

export interface BurstResult {
  containers: number;
  allRoutableMs: number;
  reloads: number;
  /** Per container: its own `docker start` returned -> first answer through the gateway. */
  lagMs: Distribution;
  /** Where the time went, ms after the starts were issued (from the programs' logs). */
  stages: {
    /** every `docker start` call returned */
    allStartedMs: number;
    /** registrator's last 'registered' line of the burst */
    lastRegisteredMs?: number;
    /** the gateway's last render that changed the routes before all were routable */
    lastRenderMs?: number;
    /** renders whose output changed (the edge reloads; none when the pool matches routes) */
    changedRenders: number;
  };
}

/**
 * Start `count` containers at once; time until every one answers through the gateway. `bridge`:
 * published ports, as in the reference deployment. `host`: host networking (each backend on its
 * own loopback port), which spares Docker the network namespace, veth and docker-proxy per
 * container, to show how much of the burst is Docker's own start time.
 */
export async function burst(
  stack: Stack,
  containers: TestContainers,
  count: number,
  network: 'bridge' | 'host' = 'bridge',
): Promise<BurstResult> {
  const created: { c: Docker.Container; id: string; path: string }[] = [];
  const ports = network === 'host' ? await freePorts(count) : [];
  for (let i = 0; i < count; i++) {
    const id = containers.uniqueName(`burst-${network}-${i}`);
    const path = `${network[0]}${i}`;
    const env = {
      BACKEND_ID: id,
      PATHS: path,
      SERVICE_NAME: `bench-${path}`,
      SERVICE_TAGS: `urlprefix-/${path}/`,
    };
    const port = String(ports[i]);
    const c = await containers.run(
      network === 'host'
        ? {
            name: id,
            start: false,
            networkMode: 'host',
            expose: [port],
            env: { ...env, PORT: `127.0.0.1:${port}` },
          }
        : { name: id, start: false, publish: { '80': '' }, env },
    );
    created.push({ c, id, path });
  }
  const before = await reloadCount(stack);
  const fromLog = stack.logs.length;
  const started = performance.now();
  const startedWall = Date.now();
  const startedAt: number[] = [];
  // Each container is polled from the moment its own start returned (polls of a route that does
  // not exist yet are answered 404 at once), so the lag is the pipeline's share of the burst.
  const lags = await Promise.all(
    created.map(async ({ c, id, path }, i) => {
      await c.start();
      startedAt[i] = performance.now();
      await pollUntilServed(`${stack.gatewayUrl}/${path}/`, id, 30_000, 5);
      return performance.now() - (startedAt[i] as number);
    }),
  );
  const allStartedMs = Math.round(Math.max(...startedAt) - started);
  const allRoutableMs = Math.round(performance.now() - started);
  await new Promise((r) => setTimeout(r, 1_000)); // let trailing reloads land before counting
  const reloads = (await reloadCount(stack)) - before;
  const names = new Set(created.map((x) => x.id));
  const lines = stack.logs.slice(fromLog).flatMap((l) => (l.json ? [l.json] : []));
  const at = (j: Record<string, unknown>): number => Number(j.time) - startedWall;
  const registered = lines.filter(
    (j) => j.msg === 'registered' && names.has(String(j.containerName)),
  );
  const renders = lines.filter((j) => j.msg === 'rendered' && at(j) <= allRoutableMs);
  await Promise.all(created.map(({ c }) => c.remove({ force: true }).catch(() => undefined)));
  return {
    containers: count,
    allRoutableMs,
    reloads,
    lagMs: distribution(lags),
    stages: {
      allStartedMs,
      ...(registered.length ? { lastRegisteredMs: Math.max(...registered.map(at)) } : {}),
      ...(renders.length ? { lastRenderMs: Math.max(...renders.map(at)) } : {}),
      changedRenders: renders.length,
    },
  };
}
