import Docker from 'dockerode';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Child } from '../../common/process/child.js';
import { TEST_IMAGE } from './paths.js';
import { waitFor } from './wait-for.js';

export interface PrivateDockerd {
  /** Path of its API socket. */
  socket: string;
  /** DOCKER_HOST value for programs: unix://<socket>. */
  host: string;
  docker: Docker;
  /** Gracefully stops the daemon and starts it again on the same state (live-restore keeps containers). */
  restart(): Promise<void>;
  /** Removes its containers, stops it, deletes its bridge and state. */
  stop(): Promise<void>;
}

/**
 * A second Docker engine on this machine (its own socket, data root, exec root and bridge), for
 * tests that restart the daemon or need a second "host" without touching the main engine. The
 * test image is copied in from the main engine; nothing is pulled.
 */
export async function startDockerd(
  name: string,
  options: {
    bridgeCidr: string;
    liveRestore?: boolean;
    env?: Record<string, string>;
    /** Run the daemon in this network namespace (`ip netns add`), e.g. a second Swarm node. */
    netns?: string;
  },
): Promise<PrivateDockerd> {
  const root = mkdtempSync(`/tmp/tkd-${name}-`);
  const socket = join(root, 'docker.sock');
  const bridge = `tk-${name}`.slice(0, 15);
  const ip = (...a: string[]) =>
    execa('ip', [...(options.netns ? ['-n', options.netns] : []), ...a]);
  await ip('link', 'del', bridge).catch(() => undefined);
  await ip('link', 'add', 'name', bridge, 'type', 'bridge');
  await ip('addr', 'add', options.bridgeCidr, 'dev', bridge);
  await ip('link', 'set', bridge, 'up');
  const args = [
    '--host',
    `unix://${socket}`,
    '--data-root',
    join(root, 'data'),
    '--exec-root',
    join(root, 'exec'),
    '--pidfile',
    join(root, 'docker.pid'),
    '--bridge',
    bridge,
    // The main engine owns iptables; published ports go through docker-proxy on loopback.
    '--iptables=false',
    '--ip-masq=false',
    '--log-level',
    'warn',
    ...(options.liveRestore === false ? [] : ['--live-restore']),
  ];
  const output: string[] = [];
  let child: Child;
  const docker = new Docker({ socketPath: socket });
  const start = async (): Promise<void> => {
    const [file, argv] = options.netns
      ? ['nsenter', [`--net=/var/run/netns/${options.netns}`, 'dockerd', ...args]]
      : ['dockerd', args];
    child = new Child(file, argv, {
      onLine: (l) => output.push(l),
      ...(options.env ? { env: options.env } : {}),
    });
    await waitFor(() => existsSync(socket) && docker.ping().then(() => true), {
      timeoutMs: 60_000,
      what: `dockerd ${name} (${output.slice(-3).join(' | ')})`,
    });
  };
  await start();
  const images = await docker.listImages({ filters: { reference: [TEST_IMAGE] } });
  if (images.length === 0)
    await execa('sh', ['-c', `docker save ${TEST_IMAGE} | docker -H unix://${socket} load -q`]);
  return {
    socket,
    host: `unix://${socket}`,
    docker,
    async restart() {
      await child.stop('SIGTERM', 20_000);
      await start();
    },
    async stop() {
      const list = await docker.listContainers({ all: true }).catch(() => []);
      await Promise.all(
        list.map((c) =>
          docker
            .getContainer(c.Id)
            .remove({ force: true })
            .catch(() => undefined),
        ),
      );
      await child.stop('SIGTERM', 20_000);
      await ip('link', 'del', bridge).catch(() => undefined);
      // dockerd bind-mounts its data root onto itself and leaves that mount behind.
      const mounts = readFileSync('/proc/mounts', 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[1] ?? '')
        .filter((m) => m.startsWith(root))
        .sort()
        .reverse();
      for (const m of mounts) await execa('umount', ['-l', m], { reject: false });
      rmSync(root, { recursive: true, force: true });
    },
  };
}
