import type { Agent as HttpAgent } from 'node:http';
import type { Socket } from 'node:net';

/** What one client has cost the agent so far: for status, metrics and the scale benchmark. */
export interface ConsulTraffic {
  /** Requests answered (any status) or failed. */
  requests: number;
  /** Response body bytes as received (compressed when Consul gzipped them). */
  bytesRead: number;
  /** TCP connections open to the agent right now. */
  openConnections: number;
  /** Most connections that were ever open at once. */
  peakConnections: number;
}

export function emptyTraffic(): ConsulTraffic {
  return { requests: 0, bytesRead: 0, openConnections: 0, peakConnections: 0 };
}

type CreateConnection = (options: object, callback?: unknown) => Socket;

/** Counts the agent's sockets as they open and close (the bound itself is the agent's maxSockets). */
export function countConnections(agent: HttpAgent, traffic: ConsulTraffic): void {
  const target = agent as unknown as { createConnection: CreateConnection };
  const create = target.createConnection.bind(agent);
  target.createConnection = (options, callback) => {
    const socket = create(options, callback);
    traffic.openConnections++;
    traffic.peakConnections = Math.max(traffic.peakConnections, traffic.openConnections);
    socket.once('close', () => void traffic.openConnections--);
    return socket;
  };
}
