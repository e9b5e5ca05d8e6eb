import type Docker from 'dockerode';
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { ConsulAgentService, ConsulCheck } from '../../../common/consul/types.js';
import {
  createRegistrator,
  type Registrator,
  type RegistratorOptions,
} from '../../../registrator/index.js';
import type { ConsulAgent } from '../../helpers/consul-agent.js';
import { TestContainers } from '../../helpers/containers.js';
import { waitFor } from '../../helpers/wait-for.js';

export interface Harness {
  tc: TestContainers;
  reg: Registrator;
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

/**
 * A registrator (library) on the real Docker engine and a real Consul agent, limited to the
 * containers of its own TestContainers suite, so parallel suites never see each other's.
 */
export async function startRegistrator(
  agent: ConsulAgent,
  suite: string,
  options: Partial<RegistratorOptions> = {},
): Promise<Harness> {
  const tc = new TestContainers(suite);
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n'))
        if (line.startsWith('{')) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const reg = createRegistrator({
    registry: { kind: 'consul', consul: agent.config, prefix: '' },
    logger: pino({ level: process.env.REGISTRATOR_TEST_LOG ?? 'info' }, sink),
    hostIp: '127.0.0.1',
    requireLabel: tc.label,
    retryIntervalMs: 500,
    ...options,
  });
  await reg.start();
  return {
    tc,
    reg,
    logs,
    async stop() {
      await reg.stop();
      await tc.cleanup();
    },
  };
}

export const HOST = hostname();

export async function services(agent: ConsulAgent): Promise<Record<string, ConsulAgentService>> {
  return agent.client.agentServices();
}

export async function checks(agent: ConsulAgent): Promise<Record<string, ConsulCheck>> {
  return agent.client.agentChecks();
}

/** Waits until `id` is registered and returns it. */
export function registered(
  agent: ConsulAgent,
  id: string,
  timeoutMs = 10_000,
): Promise<ConsulAgentService> {
  return waitFor(async () => (await services(agent))[id], { timeoutMs, what: `service ${id}` });
}

export function gone(agent: ConsulAgent, id: string, timeoutMs = 10_000): Promise<true> {
  return waitFor(async () => (await services(agent))[id] === undefined || undefined, {
    timeoutMs,
    what: `service ${id} to be deregistered`,
  });
}

/** Runs `cmd` in a container and waits for it to finish (closing the exec stream, so no socket lingers). */
export async function execIn(container: Docker.Container, cmd: string[]): Promise<void> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = (await exec.start({ hijack: true, stdin: false })) as NodeJS.ReadableStream & {
    destroy(): void;
  };
  stream.resume();
  await new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });
  stream.destroy();
}
