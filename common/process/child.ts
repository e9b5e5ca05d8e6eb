import { execa, type ResultPromise } from 'execa';

export interface ChildExit {
  exitCode: number | undefined;
  signal: string | undefined;
}

export interface ChildOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Called with each line the child writes to stdout or stderr. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** A long-running child process (nginx, a Consul agent) with a graceful stop. */
export class Child {
  readonly pid: number | undefined;
  readonly exited: Promise<ChildExit>;
  private readonly proc: ResultPromise;
  private done = false;

  constructor(file: string, args: readonly string[], options: ChildOptions = {}) {
    this.proc = execa(file, args, {
      reject: false,
      stdin: 'ignore',
      buffer: false,
      cleanup: true,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
    this.pid = this.proc.pid;
    const onLine = options.onLine;
    if (onLine) {
      for (const name of ['stdout', 'stderr'] as const) {
        let rest = '';
        this.proc[name]?.on('data', (chunk: Buffer) => {
          const lines = (rest + chunk.toString()).split('\n');
          rest = lines.pop() ?? '';
          for (const line of lines) if (line) onLine(line, name);
        });
      }
    }
    this.exited = this.proc.then(
      (r) => {
        this.done = true;
        return { exitCode: r.exitCode, signal: r.signal };
      },
      () => {
        this.done = true;
        return { exitCode: undefined, signal: undefined };
      },
    );
  }

  get running(): boolean {
    return !this.done;
  }

  kill(signal: NodeJS.Signals): boolean {
    return this.done ? false : this.proc.kill(signal);
  }

  /** Sends `signal`, waits up to `graceMs`, then SIGKILL. Resolves when the child is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<ChildExit> {
    if (this.done) return this.exited;
    this.proc.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.proc.kill('SIGKILL');
        resolve();
      }, graceMs);
    });
    await Promise.race([this.exited, forced]);
    clearTimeout(timer);
    return this.exited;
  }
}
