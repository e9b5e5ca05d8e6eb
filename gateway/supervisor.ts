import { rmSync } from 'node:fs';
import { ToolkitError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { backoffDelay } from '../common/retry.js';
import { nginxArgs, readGeneration, type NginxBinary } from './nginx.js';
import { holdersOfUnixSocket } from './orphans.js';

export interface SupervisorOptions {
  nginx: NginxBinary;
  conf: string;
  control: string;
  /** Other unix sockets this nginx binds (nginx refuses to bind over a stale socket file). */
  sockets?: string[];
  logger: Logger;
  startTimeoutMs?: number;
  /** nginx running or not (pid while it runs). */
  onState?: (running: boolean, pid?: number) => void;
  /** nginx died without being asked to; a restart is scheduled after `delayMs`. */
  onCrash?: (exit: ChildExit, delayMs: number, lastLines: string[]) => void;
  onRestart?: () => void;
}

const STABLE_MS = 30_000;

export interface ChildExit {
  exitCode: number | undefined;
  signal: string | undefined;
}

/**
 * Runs the nginx master in the foreground and restarts it with backoff when it dies unexpectedly.
 * nginx reads the live nginx.conf on each start, which only ever holds a validated config.
 */
export class NginxSupervisor {
  private child?: ChildProcess;
  private stopping = false;
  private attempt = 0;
  private timer?: NodeJS.Timeout;
  private lastLines: string[] = [];
  private startedAt = 0;
  private exitedPromise: Promise<void> = Promise.resolve();
  private readonly log: Logger;

  constructor(private readonly o: SupervisorOptions) {
    this.log = o.logger;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /** Starts nginx and resolves once its control socket answers; throws E_NGINX if it exits. */
  async start(): Promise<void> {
    this.stopping = false;
    await this.stopOrphans();
    for (const path of [this.o.control, ...(this.o.sockets ?? [])]) rmSync(path, { force: true });
    this.lastLines = [];
    // Our own spawn, not execa: a master killed outright leaves workers holding its stdio pipes,
    // and the 'exit' event (unlike stream end) still fires at once.
    const child = spawn(this.o.nginx.bin, nginxArgs(this.o.nginx, this.o.conf), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.startedAt = Date.now();
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream?.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString()).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) if (line) this.onLine(line);
      });
    }
    let exited = false;
    const exitedPromise = new Promise<void>((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (exited) return;
        exited = true;
        resolve();
        this.onExit(child, { exitCode: code ?? undefined, signal: signal ?? undefined });
      };
      child.once('exit', done);
      child.once('error', (error) => {
        this.lastLines.push(error.message);
        done(null, null);
      });
    });
    this.exitedPromise = exitedPromise;
    const deadline = Date.now() + (this.o.startTimeoutMs ?? 15_000);
    while (!exited && Date.now() < deadline) {
      if ((await readGeneration(this.o.control, 500)) !== undefined) {
        this.log.info({ nginxPid: child.pid }, 'nginx started');
        this.o.onState?.(true, child.pid);
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    if (!exited) {
      child.kill('SIGKILL');
      await exitedPromise;
    }
    throw new ToolkitError(
      `nginx did not start: ${this.lastLines.slice(-3).join(' | ') || 'no output'}`,
      {
        code: 'E_NGINX',
        retryable: true,
      },
    );
  }

  /** Graceful reload: nginx re-reads nginx.conf, starts new workers, drains the old ones. */
  reload(): boolean {
    return this.running ? (this.child?.kill('SIGHUP') ?? false) : false;
  }

  /** Last resort when the gateway process exits abruptly: nginx must not outlive it. */
  kill(): void {
    this.stopping = true;
    if (this.running) this.child?.kill('SIGTERM');
  }

  /** Graceful stop (SIGQUIT lets workers finish requests), then SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    const child = this.child;
    if (!child || !this.running) return;
    this.log.info({ nginxPid: child.pid }, 'stopping nginx gracefully');
    child.kill('SIGQUIT');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exitedPromise;
    clearTimeout(timer);
  }

  private onExit(child: ChildProcess, exit: ChildExit): void {
    if (child !== this.child) return;
    this.o.onState?.(false);
    if (this.stopping) {
      this.log.info({ exitCode: exit.exitCode, signal: exit.signal }, 'nginx stopped');
      return;
    }
    if (Date.now() - this.startedAt > STABLE_MS) this.attempt = 0;
    const delayMs = backoffDelay(this.attempt++, {
      initial: 200,
      max: 10_000,
      factor: 2,
      jitter: 0.2,
    });
    this.log.error(
      {
        exitCode: exit.exitCode,
        signal: exit.signal,
        restartInMs: delayMs,
        output: this.lastLines.slice(-3),
      },
      'nginx exited unexpectedly; restarting',
    );
    this.o.onCrash?.(exit, delayMs, this.lastLines.slice(-3));
    this.timer = setTimeout(() => void this.restart(), delayMs);
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.start();
      this.o.onRestart?.();
    } catch (error) {
      // start() failing means the child exited (onExit schedules the next try) or hung (killed).
      this.log.error({ err: (error as Error).message }, 'nginx restart failed');
    }
  }

  /**
   * Workers of a master that was killed outright keep the listen sockets (a new master could not
   * bind) and would serve a config that never changes again: drain them (SIGQUIT) first.
   */
  private async stopOrphans(): Promise<void> {
    const pids = await holdersOfUnixSocket(this.o.control);
    if (pids.length === 0) return;
    this.log.warn({ pids }, 'draining workers left by the dead nginx master');
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        // already gone
      }
    }
  }

  private onLine(line: string): void {
    this.lastLines.push(line);
    if (this.lastLines.length > 20) this.lastLines.shift();
    const m = /\[(\w+)\]\s+\d+#\d+:\s*(?:\*\d+\s+)?(.*)$/.exec(line);
    const level = m?.[1] ?? 'error';
    const msg = (m?.[2] ?? line).slice(0, 2000);
    // Failed upstream attempts are retried on the next instance: expected while instances churn.
    const upstream = level === 'error' && msg.includes('upstream');
    if (['emerg', 'alert', 'crit', 'error'].includes(level) && !upstream)
      this.log.error({ nginx: level }, msg);
    else if (upstream) this.log.warn({ nginx: level }, msg);
    else if (level === 'warn') this.log.warn({ nginx: level }, msg);
    else this.log.info({ nginx: level }, msg);
  }
}
