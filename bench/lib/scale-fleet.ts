import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConsulClient } from '../../common/consul/client.js';

/** Loopback backends shared by the fleet's instances; each answers with its own name. */
export interface Backends {
  ports: number[];
  /** The backend a one-instance change adds: answers "marker". */
  markerPort: number;
  close(): Promise<void>;
}

async function serve(name: string): Promise<Server> {
  const server = createServer((_req, res) => res.end(`${name}\n`));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return server;
}

export async function startBackends(count: number): Promise<Backends> {
  const servers = await Promise.all(Array.from({ length: count }, (_x, i) => serve(`b${i}`)));
  const marker = await serve('marker');
  const port = (s: Server): number => (s.address() as AddressInfo).port;
  return {
    ports: servers.map(port),
    markerPort: port(marker),
    close: async () => {
      for (const s of [...servers, marker]) s.closeAllConnections();
      await Promise.all([...servers, marker].map((s) => new Promise((r) => s.close(r))));
    },
  };
}

export const NODES = 10;

/** Instance `i` of service `s`: node, id and backend port (3 instances: 3 distinct ports). */
export function instance(s: number, i: number, ports: readonly number[]) {
  const k = s * 3 + i;
  return {
    node: `fleet-node-${k % NODES}`,
    id: `svc-${s}-${i}`,
    port: ports[k % ports.length] as number,
  };
}

/**
 * The c-th one-instance change of a run: a new instance of a service spread over the catalog
 * (the same sequence in every benchmark, so their figures compare), on the first fleet node.
 */
export function changedInstance(
  c: number,
  services: number,
): { s: number; id: string; node: string } {
  const s = (c * 7919 + 13) % services;
  return { s, id: `svc-${s}-new`, node: 'fleet-node-0' };
}

/** The catalog deregistration of an instance `changedInstance` gave. */
export function deregistration(change: { id: string; node: string }): object {
  return { Node: change.node, ServiceID: change.id };
}

export function registration(s: number, id: string, node: string, port: number): object {
  return {
    Node: node,
    Address: '127.0.0.1',
    Service: {
      ID: id,
      Service: `svc-${s}`,
      Tags: [`urlprefix-/s${s}/`],
      Address: '127.0.0.1',
      Port: port,
    },
    Check: { CheckID: `${id}:check`, Name: 'check', ServiceID: id, Status: 'passing' },
  };
}

/**
 * Registers `services` x `instances` through /v1/catalog/register on NODES node names (as a
 * fleet's agents would sync them), 16 requests at a time.
 */
export async function registerFleet(
  client: ConsulClient,
  services: number,
  instances: number,
  ports: readonly number[],
): Promise<void> {
  const jobs: [number, number][] = [];
  for (let s = 0; s < services; s++) for (let i = 0; i < instances; i++) jobs.push([s, i]);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const [s, i] = jobs[next++] as [number, number];
      const x = instance(s, i, ports);
      await client.transport.request({
        method: 'PUT',
        path: '/catalog/register',
        body: registration(s, x.id, x.node, x.port),
      });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** CPU seconds (user + system) a process has used so far, from /proc (0 once it is gone). */
export function cpuSeconds(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
