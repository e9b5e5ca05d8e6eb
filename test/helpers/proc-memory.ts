import { readdirSync, readFileSync } from 'node:fs';

/** The child pids of `pid` (from /proc/<pid>/stat of every process). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The fields after the command (which may hold spaces) start after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Resident memory of one process in bytes (0 when it is gone). */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Total resident memory of the workers of these nginx masters (the masters themselves idle). */
export function workersRss(masters: readonly number[]): number {
  return masters.flatMap(childPids).reduce((sum, pid) => sum + rssBytes(pid), 0);
}

/** Samples `measure` every `everyMs` until stopped; `stop()` returns the largest sample. */
export function sampleMax(measure: () => number, everyMs = 100): { stop(): number } {
  let max = measure();
  const timer = setInterval(() => (max = Math.max(max, measure())), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(max, measure());
    },
  };
}
