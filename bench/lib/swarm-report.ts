import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadRun, LoadSample } from '../../test/helpers/load.js';
import type { ContainerEvent } from './docker-events.js';
import { distribution } from './stats.js';
import { routableAt, taskTimes, type StageInput } from './swarm-stages.js';

/** The figures of bench/swarm.ts, per front, from the load samples, events and task logs. */

export interface Phase {
  name: string;
  from: number;
  to: number;
}

export interface FrontRun {
  /** The path its requests carry: the task logs name the front by it. */
  path: string;
  run: LoadRun;
  samples: LoadSample[];
}

/** Wall clock when the loads started, and performance.now() then: sample times are relative
 * to it (performance.timeOrigin drifts from this VM's wall clock over minutes). */
export interface Anchor {
  wall: number;
  perf: number;
}

const epoch = (a: Anchor, run: LoadRun, x: LoadSample): number =>
  a.wall + (run.startedAt + x.t - a.perf);

/** "200": 1234, "0 (ECONNRESET)": 3, ... */
function statuses(list: LoadSample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of list) {
    const key = x.status === 0 ? `0 (${x.error ?? '?'})` : String(x.status);
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/** `<id>.listening` (epoch ms) and `<id>.drain` (lines "<epoch> <ms after SIGTERM> <path>"). */
function taskLogs(dir: string): { listening: Map<string, number>; drain: Map<string, string[]> } {
  const listening = new Map<string, number>();
  const drain = new Map<string, string[]>();
  for (const f of readdirSync(dir)) {
    const text = readFileSync(join(dir, f), 'utf8').trim();
    const [id, kind] = f.split('.') as [string, string];
    if (kind === 'listening') listening.set(id, Number(text));
    if (kind === 'drain') drain.set(id, text.split('\n'));
  }
  return { listening, drain };
}

export function swarmReport(
  fronts: Record<string, FrontRun>,
  anchor: Anchor,
  events: ContainerEvent[],
  phases: Phase[],
  logDir: string,
  stages: StageInput,
): Record<string, unknown> {
  const starts = events.filter((e) => e.action === 'start');
  const kills = events.filter((e) => e.action === 'kill' && e.signal === '15');
  const logs = taskLogs(logDir);
  const result: Record<string, unknown> = {
    stages: commonStages(starts, kills, logs.listening, stages),
  };
  for (const [name, { path, run, samples }] of Object.entries(fronts)) {
    const at = (x: LoadSample) => epoch(anchor, run, x);
    const perPhase = phases.map((p) => {
      const inPhase = samples.filter((x) => at(x) >= p.from && at(x) < p.to);
      const failed = inPhase.filter((x) => x.status !== 200).length;
      return { phase: p.name, requests: inPhase.length, failed, statuses: statuses(inPhase) };
    });
    const fromStart: number[] = [];
    const fromListening: number[] = [];
    const startToRoutable: number[] = [];
    const passingToRoutable: number[] = [];
    const routableToFirst: number[] = [];
    for (const e of starts) {
      const id = e.id.slice(0, 12);
      const first = samples.find((x) => x.status === 200 && x.body.startsWith(`${id} `));
      if (!first) continue;
      fromStart.push(at(first) - e.time);
      const listening = logs.listening.get(id);
      if (listening) fromListening.push(at(first) - listening);
      const t = e.name ? taskTimes(stages, e.name) : undefined;
      const passing = t?.passing;
      if (t === undefined || passing === undefined) continue;
      const routable = routableAt(stages, name, { registered: t.registered, passing }, at(first));
      if (routable === undefined) continue;
      startToRoutable.push(routable - e.time);
      passingToRoutable.push(routable - passing);
      routableToFirst.push(at(first) - routable);
    }
    // SIGTERM -> the gateway's pool applied nearest to registrator's 'deregistered' line (that
    // line follows Consul's answer: on a busy machine the gateway may have applied just before).
    const unroutable = kills.flatMap((k) => {
      const gone = k.name ? taskTimes(stages, k.name)?.deregistered : undefined;
      const near = (stages.applied[name] ?? [])
        .filter((t) => t >= k.time)
        .sort((x, y) => Math.abs(x - (gone ?? 0)) - Math.abs(y - (gone ?? 0)))[0];
      return gone === undefined || near === undefined ? [] : [near - k.time];
    });
    const afterSigterm = kills.map((k) => {
      const lines = (logs.drain.get(k.id.slice(0, 12)) ?? []).filter((l) => l.endsWith(` ${path}`));
      return lines.length ? Math.max(...lines.map((l) => Number(l.split(' ')[1]))) : 0;
    });
    result[name] = {
      requests: samples.length,
      failed: samples.filter((x) => x.status !== 200).length,
      perPhase,
      newTask: {
        started: starts.length,
        startToFirstRoutedMs: distribution(fromStart),
        listeningToFirstRoutedMs: distribution(fromListening),
        ...(startToRoutable.length
          ? {
              // From the gateway's log: its first 'pool applied' after the task passed in Consul.
              startToRoutableMs: distribution(startToRoutable),
              passingToRoutableMs: distribution(passingToRoutable),
              routableToFirstRoutedMs: distribution(routableToFirst),
            }
          : {}),
      },
      sigterm: {
        stopped: kills.length,
        lastRequestAfterMs: distribution(afterSigterm),
        reachedAfter200ms: afterSigterm.filter((ms) => ms > 200).length,
        ...(unroutable.length ? { sigtermToUnroutableMs: distribution(unroutable) } : {}),
      },
    };
  }
  return result;
}

/** The stages every front shares: the app's start, registrator's registration, the check,
 * and on SIGTERM registrator's deregistration. */
function commonStages(
  starts: ContainerEvent[],
  kills: ContainerEvent[],
  listening: Map<string, number>,
  stages: StageInput,
): Record<string, unknown> {
  const toListening: number[] = [];
  const toRegistered: number[] = [];
  const toPassing: number[] = [];
  for (const e of starts) {
    const l = listening.get(e.id.slice(0, 12));
    if (l) toListening.push(l - e.time);
    const t = e.name ? taskTimes(stages, e.name) : undefined;
    if (!t) continue;
    toRegistered.push(t.registered - e.time);
    if (t.passing !== undefined) toPassing.push(t.passing - t.registered);
  }
  const toDeregistered = kills.flatMap((k) => {
    const gone = k.name ? taskTimes(stages, k.name)?.deregistered : undefined;
    return gone === undefined ? [] : [gone - k.time];
  });
  return {
    startToListeningMs: distribution(toListening),
    startToRegisteredMs: distribution(toRegistered),
    registeredToPassingMs: distribution(toPassing),
    sigtermToDeregisteredMs: distribution(toDeregistered),
  };
}
