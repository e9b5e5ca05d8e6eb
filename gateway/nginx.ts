import { request } from 'node:http';
import { execa } from 'execa';
import { abortableSleep } from '../common/sleep.js';

/** The nginx binary as the gateway drives it: test a config, ask the live config's generation. */
export interface NginxBinary {
  bin: string;
  /** `-p` prefix: the work dir (relative paths in configs resolve against it). */
  prefix: string;
}

export interface TestResult {
  ok: boolean;
  /** nginx's own message (the `[emerg]` line) when the test failed. */
  message: string;
  durationMs: number;
}

/** Arguments that start nginx in the foreground on `conf` (errors before the config loads go to stderr). */
export function nginxArgs(nginx: NginxBinary, conf: string): string[] {
  return ['-p', nginx.prefix, '-e', 'stderr', '-c', conf];
}

/** `nginx -t` against a full configuration; never throws for an invalid config. */
export async function testConfig(nginx: NginxBinary, conf: string): Promise<TestResult> {
  const started = performance.now();
  const r = await execa(nginx.bin, ['-t', '-q', ...nginxArgs(nginx, conf)], {
    reject: false,
    all: true,
    stdin: 'ignore',
    timeout: 30_000,
  });
  const output = String(r.all ?? '').trim();
  const durationMs = Math.round(performance.now() - started);
  if (r.exitCode === 0) return { ok: true, message: '', durationMs };
  const emerg = output.split('\n').find((l) => /\[(emerg|alert|crit)\]/.test(l));
  const message = (emerg ?? output.split('\n')[0] ?? `exit ${r.exitCode}`)
    .replace(/^nginx: /, '')
    .slice(0, 1000);
  return { ok: false, message: message || 'nginx -t failed', durationMs };
}

const CONFIRM_POLL_MS = 2;

/** The generation the live nginx answers with on the control socket, or undefined. */
export function readGeneration(socketPath: string, timeoutMs = 1_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(
      { socketPath, path: '/__gateway/generation', timeout: timeoutMs, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(res.statusCode === 200 ? body.trim() : undefined));
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/**
 * Polls the control socket until nginx answers with `generation`: new workers answer only once
 * they run the new config. Old workers keep accepting for ~100 ms after a reload (nginx's master
 * sleeps that long before shutting them down), so each poll lands on an old or a new worker by
 * chance: polling every 2 ms (a local socket, a few dozen tiny requests per reload) confirms
 * within a few ms of the new workers answering; at 15 ms the confirmation trailed by up to ~80 ms,
 * and the edge apply waits for the pool's (bench/README.md).
 */
export async function confirmGeneration(
  socketPath: string,
  generation: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await readGeneration(socketPath)) === String(generation)) return true;
    if (Date.now() > deadline || signal?.aborted) return false;
    await abortableSleep(CONFIRM_POLL_MS, signal).catch(() => undefined);
  }
}
