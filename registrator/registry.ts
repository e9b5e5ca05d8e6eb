import type { ListedService, ServiceRegistration, DockerHealth } from './types.js';

/**
 * The registry interface, as the original's five-method adapter (ping, register, deregister,
 * refresh, services) plus the Docker health hook. One implementation per URI scheme; every
 * failure is a ToolkitError (unavailability marked retryable).
 */
export interface Registry {
  /** "consul", "consulkv". */
  readonly kind: string;
  /** Where it points, for logs; never contains a token. */
  readonly address: string;
  ping(): Promise<void>;
  register(service: ServiceRegistration): Promise<void>;
  deregister(service: ListedService): Promise<void>;
  /** Keep a TTL alive (no-op for Consul, as in the original). */
  refresh(service: ServiceRegistration): Promise<void>;
  /** Every service the registry knows on this agent (or under the KV prefix). */
  services(): Promise<ListedService[]>;
  /** Moves the Docker-health check of `service` to `health`; no-op where checks do not exist. */
  setHealth(service: ServiceRegistration, health: DockerHealth): Promise<void>;
  close(): void;
}
