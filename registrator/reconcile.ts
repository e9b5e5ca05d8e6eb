import type { DockerSource } from '../common/docker/client.js';
import type { ContainerInspect } from '../common/docker/types.js';
import type { Logger } from '../common/log.js';
import { Apply, containerFields, type ContainerState } from './apply.js';
import { classifyEvent, isStopSignal, shouldDeregisterOnDie } from './events.js';
import type { RegistratorMetrics } from './metrics.js';
import type { Registry } from './registry.js';
import { RegistryAudit } from './registry-audit.js';
import { containerServices, type MappingOptions } from './services.js';
import type { DockerEvent } from '../common/docker/types.js';
import type { ServiceRegistration } from './types.js';

export interface ReconcilerOptions {
  docker: DockerSource;
  registry: Registry;
  mapping: MappingOptions;
  deregister: 'always' | 'on-success';
  drainOnKill: boolean;
  /** How long a killed container that keeps running stays deregistered. */
  drainTimeoutMs: number;
  cleanup: boolean;
  /** Only containers with this label ("key" or "key=value"). */
  requireLabel?: string;
  /** Upper bound of the backoff between retries of failed registry or Docker calls. */
  retryMaxMs: number;
  log: Logger;
  metrics: RegistratorMetrics;
}

/**
 * Keeps the registry in step with the containers: every Docker event and every sync reads the
 * container again and applies the difference between what it should register and what is
 * registered. Work on one container is serial (events apply in order); containers run in
 * parallel. Failed registry calls are retried with backoff, never dropped.
 */
export class Reconciler {
  readonly containers = new Map<string, ContainerState>();
  private readonly apply: Apply;
  private readonly drainTimers = new Map<string, NodeJS.Timeout>();
  private readonly audit: RegistryAudit;

  constructor(private readonly o: ReconcilerOptions) {
    this.apply = new Apply({
      registry: o.registry,
      log: o.log,
      metrics: o.metrics,
      retryMaxMs: o.retryMaxMs,
      resync: (id) => void this.apply.enqueue(id, () => this.sync(id, { cause: 'retry' })),
    });
    this.audit = new RegistryAudit({
      containers: this.containers,
      registry: o.registry,
      apply: this.apply,
      hostname: o.mapping.hostname,
      log: o.log,
      resync: (id) =>
        void this.apply.enqueue(id, () => this.sync(id, { cause: 'registry-lost', force: true })),
    });
  }

  /** Reacts to one Docker event; resolves when the registry reflects it. */
  handleEvent(event: DockerEvent, receivedAt = Date.now()): Promise<void> {
    const action = classifyEvent(event);
    if (action.kind === 'ignore') return Promise.resolve();
    const id = action.containerId;
    const eventTime = event.timeNano ? event.timeNano / 1e6 : receivedAt;
    switch (action.kind) {
      case 'sync': {
        const cause = event.Action.split(':')[0] as string;
        const done = this.apply.enqueue(id, () => this.sync(id, { cause }));
        if (cause !== 'start') return done;
        // Measured here, not in the write: the engine's network connect event often triggers the
        // registration a moment before the start event arrives (inspect waits for the start).
        return done.then(() => {
          if (this.containers.get(id)?.services.size)
            this.o.metrics.registrationLatency.observe(Math.max(0, Date.now() - eventTime) / 1000);
        });
      }
      case 'kill':
        if (!this.o.drainOnKill) return Promise.resolve();
        return this.apply.enqueue(id, () => this.drain(id, action.signal));
      case 'die':
        return this.apply.enqueue(id, () => this.died(id, action.exitCode));
      case 'remove':
        return this.apply.enqueue(id, () => this.sync(id, { cause: 'destroy' }));
    }
  }

  /** Reads the container and registers/deregisters the difference. */
  async sync(id: string, opts: { cause: string; force?: boolean }): Promise<void> {
    let inspect: ContainerInspect | null;
    try {
      inspect = await this.o.docker.inspect(id);
    } catch (error) {
      this.apply.failed('inspect', id, error);
      return;
    }
    const existing = this.containers.get(id);
    if (!inspect || !this.matches(inspect)) {
      if (existing) await this.forget(existing, inspect ? 'filtered' : 'gone');
      return;
    }
    const state = existing ?? this.track(inspect);
    state.name = inspect.Name.replace(/^\//, '');
    state.stopSignal = inspect.Config.StopSignal;
    const paused = inspect.State.Paused;
    if (!inspect.State.Running || paused) {
      if (state.retained && !paused) return;
      const ok = await this.apply.removeAll(state, paused ? 'pause' : 'stopped');
      if (ok && !paused) this.containers.delete(id);
      return;
    }
    state.retained = false;
    let desired: ServiceRegistration[] = [];
    if (state.drainedAt === undefined || Date.now() - state.drainedAt >= this.o.drainTimeoutMs) {
      if (state.drainedAt !== undefined) {
        this.o.log.warn(
          { ...containerFields(state), action: 'undrain' },
          'container still running after the drain timeout: registering it again',
        );
        state.drainedAt = undefined;
      }
      const result = containerServices(inspect, this.o.mapping, await this.networkIp(inspect));
      this.apply.reportWarnings(state, result.warnings);
      desired = result.services;
    }
    await this.apply.apply(state, desired, opts);
  }

  /** Docker delivered a stop signal: deregister now, while the process shuts down. */
  private async drain(id: string, signal: string): Promise<void> {
    const state = this.containers.get(id);
    if (!state || !isStopSignal(signal, state.stopSignal)) return;
    state.drainedAt = Date.now();
    this.o.log.info(
      { ...containerFields(state), action: 'drain', signal },
      'stop signal delivered: deregistering before the container exits',
    );
    await this.apply.removeAll(state, 'kill');
    clearTimeout(this.drainTimers.get(id));
    const timer = setTimeout(() => {
      this.drainTimers.delete(id);
      void this.apply.enqueue(id, () => this.sync(id, { cause: 'drain-timeout' }));
    }, this.o.drainTimeoutMs + 10);
    timer.unref();
    this.drainTimers.set(id, timer);
  }

  private async died(id: string, exitCode: number | undefined): Promise<void> {
    const state = this.containers.get(id);
    if (!state) return;
    state.drainedAt = undefined;
    clearTimeout(this.drainTimers.get(id));
    if (shouldDeregisterOnDie(this.o.deregister, exitCode)) {
      if (await this.apply.removeAll(state, 'die')) this.containers.delete(id);
      return;
    }
    state.retained = true;
    this.o.log.info(
      { ...containerFields(state), exitCode, action: 'keep' },
      'container failed: services kept registered (-deregister on-success)',
    );
  }

  /** Every running container, plus the ones we track; then -cleanup. Throws if Docker fails. */
  async fullSync(opts: { cause: string; force?: boolean }): Promise<void> {
    const ids = await this.o.docker.listContainerIds(
      this.o.requireLabel ? { label: [this.o.requireLabel] } : {},
    );
    const all = [...new Set([...ids, ...this.containers.keys()])];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < all.length) {
        const id = all[next++] as string;
        await this.apply.enqueue(id, () => this.sync(id, opts));
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    if (this.o.cleanup) await this.cleanupDangling();
  }

  /** -cleanup: services with ids this host generated that match no container we register. */
  cleanupDangling(): Promise<void> {
    return this.audit.cleanupDangling();
  }

  /** Re-registers containers whose services vanished from the registry (agent lost state). */
  checkRegistry(): Promise<void> {
    return this.audit.checkRegistry();
  }

  /** Re-sends Docker health states (their TTL checks outlive any quiet period this way). */
  refreshHealth(): Promise<void> {
    return this.audit.refreshHealth();
  }

  servicesCount(): number {
    let n = 0;
    for (const state of this.containers.values()) n += state.services.size;
    return n;
  }

  async stop(): Promise<void> {
    for (const t of this.drainTimers.values()) clearTimeout(t);
    this.drainTimers.clear();
    await this.apply.stop();
  }

  private track(inspect: ContainerInspect): ContainerState {
    const state: ContainerState = {
      id: inspect.Id,
      name: inspect.Name.replace(/^\//, ''),
      services: new Map(),
      retained: false,
      warnings: '',
    };
    this.containers.set(inspect.Id, state);
    return state;
  }

  private async forget(state: ContainerState, reason: string): Promise<void> {
    if (await this.apply.removeAll(state, reason)) this.containers.delete(state.id);
  }

  private matches(inspect: ContainerInspect): boolean {
    if (!this.o.requireLabel) return true;
    const [key, ...rest] = this.o.requireLabel.split('=');
    const value = inspect.Config.Labels?.[key as string];
    return value !== undefined && (rest.length === 0 || value === rest.join('='));
  }

  /** `--network container:<id>` with -internal: the other container's address. */
  private async networkIp(inspect: ContainerInspect): Promise<string | undefined> {
    const mode = inspect.HostConfig.NetworkMode ?? '';
    if (!this.o.mapping.internal || !mode.startsWith('container:')) return undefined;
    const other = await this.o.docker.inspect(mode.slice('container:'.length)).catch(() => null);
    return other?.NetworkSettings.IPAddress || undefined;
  }
}
