import { readdir, readlink } from 'node:fs/promises';

/**
 * Inodes of the sockets a process holds open (Linux: the `socket:[inode]` links under
 * /proc/<pid>/fd), to match against /proc/net tables. Empty when the process is gone or not
 * readable; a descriptor closed meanwhile is skipped.
 */
export async function socketInodes(pid: number | string): Promise<Set<string>> {
  const inodes = new Set<string>();
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) inodes.add(m[1] as string);
  }
  return inodes;
}
