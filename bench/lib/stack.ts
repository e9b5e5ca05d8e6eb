import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child } from '../../common/process/child.js';
import { startConsulAgent, type ConsulAgent } from '../../test/helpers/consul-agent.js';
import { DIST } from '../../test/helpers/paths.js';
import { freePort } from '../../test/helpers/ports.js';
import { waitFor } from '../../test/helpers/wait-for.js';
import { get } from './http.js';

export interface LogLine {
  /** Date.now() when the line arrived. */
  at: number;
  program: string;
  json: Record<string, unknown> | undefined;
  text: string;
}

export interface Stack {
  consul: ConsulAgent;
  registrator: Child;
  gateway: Child;
  gatewayUrl: string;
  statusUrl: string;
  logs: LogLine[];
  stop(): Promise<void>;
}

/** The real pipeline, as users run it: a Consul agent, `registrator` and `gateway` processes. */
export async function startStack(
  options: { registratorArgs?: string[]; gatewayArgs?: string[] } = {},
): Promise<Stack> {
  const consul = await startConsulAgent();
  const logs: LogLine[] = [];
  const collect = (program: string) => (text: string) => {
    let json: Record<string, unknown> | undefined;
    if (text.startsWith('{')) {
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
    }
    logs.push({ at: Date.now(), program, json, text });
  };
  const registrator = new Child(
    process.execPath,
    [
      join(DIST, 'registrator/cli.js'),
      ...(options.registratorArgs ?? []),
      '-ip',
      '127.0.0.1',
      `consul://${consul.addr}`,
    ],
    { onLine: collect('registrator') },
  );
  const [listen, status] = [await freePort(), await freePort()];
  const workDir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
  const gateway = new Child(
    process.execPath,
    [
      join(DIST, 'gateway/cli.js'),
      '--listen',
      `127.0.0.1:${listen}`,
      '--consul-addr',
      consul.addr,
      '--status-addr',
      `127.0.0.1:${status}`,
      '--work-dir',
      workDir,
      ...(options.gatewayArgs ?? []),
    ],
    { onLine: collect('gateway') },
  );
  const statusUrl = `http://127.0.0.1:${status}`;
  await waitFor(async () => (await get(`${statusUrl}/readyz`)).status === 200, {
    timeoutMs: 30_000,
    what: 'gateway /readyz',
  }).catch((e: Error) => {
    throw new Error(
      `${e.message}\n${logs
        .slice(-15)
        .map((l) => `${l.program}: ${l.text}`)
        .join('\n')}`,
    );
  });
  return {
    consul,
    registrator,
    gateway,
    gatewayUrl: `http://127.0.0.1:${listen}`,
    statusUrl,
    logs,
    async stop() {
      await Promise.all([registrator.stop('SIGTERM', 5_000), gateway.stop('SIGTERM', 10_000)]);
      await consul.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** The gateway's reload counter from its Prometheus metrics (any counter named *reload*_total). */
export async function reloadCount(stack: Stack): Promise<number> {
  const text = (await get(`${stack.statusUrl}/metrics`)).body;
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^\w*reloads?_total(\{[^}]*\})?\s+(\d+(?:\.\d+)?)/.exec(line);
    if (m && !/result="(failure|failed|error)"/.test(m[1] ?? '')) total += Number(m[2]);
  }
  return total;
}
