import type { ContainerInspect } from '../common/docker/types.js';
import { buildCheck } from './checks.js';
import { MetaReader } from './meta-reader.js';
import { combineTags, metadataEntries, portMetadata, splitTags } from './metadata.js';
import { isWildcardIp, servicePorts, type ServicePort } from './ports.js';
import { swarmTask, taskAddress, taskMeta, taskPorts, usesHostNetwork } from './swarm.js';
import type { SwarmTask } from './swarm.js';
import type { DockerHealth, MetadataWarning, ServiceRegistration } from './types.js';
import * as v from './validate.js';

/** The options of the container -> services mapping (the original's bridge.Config). */
export interface MappingOptions {
  /** -ip: address for ports published on the host. */
  hostIp?: string;
  /** Address used when neither -ip nor a specific binding address is known. */
  fallbackIp: string;
  /** Prefix of generated service ids (the original uses the host name). */
  hostname: string;
  internal: boolean;
  explicit: boolean;
  /** -tags, appended to every service. */
  forceTags: string[];
  /** -useIpFromLabel: label holding the address to register. */
  useIpFromLabel?: string;
  /** -swarm-network: the network whose address Swarm tasks register (else their only one). */
  swarmNetwork?: string;
}

export interface MappingResult {
  services: ServiceRegistration[];
  warnings: MetadataWarning[];
}

/** Metadata keys that configure the registration and never become Consul Meta. */
const RESERVED = new Set(['name', 'id', 'tags', 'ignore', 'ip', 'port', 'network']);

/** Check kinds the Consul agent runs itself, against the registered address. */
const AGENT_CHECKS = new Set(['http', 'https', 'tcp', 'grpc']);

/** "registry:5000/team/app:1.2@sha256:..." -> "app". */
export function imageBaseName(image: string): string {
  const noDigest = image.split('@')[0] as string;
  const base = noDigest.slice(noDigest.lastIndexOf('/') + 1);
  return base.split(':')[0] || base;
}

export function dockerHealth(inspect: ContainerInspect): DockerHealth | undefined {
  const test = inspect.Config.Healthcheck?.Test;
  if (!test || test.length === 0 || test[0] === 'NONE') return undefined;
  const status = inspect.State.Health?.Status;
  return status === 'healthy' || status === 'unhealthy' ? status : 'starting';
}

/**
 * Container inspect data -> the services to register (pure). Running-ness is the caller's
 * concern. `networkContainerIp` is the address of the container named by
 * `--network container:<id>`, looked up by the caller.
 */
export function containerServices(
  inspect: ContainerInspect,
  options: MappingOptions,
  networkContainerIp?: string,
): MappingResult {
  const warnings: MetadataWarning[] = [];
  const entries = metadataEntries(inspect.Config.Env, inspect.Config.Labels);
  const found = swarmTask(inspect);
  const task = found && !usesHostNetwork(inspect) ? found : undefined;
  const ports = task ? taskPorts(inspect, entries) : servicePorts(inspect, options.internal);
  const isGroup = ports.length > 1;
  const services: ServiceRegistration[] = [];
  const ids = new Set<string>();
  for (const port of ports) {
    const reader = new MetaReader(portMetadata(entries, port.exposedPort));
    const service = portService(inspect, port, reader, options, isGroup, networkContainerIp, task);
    warnings.push(...reader.warnings);
    if (!service) continue;
    if (ids.has(service.id)) {
      // A global SERVICE_ID on a container with several ports: keep ids unique.
      service.id = `${service.id}:${port.exposedPort}${port.protocol === 'udp' ? ':udp' : ''}`;
    }
    ids.add(service.id);
    services.push(service);
  }
  return { services, warnings: dedupe(warnings) };
}

function portService(
  inspect: ContainerInspect,
  port: ServicePort,
  r: MetaReader,
  options: MappingOptions,
  isGroup: boolean,
  networkContainerIp: string | undefined,
  task: SwarmTask | undefined,
): ServiceRegistration | undefined {
  if (r.has('ignore')) return undefined;
  const explicitName = r.get('name', v.identifier);
  if (explicitName === undefined && options.explicit) return undefined;
  const containerName = inspect.Name.replace(/^\//, '');
  let name = explicitName ?? (task ? task.service : imageBaseName(inspect.Config.Image));
  if (isGroup && !r.meta.get('name')?.fromPort) name += `-${port.exposedPort}`;

  let address: string;
  let portNumber: number;
  let overlay: string | undefined;
  if (task && (options.internal || port.hostPort === '')) {
    // A task is reached on its overlay network at the container port (no routing mesh).
    const wanted = r.get('network', v.identifier) ?? options.swarmNetwork;
    const found = taskAddress(inspect, task, wanted);
    if ('problem' in found) {
      const key = r.has('network')
        ? r.source('network')
        : options.swarmNetwork
          ? '-swarm-network'
          : 'SERVICE_NETWORK';
      r.warn(key, `Swarm task not registered: ${found.problem}`, 'swarm-network');
      return undefined;
    }
    address = found.ip;
    overlay = found.network;
    portNumber = Number(port.exposedPort);
  } else if (options.internal) {
    address = port.exposedIp || networkContainerIp || options.hostIp || options.fallbackIp;
    portNumber = Number(port.exposedPort);
  } else {
    address = options.hostIp ?? (isWildcardIp(port.hostIp) ? options.fallbackIp : port.hostIp);
    portNumber = Number(port.hostPort);
  }
  if (options.useIpFromLabel) {
    const labelled = inspect.Config.Labels?.[options.useIpFromLabel];
    const ip = labelled?.split('/')[0]?.trim();
    if (ip) {
      if (v.address(ip) === undefined) address = ip;
      else r.warn(options.useIpFromLabel, 'not an IP address or host name');
    }
  }
  address = r.get('ip', v.address) ?? address;
  const override = r.get('port', v.port);
  if (override !== undefined) portNumber = Number(override);

  const udp = port.protocol === 'udp';
  const tags = combineTags(
    splitTags(r.get('tags', v.text())).filter((t) => {
      const reason = v.text(255)(t);
      if (reason) r.warn(r.source('tags'), `tag skipped: ${reason}`);
      return reason === undefined;
    }),
    options.forceTags,
    udp ? ['udp'] : [],
  );
  const explicitId = r.get('id', v.identifier);
  // Every replica carries the spec's SERVICE_ID: the task id keeps them apart.
  const id =
    (explicitId !== undefined && task ? `${explicitId}:${task.taskId}` : explicitId) ??
    `${options.hostname}:${containerName}:${port.exposedPort}${udp ? ':udp' : ''}`;
  const check = buildCheck(r, address, portNumber);
  if (check && overlay !== undefined && AGENT_CHECKS.has(check.kind))
    r.warn(
      r.source(`check_${check.kind}`),
      `the Consul agent runs this check against ${address} on the overlay network "${overlay}": ` +
        'it fails unless the agent is attached to that network; a Docker HEALTHCHECK ' +
        '(forwarded) or SERVICE_CHECK_TTL works from anywhere',
      'unreachable-check',
    );
  const health = dockerHealth(inspect);
  return {
    id,
    name,
    address,
    port: portNumber,
    tags,
    meta: buildMeta(r, task),
    ...(check ? { check } : {}),
    ...(health ? { dockerHealth: health } : {}),
    origin: {
      containerId: inspect.Id,
      containerName,
      exposedPort: port.exposedPort,
      protocol: port.protocol,
    },
  };
}

/** Every other `SERVICE_<key>` becomes Consul Meta, if Consul would accept it. */
function buildMeta(r: MetaReader, task: SwarmTask | undefined): Record<string, string> {
  const meta: Record<string, string> = {};
  let count = 0;
  for (const key of [...r.meta.keys()].sort()) {
    if (RESERVED.has(key) || key.startsWith('check_')) continue;
    const source = r.source(key);
    const keyReason = v.metaKey(key);
    if (keyReason) {
      r.warn(source, keyReason);
      continue;
    }
    const value = r.get(key, v.metaValue);
    if (value === undefined) continue;
    if (count >= v.META_MAX_PAIRS) {
      r.warn(source, `more than ${v.META_MAX_PAIRS} meta keys`);
      continue;
    }
    meta[key] = value;
    count++;
  }
  for (const [key, value] of Object.entries(task ? taskMeta(task) : {})) {
    if (key in meta || count >= v.META_MAX_PAIRS || value === '' || v.metaValue(value)) continue;
    meta[key] = value;
    count++;
  }
  return meta;
}

function dedupe(warnings: MetadataWarning[]): MetadataWarning[] {
  const seen = new Set<string>();
  return warnings.filter((w) => {
    const k = `${w.key}\n${w.reason}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
