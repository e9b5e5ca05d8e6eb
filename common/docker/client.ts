import Docker from 'dockerode';
import { ToolkitError } from '../errors.js';
import { describeDocker, type DockerEndpoint } from './endpoint.js';
import type { ContainerInspect, DockerEvent } from './types.js';

/** The narrow view of the Docker engine that registrator and the tests need. */
export interface DockerSource {
  readonly address: string;
  ping(): Promise<void>;
  /** Ids of containers; running ones unless `all`. */
  listContainerIds(options?: { all?: boolean; label?: string[] }): Promise<string[]>;
  /** null when the container no longer exists. */
  inspect(id: string): Promise<ContainerInspect | null>;
  /**
   * One event stream; ends (or throws) when the connection drops. `onOpen` runs once the engine
   * accepted the subscription, before any event: list containers after it and nothing is missed.
   */
  events(options: {
    since?: number;
    signal?: AbortSignal;
    onOpen?: () => void;
  }): AsyncIterable<DockerEvent>;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EACCES',
]);

export function dockerError(error: unknown, what: string): ToolkitError {
  const err = error as Error & { statusCode?: number; code?: string };
  if (err.statusCode !== undefined) {
    return new ToolkitError(`docker: ${what} answered ${err.statusCode}: ${err.message}`, {
      code: err.statusCode >= 500 ? 'E_DOCKER_UNAVAILABLE' : 'E_DOCKER_REQUEST',
      retryable: err.statusCode >= 500,
      cause: error,
    });
  }
  return new ToolkitError(`docker: ${what} failed: ${err.code ?? err.message}`, {
    code: 'E_DOCKER_UNAVAILABLE',
    retryable: err.code === undefined || CONNECTION_CODES.has(err.code),
    cause: error,
  });
}

export class DockerodeSource implements DockerSource {
  readonly address: string;
  readonly docker: Docker;

  constructor(endpoint: DockerEndpoint) {
    this.address = describeDocker(endpoint);
    this.docker = new Docker(endpoint);
  }

  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (error) {
      throw dockerError(error, 'ping');
    }
  }

  async listContainerIds(options: { all?: boolean; label?: string[] } = {}): Promise<string[]> {
    try {
      const filters = options.label ? { label: options.label } : undefined;
      const list = await this.docker.listContainers({
        all: options.all ?? false,
        ...(filters ? { filters } : {}),
      });
      return list.map((c) => c.Id);
    } catch (error) {
      throw dockerError(error, 'list containers');
    }
  }

  async inspect(id: string): Promise<ContainerInspect | null> {
    try {
      return (await this.docker.getContainer(id).inspect()) as unknown as ContainerInspect;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return null;
      throw dockerError(error, `inspect ${id.slice(0, 12)}`);
    }
  }

  async *events(options: {
    since?: number;
    signal?: AbortSignal;
    onOpen?: () => void;
  }): AsyncIterable<DockerEvent> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await this.docker.getEvents({
        ...(options.since === undefined ? {} : { since: options.since }),
        filters: { type: ['container', 'network'] },
      })) as NodeJS.ReadableStream;
    } catch (error) {
      throw dockerError(error, 'events');
    }
    const destroy = (): void => void (stream as unknown as { destroy(): void }).destroy();
    options.signal?.addEventListener('abort', destroy, { once: true });
    options.onOpen?.();
    try {
      yield* parseJsonLines(stream);
    } finally {
      options.signal?.removeEventListener('abort', destroy);
      destroy();
    }
  }
}

/** Docker streams events as JSON objects separated by newlines, split across chunks at random. */
async function* parseJsonLines(stream: NodeJS.ReadableStream): AsyncIterable<DockerEvent> {
  let buffer = '';
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line) yield JSON.parse(line) as DockerEvent;
    }
  }
}
