import type { ContainerInspect } from '../common/docker/types.js';
import type { RawEntry } from './metadata.js';
import type { ServicePort } from './ports.js';

/**
 * Swarm task containers (pure): what a task is, which of its networks to register, and which
 * ports it serves. Everything comes from the container's inspect data, because workers cannot
 * call the services API: Swarm puts the task's identity in `com.docker.swarm.*` labels and the
 * service spec's env and container labels on the container.
 */

export const SWARM_LABELS = {
  service: 'com.docker.swarm.service.name',
  taskId: 'com.docker.swarm.task.id',
  taskName: 'com.docker.swarm.task.name',
  nodeId: 'com.docker.swarm.node.id',
  stack: 'com.docker.stack.namespace',
} as const;

/** Swarm's routing-mesh network: never the address of a task. */
export const INGRESS = 'ingress';

export interface SwarmTask {
  service: string;
  taskId: string;
  taskName: string;
  nodeId: string;
  /** `docker stack deploy` namespace, "" outside a stack. */
  stack: string;
}

/** The task a container runs, or undefined for a plain container. */
export function swarmTask(inspect: ContainerInspect): SwarmTask | undefined {
  const labels = inspect.Config.Labels ?? {};
  const service = labels[SWARM_LABELS.service];
  const taskId = labels[SWARM_LABELS.taskId];
  if (!service || !taskId) return undefined;
  return {
    service,
    taskId,
    taskName: labels[SWARM_LABELS.taskName] ?? '',
    nodeId: labels[SWARM_LABELS.nodeId] ?? '',
    stack: labels[SWARM_LABELS.stack] ?? '',
  };
}

/** A task on the host network has no address of its own: it is mapped as a plain container. */
export function usesHostNetwork(inspect: ContainerInspect): boolean {
  return (
    inspect.HostConfig.NetworkMode === 'host' || 'host' in (inspect.NetworkSettings.Networks ?? {})
  );
}

export type TaskAddress = { ip: string; network: string } | { problem: string };

/**
 * The task's address: its IP on the network `wanted` (as named in the stack file, `web_mesh`
 * or `mesh` in stack `web`), or else on its only network other than ingress. Never a guess:
 * no such network, or several to choose from, is a problem to report.
 */
export function taskAddress(
  inspect: ContainerInspect,
  task: SwarmTask,
  wanted: string | undefined,
): TaskAddress {
  const networks = Object.entries(inspect.NetworkSettings.Networks ?? {})
    .map(([name, n]) => ({ name, ip: n?.IPAddress ?? '' }))
    .filter((n) => n.name !== INGRESS)
    .sort((a, b) => a.name.localeCompare(b.name));
  const names = networks.map((n) => n.name).join(', ') || 'none besides ingress';
  let match: { name: string; ip: string } | undefined;
  if (wanted !== undefined) {
    match =
      networks.find((n) => n.name === wanted) ??
      (task.stack ? networks.find((n) => n.name === `${task.stack}_${wanted}`) : undefined);
    if (!match) return { problem: `not attached to network "${wanted}" (attached: ${names})` };
  } else if (networks.length === 1) {
    match = networks[0];
  } else if (networks.length === 0) {
    return { problem: 'attached to no network besides ingress' };
  } else {
    return {
      problem: `attached to several networks (${names}): choose one with -swarm-network or SERVICE_NETWORK`,
    };
  }
  if (!match?.ip) return { problem: `no IPv4 address on network "${match?.name ?? wanted}"` };
  return { ip: match.ip, network: match.name };
}

/**
 * The ports of a task: those the image exposes, those published in host mode, and those named
 * by `SERVICE_<port>_*` metadata (a service spec cannot expose a port, its env can name one).
 * Only ports published in host mode have a host port.
 */
export function taskPorts(inspect: ContainerInspect, entries: readonly RawEntry[]): ServicePort[] {
  const keys = new Set<string>(Object.keys(inspect.Config.ExposedPorts ?? {}));
  for (const key of Object.keys(inspect.NetworkSettings.Ports ?? {})) keys.add(key);
  for (const { name } of entries) {
    const m = /^SERVICE_(\d{1,5})_./i.exec(name);
    if (m && Number(m[1]) >= 1 && Number(m[1]) <= 65535) keys.add(`${Number(m[1])}/tcp`);
  }
  const ports: ServicePort[] = [];
  for (const key of keys) {
    const [port, protocol] = key.split('/') as [string, string | undefined];
    if (!/^\d+$/.test(port)) continue;
    const binding = (inspect.NetworkSettings.Ports?.[key] ?? []).find((b) => b.HostPort);
    ports.push({
      exposedPort: port,
      protocol: protocol ?? 'tcp',
      hostPort: binding?.HostPort ?? '',
      hostIp: binding?.HostIp || '0.0.0.0',
      exposedIp: '',
    });
  }
  return ports.sort(
    (a, b) => Number(a.exposedPort) - Number(b.exposedPort) || a.protocol.localeCompare(b.protocol),
  );
}

/** Consul Meta describing the task (the container's own SERVICE_* meta wins). */
export function taskMeta(task: SwarmTask): Record<string, string> {
  return {
    swarm_service: task.service,
    swarm_task: task.taskName || task.taskId,
    swarm_node: task.nodeId,
    ...(task.stack ? { swarm_stack: task.stack } : {}),
  };
}
