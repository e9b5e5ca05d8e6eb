import { connect as h2connect, type ClientHttp2Session } from 'node:http2';
import { isIP } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { ConsulTraffic } from './traffic.js';

/** How to reach an agent's HTTPS port. */
export interface H2Target {
  host: string;
  port: number;
  /** How often an open session is pinged (default PING_EVERY_MS); the agent has a third of it. */
  pingMs?: number;
  tls: Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized'>;
}

/** A session and how many of its streams are in use. */
export interface H2Slot {
  session: ClientHttp2Session;
  active: number;
  /** The agent's SETTINGS_MAX_CONCURRENT_STREAMS (250 for Consul's Go server). */
  max: number;
}

const CONNECT_TIMEOUT_MS = 10_000;
/** Most streams used per session (also when the agent sets no limit, which HTTP/2 allows). */
const UNBOUNDED_STREAMS = 250;
const authority = (t: H2Target): string =>
  `https://${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;

/** Resolves once the session holds the agent's settings; rejects with the session's error. */
function settled(session: ClientHttp2Session): Promise<H2Slot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      session.destroy();
      reject(Object.assign(new Error('HTTP/2 settings not received'), { code: 'ETIMEDOUT' }));
    }, CONNECT_TIMEOUT_MS);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      reject(error);
    };
    session.once('error', fail);
    session.once('remoteSettings', (settings) => {
      clearTimeout(timer);
      session.off('error', fail);
      const max = settings.maxConcurrentStreams ?? UNBOUNDED_STREAMS;
      resolve({ session, active: 0, max: Math.max(1, Math.min(max, UNBOUNDED_STREAMS)) });
    });
  });
}

/**
 * One TLS connection offering h2 and http/1.1 (ALPN): the first HTTP/2 session when the agent
 * picks h2 (Consul's HTTPS port does), undefined when it picks HTTP/1.1. Rejects with the
 * connection's error (ECONNREFUSED, a certificate error).
 */
export function negotiateH2(target: H2Target): Promise<H2Slot | undefined> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      ...target.tls,
      host: target.host,
      port: target.port,
      ...(isIP(target.host) ? {} : { servername: target.host }),
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    socket.setTimeout(CONNECT_TIMEOUT_MS, () =>
      socket.destroy(Object.assign(new Error('TLS connect timed out'), { code: 'ETIMEDOUT' })),
    );
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      socket.setTimeout(0);
      socket.off('error', reject);
      if (socket.alpnProtocol !== 'h2') {
        socket.destroy();
        return resolve(undefined);
      }
      const session = h2connect(authority(target), { createConnection: () => socket });
      settled(session).then(resolve, reject);
    });
  });
}

/** Opens one more session to the agent. */
export function openH2(target: H2Target): Promise<H2Slot> {
  return settled(h2connect(authority(target), target.tls));
}

/** How often an open session is pinged by default. */
export const PING_EVERY_MS = 30_000;

/**
 * Pings the agent every `everyMs`: a connection that died without a reset (the agent's host
 * gone, a network partition) is destroyed when a ping goes unanswered for a third of that, and
 * its streams fail (retryably) instead of waiting out their blocking queries.
 */
function keepWatch(session: ClientHttp2Session, everyMs: number): void {
  const timer = setInterval(() => {
    const deadline = setTimeout(() => session.destroy(), everyMs / 3);
    deadline.unref();
    const sent = session.ping((error) => {
      clearTimeout(deadline);
      if (error && !session.destroyed) session.destroy();
    });
    if (!sent) clearTimeout(deadline);
  }, everyMs);
  timer.unref();
  session.once('close', () => clearInterval(timer));
}

/**
 * Counts a session as one connection while it is open, keeps the pool's list current, and
 * keeps watch on the connection (keepWatch).
 */
export function trackSession(
  slot: H2Slot,
  target: H2Target,
  traffic: ConsulTraffic,
  onClose: (slot: H2Slot) => void,
): void {
  keepWatch(slot.session, target.pingMs ?? PING_EVERY_MS);
  traffic.openConnections++;
  traffic.peakConnections = Math.max(traffic.peakConnections, traffic.openConnections);
  // An idle session does not keep the process alive; one with a request in flight does.
  slot.session.unref();
  slot.session.on('error', () => undefined); // reported to each stream; closes the session
  slot.session.once('close', () => {
    traffic.openConnections--;
    onClose(slot);
  });
  slot.session.once('goaway', () => onClose(slot));
}
