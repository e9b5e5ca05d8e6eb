import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type ClientOptions } from 'ws';

/**
 * A real HTTP + WebSocket backend on loopback: every WebSocket message is echoed back prefixed
 * with the backend's name (`<name>:<message>`); plain requests go to `onRequest` (default: the
 * name). It counts its open WebSockets, and `close` ends them all.
 */
export interface WsBackend {
  name: string;
  port: number;
  /** WebSockets open to this backend now. */
  readonly open: number;
  /** TCP connections accepted so far (keepalive from the gateway keeps this low). */
  readonly connections: number;
  /** Headers of the last upgrade request. */
  readonly lastUpgrade?: IncomingMessage['headers'];
  close(): Promise<void>;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export async function startWsBackend(name: string, onRequest?: RequestHandler): Promise<WsBackend> {
  const server: Server = createServer(
    onRequest ??
      ((req, res) => {
        res.setHeader('content-type', 'text/plain');
        res.end(`${name} ${req.url}\n`);
      }),
  );
  const wss = new WebSocketServer({ server });
  let lastUpgrade: IncomingMessage['headers'] | undefined;
  let connections = 0;
  server.on('connection', () => connections++);
  wss.on('connection', (socket, req) => {
    lastUpgrade = req.headers;
    socket.on('message', (data) => socket.send(`${name}:${String(data)}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    get open() {
      return wss.clients.size;
    },
    get connections() {
      return connections;
    },
    get lastUpgrade() {
      return lastUpgrade;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** Opens a WebSocket to `url`; resolves once open (rejects on an error or a non-101 answer). */
export function openWs(
  url: string,
  timeoutMs = 5_000,
  options: ClientOptions & { servername?: string } = {},
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: timeoutMs, ...options });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`)),
    );
  });
}

/** Sends `text` and resolves with the next message. */
export function roundTrip(ws: WebSocket, text: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no echo')), timeoutMs);
    ws.once('message', (data) => {
      clearTimeout(timer);
      resolve(String(data));
    });
    ws.send(text);
  });
}

/** Resolves with the close code once `ws` is closed. */
export function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve(1006);
    ws.once('close', (code) => resolve(code));
  });
}
