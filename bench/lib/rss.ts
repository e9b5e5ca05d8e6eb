import { readFileSync, readdirSync } from 'node:fs';

/** Resident set size of one process in MB (0 when it is gone). */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round((kb / 1024) * 10) / 10;
  } catch {
    return 0;
  }
}

/** Pids of the direct children of `pid` whose command name matches `name`. */
export function childPids(pid: number, name?: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
      if (m && Number(m[2]) === pid && (name === undefined || m[1] === name))
        out.push(Number(entry));
    } catch {
      // process went away
    }
  }
  return out;
}

/** nginx master (child of the gateway) plus its workers, summed. */
export function nginxRssMb(gatewayPid: number): number {
  let total = 0;
  for (const master of childPids(gatewayPid, 'nginx')) {
    total += rssMb(master);
    for (const worker of childPids(master, 'nginx')) total += rssMb(worker);
  }
  return Math.round(total * 10) / 10;
}
