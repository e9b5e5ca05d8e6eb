import { execa } from 'execa';

export interface CommandResult {
  command: string;
  exitCode: number | undefined;
  signal: string | undefined;
  timedOut: boolean;
  failed: boolean;
  /** stdout and stderr interleaved, capped, for logs. */
  output: string;
  durationMs: number;
}

export interface RunCommandOptions {
  timeoutMs: number;
  cwd?: string;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** Characters of output kept for logs. */
  maxOutput?: number;
}

/**
 * Runs a shell command line (`nginx -s reload`, `systemctl reload x`) the way consul-template
 * does: through /bin/sh, with a timeout (or abort) that kills the whole process group. Never
 * throws for a failing command: the caller logs the result and carries on.
 */
export async function runCommand(
  command: string,
  options: RunCommandOptions,
): Promise<CommandResult> {
  const started = performance.now();
  // A new process group, killed as a whole: a timed-out `sh -c` must not leave a grandchild
  // holding the output pipes open (execa would wait for them to close).
  const subprocess = execa(command, {
    shell: '/bin/sh',
    reject: false,
    all: true,
    stdin: 'ignore',
    detached: true,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.env ? { env: options.env, extendEnv: false } : {}),
  });
  let timedOut = false;
  let forceTimer: NodeJS.Timeout | undefined;
  const killGroup = (): void => {
    if (forceTimer) return;
    signalGroup(subprocess.pid, 'SIGTERM');
    forceTimer = setTimeout(() => signalGroup(subprocess.pid, 'SIGKILL'), 2_000);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, options.timeoutMs);
  if (options.signal?.aborted) killGroup();
  else options.signal?.addEventListener('abort', killGroup, { once: true });
  const result = await subprocess;
  clearTimeout(timer);
  clearTimeout(forceTimer);
  options.signal?.removeEventListener('abort', killGroup);
  const max = options.maxOutput ?? 4_000;
  const all = String(result.all ?? '');
  return {
    command,
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut,
    failed: result.failed || timedOut,
    output: all.length > max ? `${all.slice(0, max)}…` : all,
    durationMs: Math.round(performance.now() - started),
  };
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
