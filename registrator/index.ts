/**
 * registrator as a library: Docker events -> container metadata -> services -> registry.
 *
 *   const r = createRegistrator({ registry: { kind: 'consul', consul, prefix: '' }, logger });
 *   await r.start();   // resolves after the first full sync
 *   await r.stop();    // deregisters nothing, as the original
 */
import type { Server } from 'node:http';
import { hostname as osHostname, networkInterfaces } from 'node:os';
import { DockerodeSource, type DockerSource } from '../common/docker/client.js';
import { parseDockerHost, type DockerEndpoint } from '../common/docker/endpoint.js';
import { describeError, ToolkitError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { retry } from '../common/retry.js';
import { ConsulKvRegistry } from './consulkv-registry.js';
import { ConsulRegistry } from './consul-registry.js';
import { watchDocker } from './docker-watch.js';
import { actionLabel, RegistratorMetrics, serveMetrics } from './metrics.js';
import { Reconciler } from './reconcile.js';
import type { Registry } from './registry.js';
import type { RegistryTarget } from './registry-uri.js';

export type { Registry } from './registry.js';
export type { RegistryTarget } from './registry-uri.js';
export type * from './types.js';
export { parseRegistryUri } from './registry-uri.js';
export { containerServices, imageBaseName, type MappingOptions } from './services.js';
export { consulDefinition, dockerCheckId, checkId } from './consul-registry.js';
export { ConsulRegistry } from './consul-registry.js';
export { ConsulKvRegistry } from './consulkv-registry.js';
export { RegistratorMetrics } from './metrics.js';

export interface RegistratorOptions {
  /** A registry, or where one is (from parseRegistryUri). */
  registry: Registry | RegistryTarget;
  /** A Docker source or endpoint; default: DOCKER_HOST-style resolution of the local socket. */
  docker?: DockerSource | DockerEndpoint;
  logger: Logger;
  hostIp?: string;
  internal?: boolean;
  explicit?: boolean;
  forceTags?: string[];
  useIpFromLabel?: string;
  /** Swarm tasks: register their address on this network (default: their only one). */
  swarmNetwork?: string;
  /** Prefix of generated ids; default: this machine's host name (as the original). */
  hostname?: string;
  /** Address for wildcard bindings without -ip; default: first non-loopback IPv4, else 127.0.0.1. */
  fallbackIp?: string;
  /** -resync in ms; 0 = never. */
  resyncMs?: number;
  cleanup?: boolean;
  deregister?: 'always' | 'on-success';
  /** Startup attempts to reach the registry; -1 / undefined = forever. */
  retryAttempts?: number;
  /** Longest pause between retries (ms). Default 2000. */
  retryIntervalMs?: number;
  drainOnKill?: boolean;
  drainTimeoutMs?: number;
  /** How often to verify the registry still holds our services; 0 disables. Default 2000. */
  registryCheckMs?: number;
  healthRefreshMs?: number;
  requireLabel?: string;
  metricsAddr?: { host: string; port: number };
}

export interface Registrator {
  /** Waits for the registry and Docker (retrying), syncs every running container. */
  start(): Promise<void>;
  /** Stops watching; registered services stay registered. */
  stop(): Promise<void>;
  readonly metrics: RegistratorMetrics;
  readonly reconciler: Reconciler;
  readonly registry: Registry;
  /** The metrics server's port once started (useful with port 0). */
  metricsPort(): number | undefined;
}

export function defaultFallbackIp(): string {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

function makeRegistry(target: Registry | RegistryTarget): Registry {
  if ('register' in target) return target;
  return target.kind === 'consulkv'
    ? new ConsulKvRegistry(target.consul, target.prefix)
    : new ConsulRegistry(target.consul);
}

function makeDocker(docker: RegistratorOptions['docker']): DockerSource {
  if (docker && 'inspect' in docker) return docker;
  return new DockerodeSource(docker ?? parseDockerHost(undefined));
}

export function createRegistrator(options: RegistratorOptions): Registrator {
  const log = options.logger;
  const registry = makeRegistry(options.registry);
  const docker = makeDocker(options.docker);
  const metrics = new RegistratorMetrics();
  const retryMaxMs = options.retryIntervalMs ?? 2000;
  const reconciler = new Reconciler({
    docker,
    registry,
    mapping: {
      ...(options.hostIp ? { hostIp: options.hostIp } : {}),
      fallbackIp: options.fallbackIp ?? defaultFallbackIp(),
      hostname: options.hostname ?? osHostname(),
      internal: options.internal ?? false,
      explicit: options.explicit ?? false,
      forceTags: options.forceTags ?? [],
      ...(options.useIpFromLabel ? { useIpFromLabel: options.useIpFromLabel } : {}),
      ...(options.swarmNetwork ? { swarmNetwork: options.swarmNetwork } : {}),
    },
    deregister: options.deregister ?? 'always',
    drainOnKill: options.drainOnKill ?? true,
    drainTimeoutMs: options.drainTimeoutMs ?? 300_000,
    cleanup: options.cleanup ?? false,
    ...(options.requireLabel ? { requireLabel: options.requireLabel } : {}),
    retryMaxMs,
    log: log.child({ component: 'reconcile' }),
    metrics,
  });
  const abort = new AbortController();
  const timers: NodeJS.Timeout[] = [];
  let watching: Promise<void> | undefined;
  let server: Server | undefined;

  const every = (ms: number | undefined, what: string, fn: () => Promise<void>): void => {
    if (!ms || ms <= 0) return;
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      fn()
        .catch((error: unknown) => log.debug({ err: describeError(error) }, `${what} failed`))
        .finally(() => (busy = false));
    }, ms);
    timer.unref();
    timers.push(timer);
  };

  async function waitForRegistry(): Promise<void> {
    const attempts = options.retryAttempts;
    await retry(() => registry.ping(), {
      attempts: attempts === undefined || attempts <= 0 ? Infinity : attempts + 1,
      initial: Math.min(250, retryMaxMs),
      max: retryMaxMs,
      signal: abort.signal,
      onRetry: (error, attempt, delayMs) =>
        log.warn(
          { err: describeError(error), registry: registry.address, attempt: attempt + 1, delayMs },
          'registry unavailable; retrying',
        ),
    });
    log.info({ registry: registry.address, kind: registry.kind }, 'registry reachable');
  }

  return {
    metrics,
    reconciler,
    registry,
    metricsPort: () => {
      const a = server?.address();
      return a && typeof a === 'object' ? a.port : undefined;
    },
    async start() {
      if (options.metricsAddr) {
        server = await serveMetrics(metrics, options.metricsAddr).catch((error: unknown) => {
          throw new ToolkitError(`-metrics-addr: cannot listen: ${describeError(error)}`, {
            code: 'E_CONFIG',
            cause: error,
          });
        });
        log.info({ metricsPort: (server.address() as { port: number }).port }, 'metrics served');
      }
      await waitForRegistry();
      let firstSync: (() => void) | undefined;
      const synced = new Promise<void>((resolve) => (firstSync = resolve));
      watching = watchDocker({
        docker,
        signal: abort.signal,
        log: log.child({ component: 'docker' }),
        retryMaxMs,
        onEvent: (event) => {
          metrics.events.inc({ action: actionLabel(event.Action) });
          void reconciler.handleEvent(event);
        },
        onConnected: async (reconnect) => {
          await reconciler.fullSync({ cause: reconnect ? 'reconnect' : 'startup' });
          log.info(
            { containers: reconciler.containers.size, services: reconciler.servicesCount() },
            reconnect ? 'resynced after reconnecting to Docker' : 'initial sync done',
          );
          firstSync?.();
        },
        onError: () => metrics.errors.inc({ operation: 'events' }),
      });
      every(options.resyncMs, 'resync', async () => {
        const started = performance.now();
        await reconciler.fullSync({ cause: 'resync', force: true });
        const durationMs = Math.round(performance.now() - started);
        log.info({ containers: reconciler.containers.size, durationMs }, 'resync done');
      });
      every(options.registryCheckMs ?? 2000, 'registry check', () => reconciler.checkRegistry());
      every(options.healthRefreshMs ?? 3_600_000, 'health refresh', () =>
        reconciler.refreshHealth(),
      );
      await Promise.race([
        synced,
        new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve())),
      ]);
    },
    async stop() {
      abort.abort();
      for (const t of timers) clearInterval(t);
      await watching;
      await reconciler.stop();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      registry.close();
    },
  };
}
