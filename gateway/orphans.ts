import { readFile, readdir } from 'node:fs/promises';
import { socketInodes } from '../common/process/proc-sockets.js';

/**
 * Pids of processes holding the unix socket bound at `socketPath` (Linux /proc). When the nginx
 * master is SIGKILLed its workers live on, holding the listen sockets; the control socket, which
 * only our nginx binds, identifies exactly those workers (never another nginx on the host).
 */
export async function holdersOfUnixSocket(socketPath: string): Promise<number[]> {
  let table: string;
  try {
    table = await readFile('/proc/net/unix', 'utf8');
  } catch {
    return [];
  }
  const inodes = new Set<string>();
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length >= 8 && cols.slice(7).join(' ') === socketPath) inodes.add(cols[6] as string);
  }
  if (inodes.size === 0) return [];
  const pids: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '');
    if (comm.trim() !== 'nginx') continue;
    const held = await socketInodes(entry);
    if ([...inodes].some((inode) => held.has(inode))) pids.push(Number(entry));
  }
  return pids;
}
