import type { LogLine } from '../../test/helpers/stack.js';
import { distribution, type Distribution } from './stats.js';

/**
 * One start -> routed sample, with the wall-clock (Date.now()) instants the breakdown needs:
 * the programs' pino lines carry `time` from the same clock (same machine).
 */
export interface Timed {
  containerName: string;
  /** Date.now() when `docker start` returned. */
  startedAt: number;
  /** Date.now() when the first request was answered by the container through the gateway. */
  routedAt: number;
}

/** Milliseconds spent in each stage of one sample; undefined when a log line was not found. */
export interface Stages {
  /**
   * `docker start` returned -> registrator's 'registered' (Docker event, inspect, Consul PUT); for
   * removals, `docker stop` called -> 'deregistered' (the kill event, Consul deregistration).
   */
  register?: number;
  /** registered -> gateway 'rendered' (Consul index change, blocking query return, render). */
  render?: number;
  /** rendered -> 'pool applied' (pool: nginx -t, swap, SIGHUP, confirm the new generation). */
  pool?: number;
  /** The pool's `nginx -t` (part of `pool`). */
  poolValidate?: number;
  /** The edge's `nginx -t` (part of `edge`), when the edge changed too. */
  edgeValidate?: number;
  /** pool applied -> 'config applied' (edge: nginx -t, swap, SIGHUP, confirm), new routes only. */
  edge?: number;
  /**
   * Last apply confirmed -> first request answered by the container (for removals: the last one
   * it answered); negative when clients saw the change before the confirmation returned.
   */
  routed?: number;
}

/** The pipeline's stages in order (the report prints them this way too). */
export const STAGES = [
  'register',
  'render',
  'poolValidate',
  'pool',
  'edgeValidate',
  'edge',
  'routed',
] as const;

interface Line {
  time: number;
  program: string;
  msg: string;
  json: Record<string, unknown>;
}

function lines(logs: readonly LogLine[]): Line[] {
  const out: Line[] = [];
  for (const l of logs) {
    const j = l.json;
    if (!j || typeof j.time !== 'number' || typeof j.msg !== 'string') continue;
    out.push({ time: j.time, program: l.program, msg: j.msg, json: j });
  }
  return out;
}

/** The stage durations of one sample, from the registrator's and gateway's log lines. */
export function stagesOf(
  sample: Timed,
  logs: readonly LogLine[],
  event: 'registered' | 'deregistered' = 'registered',
): Stages {
  const all = lines(logs).filter((l) => l.time >= sample.startedAt - 2_000);
  const registered = all.find(
    (l) =>
      l.program === 'registrator' &&
      l.msg === event &&
      l.json.containerName === sample.containerName,
  );
  const s: Stages = {};
  if (!registered) return s;
  s.register = registered.time - sample.startedAt;
  const isRender = (l: Line): boolean =>
    l.program === 'gateway' && (l.msg === 'rendered' || l.msg === 'rendered, unchanged');
  // A start is routable after the last render before it was served (with a health check, the
  // render that followed the check passing); a removal, after the first render that followed it.
  const renders = all.filter((l) => isRender(l) && l.time >= registered.time);
  const rendered =
    event === 'registered'
      ? (renders.filter((l) => l.time <= sample.routedAt).pop() ?? renders[0])
      : renders[0];
  if (!rendered) return s;
  s.render = rendered.time - registered.time;
  const after = (t: number, msg: string): Line | undefined =>
    all.find((l) => l.time >= t && l.program === 'gateway' && l.msg === msg);
  const pool = after(rendered.time, 'pool applied');
  let last = rendered.time;
  if (pool) {
    s.pool = pool.time - rendered.time;
    if (typeof pool.json.validateMs === 'number') s.poolValidate = pool.json.validateMs;
    last = pool.time;
    // The edge applies after the pool, in the same round, only when the rendered routes changed.
    const edge = rendered.msg === 'rendered' ? after(pool.time, 'config applied') : undefined;
    if (edge) {
      s.edge = edge.time - pool.time;
      if (typeof edge.json.validateMs === 'number') s.edgeValidate = edge.json.validateMs;
      last = edge.time;
    }
  }
  s.routed = sample.routedAt - last;
  return s;
}

/** p50/p95/max of every stage over the samples that have it. */
export function stageBreakdown(
  samples: readonly Timed[],
  logs: readonly LogLine[],
  event: 'registered' | 'deregistered' = 'registered',
): Partial<Record<(typeof STAGES)[number], Distribution>> {
  const per = samples.map((s) => stagesOf(s, logs, event));
  const out: Partial<Record<(typeof STAGES)[number], Distribution>> = {};
  for (const k of STAGES) {
    const values = per.map((p) => p[k]).filter((v): v is number => typeof v === 'number');
    if (values.length) out[k] = distribution(values);
  }
  return out;
}
