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
 * does: through /bin/sh, with a timeout that kills the whole process group. Never throws for a
 * failing command: the caller logs the result and carries on.
 */
export async function runCommand(
  command: string,
  options: RunCommandOptions,
): Promise<CommandResult> {
  const started = performance.now();
  const result = await execa(command, {
    shell: '/bin/sh',
    reject: false,
    all: true,
    stdin: 'ignore',
    timeout: options.timeoutMs,
    killSignal: 'SIGTERM',
    forceKillAfterDelay: 2_000,
    cleanup: true,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.env ? { env: options.env, extendEnv: false } : {}),
    ...(options.signal ? { cancelSignal: options.signal } : {}),
  });
  const max = options.maxOutput ?? 4_000;
  const all = String(result.all ?? '');
  return {
    command,
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut: result.timedOut,
    failed: result.failed,
    output: all.length > max ? `${all.slice(0, max)}…` : all,
    durationMs: Math.round(performance.now() - started),
  };
}
