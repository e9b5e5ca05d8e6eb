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

export interface LogLine {
  time: number;
  msg: string;
  serviceId?: string;
}

/** The JSON log lines with one of `messages` that the containers of a Swarm service wrote. */
export async function serviceLog(
  docker: Docker,
  service: string,
  messages: string[],
): Promise<LogLine[]> {
  const label = [`com.docker.swarm.service.name=${service}`];
  const lines: LogLine[] = [];
  for (const c of await docker.listContainers({ all: true, filters: { label } })) {
    const raw = await docker.getContainer(c.Id).logs({ stdout: true, stderr: true });
    for (const line of raw.toString('latin1').split('\n')) {
      const at = line.indexOf('{');
      if (at === -1 || !messages.some((m) => line.includes(`"${m}"`))) continue;
      try {
        const l = JSON.parse(line.slice(at)) as LogLine;
        if (messages.includes(l.msg)) lines.push(l);
      } catch {
        // a line broken by the log stream's frame header: skip it
      }
    }
  }
  return lines.sort((x, y) => x.time - y.time);
}

export interface StageInput {
  consul: Map<string, ConsulSeen>;
  /** registrator's 'registered' and 'deregistered' lines (its clock: no lag of the bench's). */
  registrator: LogLine[];
  /** Per front that logs 'pool applied' (the two gateways): epoch ms, sorted. */
  applied: Record<string, number[]>;
}

const idOf = (s: StageInput, name: string): string | undefined =>
  [...s.consul.keys(), ...s.registrator.map((l) => l.serviceId ?? '')].find((id) =>
    id.includes(`:${name}:`),
  );

/** A task's registration (registrator's log) and first passing state (registration plus the
 * delay the bench's watcher saw between the two). registrator's id holds the container name. */
export function taskTimes(
  s: StageInput,
  name: string,
): { registered: number; passing?: number; deregistered?: number } | undefined {
  const id = idOf(s, name);
  const line = (msg: string) => s.registrator.find((l) => l.msg === msg && l.serviceId === id);
  const registered = line('registered')?.time;
  if (!id || registered === undefined) return undefined;
  const seen = s.consul.get(id);
  const passing =
    seen?.passing === undefined ? undefined : registered + seen.passing - seen.registered;
  return { registered, passing, deregistered: line('deregistered')?.time };
}

/** When `front` could first route to the task: its first pool applied once the task passed,
 * or, if the task's first request through it came earlier (the bench's watcher lags behind
 * the gateway's under load), the last one between the registration and that request. */
export function routableAt(
  s: StageInput,
  front: string,
  task: { registered: number; passing: number },
  firstRequest: number,
): number | undefined {
  const applied = s.applied[front] ?? [];
  const after = applied.find((t) => t >= task.passing);
  if (after !== undefined && after <= firstRequest) return after;
  return applied.filter((t) => t >= task.registered && t <= firstRequest).pop() ?? after;
}
