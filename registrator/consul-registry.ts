import { ConsulClient } from '../common/consul/client.js';
import type { ConsulConfig } from '../common/consul/config.js';
import type { ConsulCheckDefinition, ConsulServiceDefinition } from '../common/consul/types.js';
import type { Registry } from './registry.js';
import type { CheckSpec, DockerHealth, ListedService, ServiceRegistration } from './types.js';

/** A TTL long enough that only health_status events (and resyncs) move the Docker check. */
export const DOCKER_CHECK_TTL = '24h';

export function checkId(serviceId: string): string {
  return `service:${serviceId}`;
}

export function dockerCheckId(serviceId: string): string {
  return `service:${serviceId}:docker-health`;
}

function consulCheck(spec: CheckSpec, serviceId: string): ConsulCheckDefinition {
  const check: ConsulCheckDefinition = { CheckID: checkId(serviceId) };
  switch (spec.kind) {
    case 'http':
    case 'https':
      check.HTTP = spec.target;
      if (spec.method) check.Method = spec.method;
      if (spec.tlsSkipVerify) check.TLSSkipVerify = true;
      break;
    case 'tcp':
      check.TCP = spec.target;
      break;
    case 'grpc':
      check.GRPC = spec.target;
      if (spec.grpcUseTls) check.GRPCUseTLS = true;
      break;
    case 'script':
      // Through a shell, so "curl --silent --fail example.com" works (the original passed the
      // whole line as the program name).
      check.Args = ['/bin/sh', '-c', spec.target];
      break;
    case 'ttl':
      check.TTL = spec.ttl as string;
      break;
  }
  if (spec.interval) check.Interval = spec.interval;
  if (spec.timeout) check.Timeout = spec.timeout;
  if (spec.initialStatus) check.Status = spec.initialStatus;
  if (spec.deregisterAfter) check.DeregisterCriticalServiceAfter = spec.deregisterAfter;
  return check;
}

export function healthStatus(health: DockerHealth): 'passing' | 'critical' {
  return health === 'healthy' ? 'passing' : 'critical';
}

/** Our service -> the body of PUT /v1/agent/service/register (pure). */
export function consulDefinition(service: ServiceRegistration): ConsulServiceDefinition {
  const checks: ConsulCheckDefinition[] = [];
  if (service.check) checks.push(consulCheck(service.check, service.id));
  if (service.dockerHealth) {
    checks.push({
      CheckID: dockerCheckId(service.id),
      Name: 'Docker HEALTHCHECK',
      Notes: `follows the health_status of container ${service.origin.containerId.slice(0, 12)}`,
      TTL: DOCKER_CHECK_TTL,
      Status: healthStatus(service.dockerHealth),
    });
  }
  return {
    ID: service.id,
    Name: service.name,
    Tags: service.tags,
    Address: service.address,
    Port: service.port,
    Meta: service.meta,
    ...(checks.length ? { Checks: checks } : {}),
  };
}

/** consul://, consul-tls://, consul-unix://: services on the local agent. */
export class ConsulRegistry implements Registry {
  readonly kind = 'consul';
  readonly client: ConsulClient;

  constructor(config: ConsulConfig) {
    this.client = new ConsulClient(config);
  }

  get address(): string {
    return this.client.address;
  }

  async ping(): Promise<void> {
    await this.client.leader();
  }

  async register(service: ServiceRegistration): Promise<void> {
    await this.client.registerService(consulDefinition(service));
  }

  async deregister(service: ListedService): Promise<void> {
    await this.client.deregisterService(service.id);
  }

  async refresh(): Promise<void> {}

  async services(): Promise<ListedService[]> {
    const services = await this.client.agentServices();
    return Object.values(services).map((s) => ({ id: s.ID, name: s.Service }));
  }

  async setHealth(service: ServiceRegistration, health: DockerHealth): Promise<void> {
    const note = `Docker health_status: ${health}`;
    await this.client.updateTtlCheck(
      dockerCheckId(service.id),
      health === 'healthy' ? 'pass' : 'fail',
      note,
    );
  }

  close(): void {
    this.client.close();
  }
}
