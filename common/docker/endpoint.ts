import { existsSync } from 'node:fs';
import { configError } from '../errors.js';

export interface DockerEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
}

/** Where registrator and the test harness find the engine when DOCKER_HOST is unset. */
export const DEFAULT_SOCKETS = ['/var/run/docker.sock', '/tmp/docker.sock'];

/**
 * Resolves DOCKER_HOST ("unix:///var/run/docker.sock", "tcp://127.0.0.1:2375") or, when unset,
 * the standard socket, falling back to /tmp/docker.sock where the reference setup mounts it.
 */
export function parseDockerHost(
  value: string | undefined,
  exists: (p: string) => boolean = existsSync,
): DockerEndpoint {
  if (value === undefined || value.trim() === '') {
    const found = DEFAULT_SOCKETS.find((p) => exists(p));
    return { socketPath: found ?? (DEFAULT_SOCKETS[0] as string) };
  }
  const text = value.trim();
  if (text.startsWith('unix://')) return { socketPath: text.slice('unix://'.length) };
  if (text.startsWith('/')) return { socketPath: text };
  const m = /^(tcp|http|https):\/\/([^:/]+)(?::(\d+))?\/?$/.exec(text);
  if (!m) throw configError('DOCKER_HOST', 'unix:///path/docker.sock or tcp://host:port', value);
  return {
    host: m[2] as string,
    port: m[3] ? Number(m[3]) : 2375,
    protocol: m[1] === 'https' ? 'https' : 'http',
  };
}

export function describeDocker(endpoint: DockerEndpoint): string {
  return endpoint.socketPath
    ? `unix://${endpoint.socketPath}`
    : `${endpoint.protocol}://${endpoint.host}:${endpoint.port}`;
}
