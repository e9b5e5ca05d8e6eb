import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child } from '../../common/process/child.js';
import { ROOT } from '../../test/helpers/paths.js';
import { freePorts } from '../../test/helpers/ports.js';
import { waitFor } from '../../test/helpers/wait-for.js';
import { get } from './http.js';

export interface BuiltGateway {
  pid: number;
  url: string;
  statusUrl: string;
  /** Its output so far, for failure messages. */
  lines: string[];
  /** `/status`, parsed. */
  status(): Promise<Record<string, unknown>>;
  /** The sum of a counter's series on `/metrics` (every label set). */
  counter(name: string): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The built gateway (dist/, so `npm run build` first) as users run it: its defaults, except the
 * loopback listen and status addresses, the agent and a temporary work dir. Resolves once
 * `/readyz` answers 200. `extraArgs` go last (a variant of the defaults).
 */
export async function startBuiltGateway(
  consulAddr: string,
  extraArgs: readonly string[] = [],
): Promise<BuiltGateway> {
  const cli = join(ROOT, 'dist/gateway/cli.js');
  if (!existsSync(cli)) throw new Error('dist/gateway/cli.js missing: npm run build first');
  const [listen, statusPort] = (await freePorts(2)) as [number, number];
  const workDir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
  const statusUrl = `http://127.0.0.1:${statusPort}`;
  const lines: string[] = [];
  const gw = new Child(
    process.execPath,
    [cli, '--listen', `127.0.0.1:${listen}`, '--status-addr', `127.0.0.1:${statusPort}`].concat(
      '--consul-addr',
      consulAddr,
      '--work-dir',
      workDir,
      ...extraArgs,
    ),
    { cwd: ROOT, onLine: (line) => void lines.push(line) },
  );
  const stop = async (): Promise<void> => {
    await gw.stop('SIGTERM', 15_000);
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => (await get(`${statusUrl}/readyz`)).status === 200, {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: `gateway ready (${lines.slice(-3).join(' | ')})`,
    });
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return {
    pid: gw.pid as number,
    url: `http://127.0.0.1:${listen}`,
    statusUrl,
    lines,
    status: async () => JSON.parse((await get(`${statusUrl}/status`, 10_000)).body),
    counter: async (name) => {
      const text = (await get(`${statusUrl}/metrics`, 10_000)).body;
      return text
        .split('\n')
        .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
        .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    },
    stop,
  };
}
