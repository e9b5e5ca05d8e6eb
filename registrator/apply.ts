import { describeError, isRetryable } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { backoffDelay } from '../common/retry.js';
import type { RegistratorMetrics } from './metrics.js';
import type { Registry } from './registry.js';
import type { ListedService, MetadataWarning, ServiceRegistration } from './types.js';

const WARNING_MESSAGES = {
  'swarm-network': 'Swarm task without a network to register',
  'unreachable-check': 'Consul check on an overlay address',
} as const;

/** What registrator knows about one container. */
export interface ContainerState {
  id: string;
  name: string;
  /** Service id -> what was registered and when (ms). */
  services: Map<string, { service: ServiceRegistration; at: number }>;
  /** Set by a stop signal (kill event); cleared by die. */
  drainedAt?: number;
  /** Died with a failure under -deregister on-success: keep its services. */
  retained: boolean;
  /** The last warnings reported, so each is logged once, not on every sync. */
  warnings: string;
  stopSignal?: string;
}

/** The fields every log line about a container carries (short id, as `docker ps` shows it). */
export const containerFields = (state: Pick<ContainerState, 'id' | 'name'>) => ({
  containerId: state.id.slice(0, 12),
  containerName: state.name,
});

export interface ApplyOptions {
  registry: Registry;
  log: Logger;
  metrics: RegistratorMetrics;
  retryMaxMs: number;
  /** Schedules a new sync of a container (after a retryable failure). */
  resync: (containerId: string) => void;
}

/** Comparable form of a registration: everything but the Docker health state. */
function shape(service: ServiceRegistration): string {
  return JSON.stringify({ ...service, dockerHealth: service.dockerHealth !== undefined });
}

/**
 * Registry writes for containers: one serial queue per container, register/deregister with
 * logs and metrics, and a backoff retry per container after retryable failures.
 */
export class Apply {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly retries = new Map<string, { attempt: number; timer?: NodeJS.Timeout }>();
  /** Container id -> its last logged failure (operation + message). */
  private readonly lastFailure = new Map<string, string>();
  private stopped = false;

  constructor(private readonly o: ApplyOptions) {}

  enqueue(id: string, op: () => Promise<void>): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const prev = this.queues.get(id) ?? Promise.resolve();
    const next: Promise<void> = prev
      .then(() => (this.stopped ? undefined : op()))
      .catch((error: unknown) => this.failed('sync', id, error))
      .finally(() => {
        if (this.queues.get(id) === next) this.queues.delete(id);
      });
    this.queues.set(id, next);
    return next;
  }

  /** Makes the registry hold exactly `desired` for this container. */
  async apply(
    state: ContainerState,
    desired: ServiceRegistration[],
    opts: { cause: string; force?: boolean },
  ): Promise<boolean> {
    const want = new Map(desired.map((s) => [s.id, s]));
    const ops: Promise<boolean>[] = [];
    for (const { service } of state.services.values())
      if (!want.has(service.id)) ops.push(this.deregister(state, service, opts.cause));
    for (const service of desired) {
      const prev = state.services.get(service.id);
      if (!prev || opts.force || shape(prev.service) !== shape(service))
        ops.push(this.register(state, service));
      else if (prev.service.dockerHealth !== service.dockerHealth)
        ops.push(this.setHealth(state, service));
    }
    return this.settle(state.id, await Promise.all(ops));
  }

  async removeAll(state: ContainerState, reason: string): Promise<boolean> {
    const ops = [...state.services.values()].map((r) => this.deregister(state, r.service, reason));
    return this.settle(state.id, await Promise.all(ops));
  }

  async deregisterListed(service: ListedService, reason: string): Promise<void> {
    try {
      await this.o.registry.deregister(service);
      this.o.metrics.deregistrations.inc({ reason });
      this.o.log.info({ serviceId: service.id, action: 'deregister', reason }, 'deregistered');
    } catch (error) {
      this.failed('deregister', undefined, error);
    }
  }

  reportWarnings(state: ContainerState, warnings: MetadataWarning[]): void {
    const key = JSON.stringify(warnings);
    if (key === state.warnings) return;
    state.warnings = key;
    for (const w of warnings) {
      if (w.kind === 'swarm-network') this.o.metrics.swarmUnaddressed.inc();
      else this.o.metrics.warnings.inc();
      this.o.log.warn(
        {
          ...containerFields(state),
          key: w.key,
          reason: w.reason,
        },
        w.kind ? WARNING_MESSAGES[w.kind] : 'invalid container metadata skipped',
      );
    }
  }

  /**
   * Counts and logs a failure; retryable ones schedule a new sync of the container. A failure
   * that repeats the container's previous one is logged at debug level: one clear line per
   * problem, not one per retry.
   */
  failed(operation: string, containerId: string | undefined, error: unknown, name?: string): void {
    this.o.metrics.errors.inc({ operation });
    const retry = containerId !== undefined && isRetryable(error);
    const err = describeError(error);
    const repeat =
      containerId !== undefined && this.lastFailure.get(containerId) === operation + err;
    if (containerId !== undefined) this.lastFailure.set(containerId, operation + err);
    this.o.log[repeat ? 'debug' : retry ? 'warn' : 'error'](
      {
        ...(containerId ? { containerId: containerId.slice(0, 12) } : {}),
        ...(name ? { containerName: name } : {}),
        operation,
        err,
      },
      retry ? `${operation} failed; retrying` : `${operation} failed`,
    );
    if (retry) this.scheduleRetry(containerId);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const r of this.retries.values()) clearTimeout(r.timer);
    this.retries.clear();
    await Promise.all([...this.queues.values()]);
  }

  private settle(id: string, results: boolean[]): boolean {
    const ok = results.every(Boolean);
    if (ok) {
      this.lastFailure.delete(id);
      const retry = this.retries.get(id);
      if (retry && !retry.timer) this.retries.delete(id);
    }
    this.o.metrics.services.set(this.total);
    return ok;
  }

  /** Services registered by this instance (the registrator_services gauge). */
  total = 0;

  private scheduleRetry(id: string): void {
    const retry = this.retries.get(id) ?? { attempt: 0 };
    if (retry.timer || this.stopped) return;
    const delay = backoffDelay(retry.attempt++, {
      initial: 100,
      max: this.o.retryMaxMs,
      factor: 2,
      jitter: 0.2,
    });
    retry.timer = setTimeout(() => {
      retry.timer = undefined;
      this.o.resync(id);
    }, delay);
    retry.timer.unref();
    this.retries.set(id, retry);
  }

  private async register(state: ContainerState, service: ServiceRegistration): Promise<boolean> {
    try {
      await this.o.registry.register(service);
    } catch (error) {
      this.failed('register', state.id, error, state.name);
      return !isRetryable(error);
    }
    if (!state.services.has(service.id)) this.total++;
    state.services.set(service.id, { service, at: Date.now() });
    this.o.metrics.registrations.inc();
    this.o.log.info(
      {
        ...containerFields(state),
        serviceId: service.id,
        service: service.name,
        address: service.address,
        port: service.port,
        action: 'register',
      },
      'registered',
    );
    return true;
  }

  private async deregister(
    state: ContainerState,
    service: ServiceRegistration,
    reason: string,
  ): Promise<boolean> {
    try {
      await this.o.registry.deregister(service);
    } catch (error) {
      this.failed('deregister', state.id, error, state.name);
      if (isRetryable(error)) return false;
      // 4xx: the registry does not know it (anymore); nothing left to remove.
    }
    if (state.services.delete(service.id)) this.total--;
    this.o.metrics.deregistrations.inc({ reason });
    this.o.log.info(
      {
        ...containerFields(state),
        serviceId: service.id,
        action: 'deregister',
        reason,
      },
      'deregistered',
    );
    return true;
  }

  private async setHealth(state: ContainerState, service: ServiceRegistration): Promise<boolean> {
    const health = service.dockerHealth;
    if (!health) return true;
    try {
      await this.o.registry.setHealth(service, health);
    } catch (error) {
      this.failed('health', state.id, error, state.name);
      return !isRetryable(error);
    }
    state.services.set(service.id, { service, at: Date.now() });
    this.o.log.info(
      { ...containerFields(state), serviceId: service.id, health, action: 'health' },
      'Docker health state forwarded',
    );
    return true;
  }
}
