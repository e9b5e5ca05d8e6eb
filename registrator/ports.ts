import type { ContainerInspect, PortBinding } from '../common/docker/types.js';

/** One container port and where it is reachable, as the original's bridge.ServicePort. */
export interface ServicePort {
  exposedPort: string;
  protocol: string;
  /** "" when the port is not published on the host. */
  hostPort: string;
  /** The binding's host address; "0.0.0.0" when it listens on every address. */
  hostIp: string;
  /** The container's own address (bridge IP or the first network's). */
  exposedIp: string;
}

function containerIp(inspect: ContainerInspect): string {
  const settings = inspect.NetworkSettings;
  if (settings.IPAddress) return settings.IPAddress;
  const networks = Object.keys(settings.Networks ?? {}).sort();
  for (const name of networks) {
    const ip = settings.Networks?.[name]?.IPAddress;
    if (ip) return ip;
  }
  return '';
}

function servicePort(
  key: string,
  published: PortBinding[] | null | undefined,
  exposedIp: string,
): ServicePort {
  const [port, protocol] = key.split('/') as [string, string | undefined];
  const first = published?.[0];
  return {
    exposedPort: port,
    protocol: protocol ?? 'tcp',
    hostPort: first?.HostPort ?? '',
    hostIp: first?.HostIp || '0.0.0.0',
    exposedIp,
  };
}

/**
 * The ports to register, sorted by number then protocol. Exposed ports count as published on
 * the same port (host network mode has no port map); the runtime port map, when present,
 * overrides that. Without `internal`, ports not published on the host are left out.
 */
export function servicePorts(inspect: ContainerInspect, internal: boolean): ServicePort[] {
  const ip = containerIp(inspect);
  const ports = new Map<string, ServicePort>();
  for (const key of Object.keys(inspect.Config.ExposedPorts ?? {})) {
    const port = key.split('/')[0] as string;
    ports.set(key, servicePort(key, [{ HostIp: '0.0.0.0', HostPort: port }], ip));
  }
  for (const [key, published] of Object.entries(inspect.NetworkSettings.Ports ?? {})) {
    ports.set(key, servicePort(key, published, ip));
  }
  return [...ports.values()]
    .filter((p) => internal || p.hostPort !== '')
    .filter((p) => /^\d+$/.test(p.exposedPort))
    .sort(
      (a, b) =>
        Number(a.exposedPort) - Number(b.exposedPort) || a.protocol.localeCompare(b.protocol),
    );
}

export function isWildcardIp(ip: string): boolean {
  return ip === '' || ip === '0.0.0.0' || ip === '::' || ip === '[::]';
}
