import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { TEST_IMAGE, TEST_LABEL } from './paths.js';

export interface RunOptions {
  name?: string;
  image?: string;
  env?: Record<string, string>;
  labels?: Record<string, string>;
  /** container port ("80" or "80/udp") -> host port ("" for any) published on 127.0.0.1 */
  publish?: Record<string, string>;
  /** container ports ("9000", "53/udp") exposed without publishing them */
  expose?: string[];
  cmd?: string[];
  networkMode?: string;
  healthcheck?: { test: string[]; intervalMs: number; timeoutMs?: number; retries?: number };
  start?: boolean;
}

/**
 * Test containers for one suite: each carries the suite's label, and `cleanup()` force-removes
 * every container with that label, so tests never touch containers they did not create.
 */
export class TestContainers {
  readonly docker: Docker;
  readonly suiteId: string;

  constructor(suite: string, socketPath = '/var/run/docker.sock') {
    this.docker = new Docker({ socketPath });
    this.suiteId = `${suite}-${randomBytes(3).toString('hex')}`;
  }

  get label(): string {
    return `${TEST_LABEL}=${this.suiteId}`;
  }

  uniqueName(base: string): string {
    return `${base}-${this.suiteId}-${randomBytes(2).toString('hex')}`;
  }

  async run(options: RunOptions = {}): Promise<Docker.Container> {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const port of options.expose ?? [])
      exposed[port.includes('/') ? port : `${port}/tcp`] = {};
    for (const [port, host] of Object.entries(options.publish ?? {})) {
      const key = port.includes('/') ? port : `${port}/tcp`;
      exposed[key] = {};
      bindings[key] = [{ HostIp: '127.0.0.1', HostPort: host }];
    }
    const name = options.name ?? this.uniqueName('c');
    const body = {
      Image: options.image ?? TEST_IMAGE,
      Env: Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
      Labels: { ...(options.labels ?? {}), [TEST_LABEL]: this.suiteId },
      ExposedPorts: exposed,
      ...(options.cmd ? { Cmd: options.cmd } : {}),
      ...(options.healthcheck
        ? {
            Healthcheck: {
              Test: options.healthcheck.test,
              Interval: options.healthcheck.intervalMs * 1e6,
              Timeout: (options.healthcheck.timeoutMs ?? 1000) * 1e6,
              Retries: options.healthcheck.retries ?? 1,
            },
          }
        : {}),
      HostConfig: {
        PortBindings: bindings,
        ...(options.networkMode ? { NetworkMode: options.networkMode } : {}),
      },
    };
    // dockerode would also copy every option into the query string, which breaks on large or
    // unusual values (64 KB, lone surrogates) that tests send on purpose: only `name` goes there.
    const container = await this.docker.createContainer({
      _query: { name },
      _body: body,
    } as unknown as Docker.ContainerCreateOptions);
    if (options.start !== false) await container.start();
    return container;
  }

  /** The host port Docker published for `containerPort` ("80/tcp"). */
  async hostPort(container: Docker.Container, containerPort = '80/tcp'): Promise<number> {
    const info = await container.inspect();
    const binding = info.NetworkSettings.Ports[containerPort]?.[0];
    if (!binding) throw new Error(`${containerPort} is not published`);
    return Number(binding.HostPort);
  }

  async cleanup(): Promise<void> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [this.label] } });
    await Promise.all(
      list.map((c) =>
        this.docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
  }
}
