import { describeError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { containerFields, type Apply, type ContainerState } from './apply.js';
import type { Registry } from './registry.js';

/** Service ids the original generates: "<host>:<container name>:<port>[:udp]". */
const GENERATED_ID = /^(.+?):([a-zA-Z0-9][a-zA-Z0-9_.-]+):[0-9]+(?::udp)?$/;

export interface RegistryAuditOptions {
  /** The reconciler's containers and what it registered for them (read only here). */
  containers: ReadonlyMap<string, ContainerState>;
  registry: Registry;
  apply: Apply;
  /** This host's prefix of generated service ids. */
  hostname: string;
  log: Logger;
  /** Queues a forced re-sync of one container (its services went missing). */
  resync(containerId: string): void;
}

/**
 * Checks that compare the whole registry with what this registrator registered, run on timers
 * (or once at start for -cleanup): dangling services, services the agent lost, health refresh.
 */
export class RegistryAudit {
  constructor(private readonly o: RegistryAuditOptions) {}

  /** -cleanup: services with ids this host generated that match no container we register. */
  async cleanupDangling(): Promise<void> {
    let listed;
    try {
      listed = await this.o.registry.services();
    } catch (error) {
      this.o.apply.failed('cleanup', undefined, error);
      return;
    }
    const ours = new Set<string>();
    for (const state of this.o.containers.values())
      for (const id of state.services.keys()) ours.add(id);
    for (const service of listed) {
      const m = GENERATED_ID.exec(service.id);
      if (!m || m[1] !== this.o.hostname || ours.has(service.id)) continue;
      await this.o.apply.deregisterListed(service, 'cleanup');
    }
  }

  /** Re-registers containers whose services vanished from the registry (agent lost state). */
  async checkRegistry(): Promise<void> {
    const started = Date.now();
    const listed = await this.o.registry.services();
    const present = new Set(listed.map((s) => s.id));
    for (const state of this.o.containers.values()) {
      const lost = [...state.services.values()].filter(
        (r) => r.at < started && !present.has(r.service.id),
      );
      if (lost.length === 0) continue;
      this.o.log.warn(
        {
          ...containerFields(state),
          missing: lost.length,
          action: 'reregister',
        },
        'services missing from the registry (agent restarted?): registering again',
      );
      this.o.resync(state.id);
    }
  }

  /** Re-sends Docker health states (their TTL checks outlive any quiet period this way). */
  async refreshHealth(): Promise<void> {
    for (const state of this.o.containers.values())
      for (const r of state.services.values())
        if (r.service.dockerHealth)
          await this.o.registry
            .setHealth(r.service, r.service.dockerHealth)
            .catch((e: unknown) =>
              this.o.log.debug({ err: describeError(e) }, 'health refresh failed'),
            );
  }
}
