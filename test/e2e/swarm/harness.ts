import type Docker from 'dockerode';
import { execa } from 'execa';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { startDockerd, type PrivateDockerd } from '../../helpers/dockerd.js';
import { get } from '../../helpers/http.js';
import { freePorts } from '../../helpers/ports.js';
import { COMPOSE_DIR, IMAGES, buildImages, standInEnv } from '../compose/harness.js';
import { createNetNs, type NetNs } from './netns.js';

/**
 * A Docker Swarm of private engines (never the shared engine's swarm state) with the stack of
 * compose/swarm-stack.yml deployed on it: a manager engine in this machine's network namespace
 * (its host-mode ports on loopback) and, optionally, a worker engine in a network namespace of
 * its own (a node needs its own VXLAN port 4789), joined over a veth pair. Images come from the
 * main engine (built by the compose harness); nothing is pulled: DOCKER_SERVICE_PREFER_OFFLINE_IMAGE
 * makes Swarm's task manager use the local image instead of asking a registry.
 */

export interface SwarmOptions {
  /** The manager engine's bridge, e.g. "10.214.20.1/24". */
  bridgeCidr: string;
  /** More images to copy into the manager. */
  extraImages?: string[];
  /** A worker node: its namespace's /24 ("10.214.21") and its engine's bridge. */
  worker?: { subnet: string; bridgeCidr: string };
}

export interface SwarmStack {
  engines: PrivateDockerd[];
  stack: string;
  env: Record<string, string>;
  gatewayUrl: string;
  statusUrl: string;
  consulUrl: string;
  /** `docker <args>` against the manager; throws with the output on failure. */
  docker(...args: string[]): Promise<string>;
  /** Running task containers of one service of the stack on every node, oldest first. */
  tasks(service: string): Promise<(Docker.ContainerInfo & { node: number })[]>;
  /** The manager's gateway's servers for the route `/`, per /status; undefined if no answer. */
  upstreams(): Promise<string[] | undefined>;
  /** The container's IP on the stack's overlay network. */
  meshIp(container: Docker.ContainerInfo): string;
  stop(): Promise<void>;
}

const cli =
  (host: string, env: Record<string, string>) =>
  async (...args: string[]): Promise<string> => {
    const r = await execa('docker', args, {
      env: { ...env, DOCKER_HOST: host },
      all: true,
      reject: false,
    });
    if (r.exitCode !== 0) throw new Error(`docker ${args.join(' ')} failed:\n${r.all ?? ''}`);
    return r.stdout;
  };

const engineOptions = (bridgeCidr: string) => ({
  bridgeCidr,
  liveRestore: false, // incompatible with Swarm mode
  env: { DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: '1' },
});

export async function startSwarmStack(name: string, o: SwarmOptions): Promise<SwarmStack> {
  await buildImages();
  const images = await standInEnv();
  const engines: PrivateDockerd[] = [];
  let ns: NetNs | undefined;
  const sockets = mkdtempSync(`/tmp/tkd-${name}-sockets-`);
  const [gateway, status, consul] = (await freePorts(3)) as [number, number, number];
  const env: Record<string, string> = {
    ...images,
    HOST_IP: '127.0.0.1',
    // Every node's engine socket, by Swarm node id (a template Swarm expands per node).
    DOCKER_SOCKET: `${sockets}/{{.Node.ID}}.sock`,
    GATEWAY_PORT: String(gateway),
    GATEWAY_STATUS_PORT: String(status),
    CONSUL_PORT: String(consul),
    GATEWAY_ROUTE_GRACE: '3s',
  };
  /** Leaving the swarm first lets each engine remove its overlay sandboxes (VXLAN port 4789). */
  const stop = async (): Promise<void> => {
    const leave = (e: PrivateDockerd) => cli(e.host, env)('swarm', 'leave', '--force');
    await Promise.all(engines.map((e) => leave(e).catch(() => undefined)));
    await Promise.all(engines.map((e) => e.stop().catch(() => undefined)));
    await ns?.remove();
    rmSync(sockets, { recursive: true, force: true });
  };
  try {
    const manager = await startDockerd(name, engineOptions(o.bridgeCidr));
    engines.push(manager);
    if (o.worker) {
      ns = await createNetNs(`${name}n`, o.worker.subnet);
      const worker = await startDockerd(`${name}w`, {
        ...engineOptions(o.worker.bridgeCidr),
        netns: ns.name,
      });
      engines.push(worker);
    }
    const tar = join(sockets, 'images.tar');
    const all = [...Object.values(IMAGES), images.CONSUL_IMAGE as string, ...(o.extraImages ?? [])];
    await execa('docker', ['save', '-o', tar, ...all]);
    await Promise.all(engines.map((e) => execa('docker', ['-H', e.host, 'load', '-q', '-i', tar])));
    rmSync(tar);
    const docker = cli(manager.host, env);
    const addr = ns?.hostIp ?? '127.0.0.1';
    await docker('swarm', 'init', '--advertise-addr', addr, '--listen-addr', `${addr}:2377`);
    if (ns) {
      const token = await docker('swarm', 'join-token', '-q', 'worker');
      const worker = engines[1] as PrivateDockerd;
      await cli(worker.host, env)(
        ...['swarm', 'join', '--token', token.trim(), '--advertise-addr', ns.nsIp],
        ...['--listen-addr', `${ns.nsIp}:2377`, `${ns.hostIp}:2377`],
      );
    }
    for (const e of engines) {
      const id = await cli(e.host, env)('info', '-f', '{{.Swarm.NodeID}}');
      symlinkSync(e.socket, join(sockets, `${id.trim()}.sock`));
    }
    return swarmStack(name, engines, env, docker, { gateway, status, consul }, stop);
  } catch (error) {
    await stop();
    throw error;
  }
}

function swarmStack(
  stack: string,
  engines: PrivateDockerd[],
  env: Record<string, string>,
  docker: SwarmStack['docker'],
  ports: { gateway: number; status: number; consul: number },
  stop: () => Promise<void>,
): SwarmStack {
  const meshIp = (c: Docker.ContainerInfo): string =>
    c.NetworkSettings?.Networks?.[`${stack}_mesh`]?.IPAddress ?? '';
  return {
    engines,
    stack,
    env,
    gatewayUrl: `http://127.0.0.1:${ports.gateway}`,
    statusUrl: `http://127.0.0.1:${ports.status}`,
    consulUrl: `http://127.0.0.1:${ports.consul}`,
    docker,
    meshIp,
    async tasks(service) {
      const label = [`com.docker.swarm.service.name=${stack}_${service}`];
      const lists = await Promise.all(
        engines.map(async (e, node) =>
          (await e.docker.listContainers({ filters: { label } })).map((c) => ({ ...c, node })),
        ),
      );
      return lists.flat().sort((a, b) => a.Created - b.Created);
    },
    async upstreams() {
      const res = await get(`http://127.0.0.1:${ports.status}/status`).catch(() => undefined);
      if (res?.status !== 200) return undefined;
      const body = JSON.parse(res.body) as {
        routes: { path: string; servers: { target: string }[] }[];
      };
      const route = body.routes.find((r) => r.path === '/');
      return (route?.servers ?? []).map((s) => s.target).sort();
    },
    stop,
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
