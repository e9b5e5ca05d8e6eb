import type Docker from 'dockerode';
import { execa } from 'execa';
import { join } from 'node:path';
import { startDockerd, type PrivateDockerd } from '../../helpers/dockerd.js';
import { get } from '../../helpers/http.js';
import { freePorts } from '../../helpers/ports.js';
import { COMPOSE_DIR, IMAGES, buildImages, standInEnv } from '../compose/harness.js';

/**
 * A one-node Docker Swarm on a private engine (never the shared engine's swarm state), with
 * the stack of compose/swarm-stack.yml deployed on it. Images come from the main engine (built
 * by the compose harness); nothing is pulled: DOCKER_SERVICE_PREFER_OFFLINE_IMAGE makes Swarm's
 * task manager use the local image instead of asking a registry.
 */

export interface SwarmStack {
  engine: PrivateDockerd;
  stack: string;
  env: Record<string, string>;
  gatewayUrl: string;
  statusUrl: string;
  consulUrl: string;
  /** `docker <args>` against the private engine; throws with the output on failure. */
  docker(...args: string[]): Promise<string>;
  /** Running task containers of one service of the stack, oldest first. */
  tasks(service: string): Promise<Docker.ContainerInfo[]>;
  /** The gateway's servers for the route `/`, per its /status; undefined if it did not answer. */
  upstreams(): Promise<string[] | undefined>;
  /** The container's IP on the stack's overlay network. */
  meshIp(container: Docker.ContainerInfo): string;
  stop(): Promise<void>;
}

export async function startSwarmStack(
  name: string,
  bridgeCidr: string,
  extraImages: string[] = [],
): Promise<SwarmStack> {
  await buildImages();
  const images = await standInEnv();
  const engine = await startDockerd(name, {
    bridgeCidr,
    liveRestore: false, // incompatible with Swarm mode
    env: { DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: '1' },
  });
  const docker = async (...args: string[]): Promise<string> => {
    const r = await execa('docker', args, {
      env: { DOCKER_HOST: engine.host, ...env },
      all: true,
      reject: false,
    });
    if (r.exitCode !== 0) throw new Error(`docker ${args.join(' ')} failed:\n${r.all ?? ''}`);
    return r.stdout;
  };
  const [gateway, status, consul] = (await freePorts(3)) as [number, number, number];
  const stack = name;
  const env: Record<string, string> = {
    ...images,
    HOST_IP: '127.0.0.1',
    DOCKER_SOCKET: engine.socket,
    GATEWAY_PORT: String(gateway),
    GATEWAY_STATUS_PORT: String(status),
    CONSUL_PORT: String(consul),
    GATEWAY_ROUTE_GRACE: '3s',
  };
  try {
    const all = [...Object.values(IMAGES), images.CONSUL_IMAGE as string, ...extraImages].join(' ');
    await execa('sh', ['-c', `docker save ${all} | docker -H ${engine.host} load -q`]);
    await docker('swarm', 'init', '--advertise-addr', '127.0.0.1');
  } catch (error) {
    await engine.stop();
    throw error;
  }
  const meshIp = (c: Docker.ContainerInfo): string =>
    c.NetworkSettings?.Networks?.[`${stack}_mesh`]?.IPAddress ?? '';
  return {
    engine,
    stack,
    env,
    gatewayUrl: `http://127.0.0.1:${gateway}`,
    statusUrl: `http://127.0.0.1:${status}`,
    consulUrl: `http://127.0.0.1:${consul}`,
    docker,
    meshIp,
    async tasks(service) {
      const list = await engine.docker.listContainers({
        filters: { label: [`com.docker.swarm.service.name=${stack}_${service}`] },
      });
      return list.sort((a, b) => a.Created - b.Created);
    },
    async upstreams() {
      const res = await get(`http://127.0.0.1:${status}/status`).catch(() => undefined);
      if (res?.status !== 200) return undefined;
      const body = JSON.parse(res.body) as {
        routes: { path: string; servers: { target: string }[] }[];
      };
      const route = body.routes.find((r) => r.path === '/');
      return (route?.servers ?? []).map((s) => s.target).sort();
    },
    async stop() {
      await docker('stack', 'rm', stack).catch(() => undefined);
      await docker('swarm', 'leave', '--force').catch(() => undefined);
      await engine.stop();
    },
  };
}

/** `docker stack deploy` of compose/swarm-stack.yml. */
export function deployStack(s: SwarmStack): Promise<string> {
  return s.docker(
    'stack',
    'deploy',
    '--resolve-image',
    'never',
    '-c',
    join(COMPOSE_DIR, 'swarm-stack.yml'),
    s.stack,
  );
}
