import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ToolkitError } from '../common/errors.js';
import type { WorkPaths } from './nginx-config.js';

/** nginx's built-in worker user when its config names none (ours never does) and it runs as root. */
const WORKER_USER = 'nobody';

/** uid and primary gid of a user from /etc/passwd, or undefined. */
export function lookupUser(
  name: string,
  passwd = '/etc/passwd',
): { uid: number; gid: number } | undefined {
  let text: string;
  try {
    text = readFileSync(passwd, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid && gid) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/** The first directory on the way to `path` (from /) that `who` may not traverse, with its mode. */
export function blockingDirectory(
  path: string,
  who: { uid: number; gid: number },
): { dir: string; mode: string; owner: number } | undefined {
  const chain: string[] = [];
  for (let d = path; ; d = dirname(d)) {
    chain.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const dir of chain) {
    const st = statSync(dir);
    const bit = st.uid === who.uid ? 0o100 : st.gid === who.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0)
      return { dir, mode: (st.mode & 0o7777).toString(8).padStart(4, '0'), owner: st.uid };
  }
  return undefined;
}

/**
 * Started as root, nginx runs its workers as `nobody`: they write request bodies under
 * `<work-dir>/tmp` and (reload mode) connect to the pool's socket in the work dir. A work dir they
 * cannot reach (one made by `mktemp -d` is mode 0700) would start, report ready, then answer
 * 500/502. Checked for real (a shell as the worker user enters and writes the directory); on
 * failure the error names the directory that blocks and what to change.
 */
export function checkWorkerAccess(workDir: string, tmpDir: string): void {
  if (process.getuid?.() !== 0) return; // workers run as this same user
  const who = lookupUser(WORKER_USER);
  if (!who) return;
  const probe = spawnSync('/bin/sh', ['-c', 'cd "$1" && test -w .', 'sh', tmpDir], {
    uid: who.uid,
    gid: who.gid,
    stdio: 'ignore',
  });
  if (probe.status === 0) return;
  const block = blockingDirectory(tmpDir, who);
  const where = block
    ? `${block.dir} (mode ${block.mode}, owner uid ${block.owner}) may not be traversed by them`
    : `they cannot write ${tmpDir}`;
  throw new ToolkitError(
    `--work-dir ${workDir}: nginx runs as root, so its worker processes run as ${WORKER_USER}, and ${where}. ` +
      `Choose a --work-dir whose parent directories others may traverse (e.g. /var/lib/gateway), ` +
      `or allow it: chmod o+x ${block?.dir ?? workDir}`,
    { code: 'E_CONFIG' },
  );
}

/**
 * Creates the work dir for a start: folders nginx workers (an unprivileged user when started as
 * root) traverse to reach the sockets and write request bodies to, checked for that user; and
 * nothing rendered yet, so the first render reaches exec (validate + apply).
 */
export async function prepareWorkDir(paths: WorkPaths): Promise<void> {
  const logs = join(paths.root, 'logs');
  for (const d of [paths.root, paths.tmp, paths.pool.tmp, logs, dirname(paths.rendered)])
    await mkdir(d, { recursive: true, mode: 0o755 });
  await chmod(paths.root, 0o755);
  await chmod(paths.tmp, 0o1777);
  await chmod(paths.pool.tmp, 0o1777);
  checkWorkerAccess(paths.root, paths.tmp);
  await rm(paths.rendered, { force: true });
}
