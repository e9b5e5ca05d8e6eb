import type Docker from 'dockerode';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startDockerd, type PrivateDockerd } from '../../helpers/dockerd.js';
import { get } from '../../helpers/http.js';
import { ROOT } from '../../helpers/paths.js';

/**
 * What the compose end-to-end tests share: images built once per run on the main engine (the
 * stand-in base images and Docker's layer cache make a second run cheap), private Docker
 * engines that play the hosts (so no other suite's containers reach our registrators, and ours
 * reach no one else's), and a small wrapper around docker-compose 1.29 / Compose v2.
 */

export const COMPOSE_DIR = join(ROOT, 'compose');
export const IMAGES = {
  registrator: 'docker-consul-gateway/registrator:latest',
  gateway: 'docker-consul-gateway/gateway:latest',
  demo: 'docker-consul-gateway/demo:latest',
};

/** Build arguments and image names pointing at the local stand-ins (no registry needed). */
export async function standInEnv(): Promise<Record<string, string>> {
  const { stdout } = await execa('bash', [
    join(COMPOSE_DIR, 'build-base-images.sh'),
    '--print-env',
  ]);
  return Object.fromEntries(
    stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => l.split('=', 2) as [string, string]),
  );
}

export interface BuildTimes {
  baseImagesMs: number;
  imagesMs: number;
}

let built: Promise<BuildTimes> | undefined;

/** Stand-in base images, then the stacks' images through `docker-compose build`; once per run. */
export function buildImages(): Promise<BuildTimes> {
  built ??= (async () => {
    let t = performance.now();
    await execa('bash', [join(COMPOSE_DIR, 'build-base-images.sh')], { stdio: 'inherit' });
    const baseImagesMs = performance.now() - t;
    t = performance.now();
    const env = { ...(await standInEnv()), HOST_IP: '127.0.0.1' };
    await execa(
      'docker-compose',
      ['-f', join(COMPOSE_DIR, 'single-host.yml'), 'build', 'registrator', 'gateway', 'web'],
      { env, all: true },
    ).catch((e: Error & { all?: string }) => {
      throw new Error(`docker-compose build failed:\n${(e.all ?? e.message).slice(-4000)}`);
    });
    const imagesMs = performance.now() - t;
    // Replaced versions of our images (each source change makes new ones); only ours, by label.
    for (const name of ['registrator', 'gateway', 'demo'])
      await execa('docker', [
        'image',
        'prune',
        '-f',
        '--filter',
        `label=org.opencontainers.image.title=docker-consul-gateway-${name}`,
      ]);
    process.stdout.write(
      `      images: base stand-ins ${(baseImagesMs / 1000).toFixed(1)} s, ` +
        `registrator/gateway/demo ${(imagesMs / 1000).toFixed(1)} s\n`,
    );
    return { baseImagesMs, imagesMs };
  })();
  return built;
}

/**
 * The pool mode a gateway reports at the top of its /status (`lua`: Debian's nginx with the lua
 * module, the image's default; `reload`: an nginx without it); undefined while it does not answer.
 */
export async function gatewayMode(statusUrl: string): Promise<string | undefined> {
  const res = await get(`${statusUrl}/status`);
  return res.status === 200 ? (JSON.parse(res.body) as { mode?: string }).mode : undefined;
}

/** A private engine ("host") with the stacks' images copied in from the main engine. */
export async function startHost(name: string, bridgeCidr: string): Promise<PrivateDockerd> {
  const engine = await startDockerd(name, { bridgeCidr, liveRestore: false });
  try {
    const { CONSUL_IMAGE } = await standInEnv();
    const images = [...Object.values(IMAGES), CONSUL_IMAGE as string].join(' ');
    await execa('sh', ['-c', `docker save ${images} | docker -H ${engine.host} load -q`]);
  } catch (error) {
    await engine.stop();
    throw error;
  }
  return engine;
}

/** Compose v2 when compose/fetch-compose-v2.sh can provide it, else undefined. */
export async function composeV2(): Promise<string | undefined> {
  const result = await execa('bash', [join(COMPOSE_DIR, 'fetch-compose-v2.sh')], {
    reject: false,
  });
  const bin = result.stdout.trim().split('\n').pop() ?? '';
  return result.exitCode === 0 && existsSync(bin) ? bin : undefined;
}

export class ComposeProject {
  readonly output: string[] = [];

  constructor(
    readonly options: {
      /** docker-compose (1.29) or the Compose v2 binary. */
      bin: string;
      file: string;
      project: string;
      engine: PrivateDockerd;
      env: Record<string, string>;
    },
  ) {}

  async run(...args: string[]): Promise<string> {
    const { bin, file, project, engine, env } = this.options;
    const result = await execa(bin, ['-p', project, '-f', join(COMPOSE_DIR, file), ...args], {
      env: { ...env, DOCKER_HOST: engine.host, COMPOSE_INTERACTIVE_NO_CLI: '1' },
      all: true,
      reject: false,
    });
    this.output.push(`$ ${bin} ${args.join(' ')}\n${result.all ?? ''}`);
    if (result.exitCode !== 0)
      throw new Error(`${bin} ${args.join(' ')} failed:\n${(result.all ?? '').slice(-3000)}`);
    return result.stdout;
  }

  /** Containers of one service (all states), oldest first. */
  async containers(service?: string): Promise<Docker.ContainerInfo[]> {
    const label = [`com.docker.compose.project=${this.options.project}`];
    if (service) label.push(`com.docker.compose.service=${service}`);
    const list = await this.options.engine.docker.listContainers({ all: true, filters: { label } });
    return list.sort((a, b) => a.Created - b.Created);
  }

  async logs(service: string): Promise<string> {
    return this.run('logs', '--no-color', service).catch((e: Error) => e.message);
  }

  /** Everything compose created for this project that is still there. */
  async leftovers(): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
    const docker = this.options.engine.docker;
    const label = [`com.docker.compose.project=${this.options.project}`];
    const [containers, networks, volumes] = await Promise.all([
      docker.listContainers({ all: true, filters: { label } }),
      docker.listNetworks({ filters: { label } }),
      docker.listVolumes({ filters: { label } }),
    ]);
    return {
      containers: containers.map((c) => c.Names[0] ?? c.Id),
      networks: networks.map((n) => n.Name),
      volumes: (volumes.Volumes ?? []).map((v) => v.Name),
    };
  }

  /** Everything on the whole (private) engine besides its default networks. */
  async engineLeftovers(): Promise<{
    containers: string[];
    networks: string[];
    volumes: string[];
  }> {
    const docker = this.options.engine.docker;
    const [containers, networks, volumes] = await Promise.all([
      docker.listContainers({ all: true }),
      docker.listNetworks(),
      docker.listVolumes(),
    ]);
    return {
      containers: containers.map((c) => c.Names[0] ?? c.Id),
      networks: networks.map((n) => n.Name).filter((n) => !['bridge', 'host', 'none'].includes(n)),
      volumes: (volumes.Volumes ?? []).map((v) => v.Name),
    };
  }

  /** Full teardown; safe to call twice. */
  async down(): Promise<void> {
    await this.run('down', '--volumes', '--remove-orphans', '--timeout', '5');
  }
}
