import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { childPids } from './stack.js';

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
  return masters.flatMap((m) => childPids(m)).reduce((sum, pid) => sum + rssBytes(pid), 0);
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

/**
 * Bytes in the files under `dir` that the workers of these nginx masters hold open now (temp
 * files of buffered bodies; found through /proc/<pid>/fd, so unlinked ones count too).
 */
export function workersTempBytes(masters: readonly number[], dir: string): number {
  let total = 0;
  for (const pid of masters.flatMap((m) => childPids(m))) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(dir))
          total += statSync(`/proc/${pid}/fd/${fd}`).size;
      } catch {
        // closed meanwhile
      }
    }
  }
  return total;
}

/** CPU time (user + system, ms) the workers of these nginx masters have used so far. */
export function workersCpuMs(masters: readonly number[]): number {
  let ticks = 0;
  for (const pid of masters.flatMap((m) => childPids(m))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
    } catch {
      // gone meanwhile
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}
