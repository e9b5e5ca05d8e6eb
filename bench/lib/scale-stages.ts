import { distribution, type Distribution } from './stats.js';

/** One change of bench/scale.ts: wall-clock (Date.now()) instants the breakdown needs. */
export interface TimedChange {
  /** Before the PUT /v1/catalog/register. */
  registeredAt: number;
  /** When that PUT returned (the change committed to the Raft log). */
  committedAt?: number;
  /** When the new instance first answered through the gateway. */
  servedAt: number;
}

/** Milliseconds per stage of one change; undefined when a log line was not found. */
export interface ScaleStages {
  /** The register PUT's own time: Raft commit (a server agent syncs its log to disk). */
  commit?: number;
  /**
   * PUT returned -> the catalog summary's answer arrived ('feed answer': the agent computes it),
   * or the service's own blocking answer ('watch answer') when it has a loop of its own.
   */
  consul?: number;
  /** feed answer -> the changed service's new data arrived ('fetched, changed'). */
  fetch?: number;
  /** fetched -> 'rendered' (the route table; from the feed answer when no fetch line). */
  render?: number;
  /** rendered -> 'pool applied' (lua patch PUT to nginx). */
  pool?: number;
  /** pool applied -> first answer through the gateway (nginx workers, the bench's poll). */
  routed?: number;
}

export const SCALE_STAGES = ['commit', 'consul', 'fetch', 'render', 'pool', 'routed'] as const;

interface Line {
  time: number;
  msg: string;
  changed?: number;
}

function parse(raw: readonly string[]): Line[] {
  const out: Line[] = [];
  for (const text of raw) {
    if (!text.startsWith('{')) continue;
    try {
      const j = JSON.parse(text) as { time?: number; msg?: string; changed?: unknown };
      if (typeof j.time !== 'number' || typeof j.msg !== 'string') continue;
      out.push({ time: j.time, msg: j.msg, changed: Number(j.changed ?? 0) });
    } catch {
      continue;
    }
  }
  return out;
}

/**
 * Splits each change by the gateway's debug lines: the first feed answer naming a changed service
 * after the register, the first render after it, the first pool apply after that. Pure.
 */
export function scaleStages(
  raw: readonly string[],
  changes: readonly TimedChange[],
): ScaleStages[] {
  const lines = parse(raw);
  const after = (t: number, ok: (l: Line) => boolean): Line | undefined =>
    lines.find((l) => l.time >= t && ok(l));
  return changes.map((c) => {
    // The catalog feed's answer naming the service, or (every query blocking on its own, as over
    // HTTP/2) the service's own answer: no fetch follows it.
    const feed = after(
      c.registeredAt,
      (l) => (l.msg === 'feed answer' && (l.changed ?? 0) > 0) || l.msg === 'watch answer',
    );
    if (!feed || feed.time > c.servedAt) return {};
    const rendered = after(feed.time, (l) => l.msg.startsWith('rendered'));
    const fetched = after(feed.time, (l) => l.msg === 'fetched, changed');
    const got = fetched && rendered && fetched.time <= rendered.time ? fetched : undefined;
    const applied = rendered && after(rendered.time, (l) => l.msg === 'pool applied');
    const committed = c.committedAt ?? c.registeredAt;
    return {
      ...(c.committedAt !== undefined ? { commit: c.committedAt - c.registeredAt } : {}),
      consul: feed.time - committed,
      ...(got ? { fetch: got.time - feed.time } : {}),
      render: rendered ? rendered.time - (got ?? feed).time : undefined,
      pool: rendered && applied ? applied.time - rendered.time : undefined,
      routed: applied ? c.servedAt - applied.time : undefined,
    };
  });
}

/** p50/p95 per stage over the samples that have it. */
export function stageDistributions(stages: readonly ScaleStages[]): Record<string, Distribution> {
  const out: Record<string, Distribution> = {};
  for (const name of SCALE_STAGES) {
    const values = stages.map((s) => s[name]).filter((v): v is number => v !== undefined);
    if (values.length > 0) out[name] = distribution(values);
  }
  return out;
}
