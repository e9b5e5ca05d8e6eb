import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Child } from '../../../common/process/child.js';
import { startConsulAgent, type ConsulAgent } from '../../helpers/consul-agent.js';
import type { TestContainers } from '../../helpers/containers.js';
import { get } from '../../helpers/http.js';
import { freePorts } from '../../helpers/ports.js';
import { startProgram } from '../../helpers/programs.js';
import { waitServedBy } from '../../helpers/routing.js';
import { waitFor } from '../../helpers/wait-for.js';

export interface E2eStack {
  consul: ConsulAgent;
  registrator: Child & { lines: string[] };
  gateway: Child & { lines: string[] };
  url: string;
  statusUrl: string;
  workDir: string;
  tail(n?: number): string;
  stop(): Promise<void>;
}

/**
 * Consul dev agent + the real registrator CLI (only this suite's containers, by label) + the real
 * gateway CLI, both run from source as users run them.
 */
export async function startE2eStack(
  containers: TestContainers,
  gatewayArgs: string[] = [],
): Promise<E2eStack> {
  const consul = await startConsulAgent();
  const [listen, status] = (await freePorts(2)) as [number, number];
  const workDir = mkdtempSync(join(tmpdir(), 'gw-e2e-'));
  const registrator = startProgram('registrator', [
    '-require-label',
    containers.label,
    '-ip',
    '127.0.0.1',
    `consul://${consul.addr}`,
  ]);
  const gateway = startProgram('gateway', [
    '--listen',
    `127.0.0.1:${listen}`,
    '--consul-addr',
    consul.addr,
    '--status-addr',
    `127.0.0.1:${status}`,
    '--work-dir',
    workDir,
    '--log-level',
    'info',
    ...gatewayArgs,
  ]);
  const statusUrl = `http://127.0.0.1:${status}`;
  const tail = (n = 20): string =>
    [
      ...registrator.lines.slice(-n).map((l) => `registrator: ${l}`),
      ...gateway.lines.slice(-n).map((l) => `gateway: ${l}`),
    ].join('\n');
  const stack: E2eStack = {
    consul,
    registrator,
    gateway,
    url: `http://127.0.0.1:${listen}`,
    statusUrl,
    workDir,
    tail,
    async stop() {
      await Promise.all([registrator.stop('SIGTERM', 5_000), gateway.stop('SIGTERM', 15_000)]);
      await consul.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
  await waitFor(async () => (await get(`${statusUrl}/readyz`)).status === 200, {
    timeoutMs: 30_000,
    what: 'gateway /readyz',
  }).catch(async (e: Error) => {
    const message = `${e.message}\n${tail()}`;
    await stack.stop();
    throw new Error(message);
  });
  return stack;
}

/** SERVICE_* env for a routed test backend with an HTTP check, passing from the start. */
export function routedEnv(
  service: string,
  id: string,
  tags: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    BACKEND_ID: id,
    SERVICE_NAME: service,
    SERVICE_TAGS: tags,
    SERVICE_80_CHECK_HTTP: '/health',
    SERVICE_80_CHECK_INTERVAL: '1s',
    SERVICE_CHECK_INITIAL_STATUS: 'passing',
    STOP_DELAY: '1',
    ...extra,
  };
}

/** Until one whole window of answers from `url` comes from exactly `ids` (test/helpers/routing.ts). */
export async function waitServedExactly(
  url: string,
  ids: readonly string[],
  timeoutMs = 30_000,
): Promise<void> {
  await waitServedBy(url, ids, { only: true, timeoutMs });
}
