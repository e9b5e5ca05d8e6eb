import { readFileSync } from 'node:fs';
import { childPids } from '../../test/helpers/stack.js';

export { childPids };

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

/** nginx master (child of the gateway) plus its workers, summed. */
export function nginxRssMb(gatewayPid: number): number {
  let total = 0;
  for (const master of childPids(gatewayPid, 'nginx')) {
    total += rssMb(master);
    for (const worker of childPids(master, 'nginx')) total += rssMb(worker);
  }
  return Math.round(total * 10) / 10;
}
