import { checkServerIdentity, connect, type SecureVersion } from 'node:tls';

export type Handshake =
  | {
      ok: true;
      /** SHA-256 fingerprint of the served leaf, as X509Certificate.fingerprint256. */
      fingerprint: string;
      protocol: string;
      alpn: string | false;
      /** The chain verified against `ca` and the leaf names `servername`. */
      verified: boolean;
      reused: boolean;
      session?: Buffer;
      chainLength: number;
    }
  | { ok: false; error: string };

export interface HandshakeOptions {
  /** SNI; absent: none is sent (the host is an IP). */
  servername?: string;
  ca?: string;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  session?: Buffer;
  alpn?: string[];
  host?: string;
}

/** One real TLS handshake with node:tls; resolves (never rejects) with what was served. */
export function handshake(port: number, o: HandshakeOptions = {}): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = connect({
      host: o.host ?? '127.0.0.1',
      port,
      ...(o.servername ? { servername: o.servername } : {}),
      ...(o.ca ? { ca: o.ca } : {}),
      rejectUnauthorized: false,
      ...(o.minVersion ? { minVersion: o.minVersion } : {}),
      ...(o.maxVersion ? { maxVersion: o.maxVersion } : {}),
      ...(o.session ? { session: o.session } : {}),
      ALPNProtocols: o.alpn ?? ['h2', 'http/1.1'],
    });
    let session: Buffer | undefined;
    socket.on('session', (s: Buffer) => (session = s));
    socket.setTimeout(10_000, () => socket.destroy(new Error('handshake timeout')));
    socket.once('error', (e) => resolve({ ok: false, error: e.message }));
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate(true);
      let chainLength = 0;
      for (let c = peer, seen = new Set(); c && !seen.has(c); c = c.issuerCertificate) {
        seen.add(c);
        chainLength++;
      }
      const named = o.servername ? checkServerIdentity(o.servername, peer) === undefined : false;
      const finish = (): void => {
        resolve({
          ok: true,
          fingerprint: peer.fingerprint256,
          protocol: socket.getProtocol() ?? '',
          alpn: socket.alpnProtocol ?? false,
          verified: socket.authorized && named,
          reused: socket.isSessionReused(),
          ...(session || socket.getSession() ? { session: session ?? socket.getSession() } : {}),
          chainLength,
        });
        socket.destroy();
      };
      // TLS 1.3 sends its session ticket after the handshake: wait for it briefly.
      if (socket.getProtocol() === 'TLSv1.3' && !session) {
        socket.once('session', () => finish());
        socket.once('close', finish);
        socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        socket.resume();
      } else finish();
    });
  });
}
