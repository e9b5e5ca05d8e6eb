/** The backend-neutral shapes that flow from the Docker stage to the registry stage. */

export type CheckKind = 'http' | 'https' | 'tcp' | 'script' | 'ttl' | 'grpc';

/** One health check built from `SERVICE_[<port>_]CHECK_*` metadata (already validated). */
export interface CheckSpec {
  kind: CheckKind;
  /** http(s): full URL; tcp/grpc: host:port; script: the shell command; ttl: "". */
  target: string;
  interval?: string;
  timeout?: string;
  method?: string;
  ttl?: string;
  initialStatus?: 'passing' | 'warning' | 'critical';
  deregisterAfter?: string;
  tlsSkipVerify?: boolean;
  grpcUseTls?: boolean;
}

/** Docker HEALTHCHECK state of a container, as `health_status` events report it. */
export type DockerHealth = 'starting' | 'healthy' | 'unhealthy';

/** Where a service came from: one port of one container. */
export interface ServiceOrigin {
  containerId: string;
  /** Without the leading slash. */
  containerName: string;
  exposedPort: string;
  protocol: string;
}

/** One service to register: the equivalent of the original's bridge.Service. */
export interface ServiceRegistration {
  id: string;
  name: string;
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
  check?: CheckSpec;
  /** Present when the container has a Docker HEALTHCHECK: the state its Consul check follows. */
  dockerHealth?: DockerHealth;
  origin: ServiceOrigin;
}

/** A metadata value that was skipped, reported once per container with the key that caused it. */
export interface MetadataWarning {
  /** The variable or label name as written, e.g. SERVICE_80_CHECK_INTERVAL. */
  key: string;
  reason: string;
  /** Not a skipped value but a Swarm task problem: no network to register, or a check trap. */
  kind?: 'swarm-network' | 'unreachable-check';
}

/** A service as a registry lists it (enough to deregister it). */
export interface ListedService {
  id: string;
  name: string;
}
