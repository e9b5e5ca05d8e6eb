import type Docker from 'dockerode';
import { request } from 'node:http';

/**
 * Where the time goes between a task container's start and its first routed request
 * (bench/swarm.ts): when Consul first lists the task's instance (registrator's part), when its
 * checks first pass (the check's part) and when a gateway next applied its pool ('pool applied'
 * in its log). All on this machine's clock (the private engine, Consul and the gateways run
 * here).
 */

export interface ConsulSeen {
  /** Epoch ms when a blocking query first returned the instance. */
  registered: number;
  /** Epoch ms when it first returned it with every check passing. */
  passing?: number;
}

interface HealthEntry {
  Service: { ID: string };
  Checks: { Status: string; ServiceID: string }[];
}

function getJson(url: string): Promise<{ index: string; body: HealthEntry[] }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 70_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () =>
        resolve({
          index: String(res.headers['x-consul-index'] ?? '0'),
          body: res.statusCode === 200 ? (JSON.parse(text) as HealthEntry[]) : [],
        }),
      );
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Watches one service's instances through blocking queries until stopped. */
export function watchConsul(
  consulUrl: string,
  service: string,
): { stop(): Map<string, ConsulSeen> } {
  const seen = new Map<string, ConsulSeen>();
  let stopped = false;
  const loop = async (): Promise<void> => {
    let index = '0';
    while (!stopped) {
      try {
        const r = await getJson(
          `${consulUrl}/v1/health/service/${service}?index=${index}&wait=60s`,
        );
        const now = Date.now();
        index = r.index;
        for (const e of r.body) {
          const s = seen.get(e.Service.ID) ?? { registered: now };
          const checks = e.Checks.filter((c) => c.ServiceID === e.Service.ID);
          if (s.passing === undefined && checks.every((c) => c.Status === 'passing'))
            s.passing = now;
          seen.set(e.Service.ID, s);
        }
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  void loop();
  return {
    stop() {
      stopped = true;
      return seen;
    },
  };
}

/** Epoch ms of every 'pool applied' line the containers of a Swarm service logged. */
export async function poolApplied(docker: Docker, service: string): Promise<number[]> {
  const label = [`com.docker.swarm.service.name=${service}`];
  const times: number[] = [];
  for (const c of await docker.listContainers({ all: true, filters: { label } })) {
    const raw = await docker.getContainer(c.Id).logs({ stdout: true, stderr: true });
    for (const line of raw.toString('latin1').split('\n')) {
      const at = line.indexOf('{');
      if (at === -1 || !line.includes('"pool applied"')) continue;
      try {
        times.push((JSON.parse(line.slice(at)) as { time: number }).time);
      } catch {
        // a line broken by the log stream's frame header: skip it
      }
    }
  }
  return times.sort((a, b) => a - b);
}

export interface StageInput {
  consul: Map<string, ConsulSeen>;
  /** Per front that logs 'pool applied' (the two gateways). */
  applied: Record<string, number[]>;
}

/** A task's instance in Consul: registrator's id holds its container name (":<name>:"). */
export const consulEntry = (s: StageInput, name: string): ConsulSeen | undefined =>
  [...s.consul.entries()].find(([id]) => id.includes(`:${name}:`))?.[1];

/** When `front` could first route to the task: its first pool applied once the task passed. */
export function routableAt(s: StageInput, front: string, name: string): number | undefined {
  const c = consulEntry(s, name);
  const ready = c?.passing;
  if (ready === undefined) return undefined;
  return s.applied[front]?.find((t) => t >= ready);
}
