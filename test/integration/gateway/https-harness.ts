import { X509Certificate } from 'node:crypto';
import { request as plainRequest } from 'node:http';
import { createServer as createHttpsServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handshake } from '../../helpers/handshake.js';
import { freePort } from '../../helpers/ports.js';
import { createTestCa, type LeafOptions, type TestCa, type TestLeaf } from '../../helpers/tls.js';

/** The answer of one HTTPS request: status, body, and the leaf the gateway served. */
export interface HttpsAnswer {
  status: number;
  body: string;
  fingerprint?: string;
  error?: string;
}

/** One HTTPS GET without connection reuse, SNI and Host `host`, verified against `ca`. */
export function httpsGet(
  port: number,
  host: string,
  path: string,
  ca: string,
): Promise<HttpsAnswer> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        servername: host,
        headers: { host },
        ca,
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        const fingerprint = (res.socket as TLSSocket).getPeerCertificate?.().fingerprint256;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, ...(fingerprint ? { fingerprint } : {}) }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: '', error: e.message }));
    req.end();
  });
}

/** A plain HTTP GET with a Host header: status and Location. */
export function plainGet(
  url: string,
  host: string,
): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = plainRequest(url, { headers: { host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body,
          ...(res.headers.location ? { location: res.headers.location } : {}),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** SHA-256 fingerprint of a leaf, as TLSSocket and the handshake helper report it. */
export const fingerprintOf = (leaf: TestLeaf): string =>
  new X509Certificate(leaf.cert).fingerprint256;

/** A fresh certificate folder and a free HTTPS port: the flags of an HTTPS test gateway. */
export async function httpsFlags(): Promise<{ dir: string; port: number; flags: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-certs-'));
  const port = await freePort();
  return { dir, port, flags: ['--https-listen', `127.0.0.1:${port}`, '--cert-dir', dir] };
}

/**
 * A suite's test CA and leaves (`specs`, issued in this order in `before`), removed in `after`
 * with every folder `certDir` made. `certDir(names)`: a fresh certificate folder holding those
 * leaves, and its flags; `served`: the fingerprint a handshake to `port` got, or "refused".
 */
export function useTestCerts<K extends string>(specs: Record<K, LeafOptions>) {
  let ca: TestCa | undefined;
  const leaves = {} as Record<K, TestLeaf>;
  const dirs: string[] = [];
  before(async () => {
    ca = await createTestCa();
    for (const name of Object.keys(specs) as K[]) leaves[name] = await ca.issue(specs[name]);
  });
  after(() => {
    ca?.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const root = (): string => (ca as TestCa).root;
  return {
    leaves,
    root,
    async certDir(names: readonly K[]): Promise<{ dir: string; port: number; flags: string[] }> {
      const https = await httpsFlags();
      dirs.push(https.dir);
      for (const name of names) writeCert(https.dir, name, leaves[name]);
      return https;
    },
    async served(port: number, servername?: string): Promise<string> {
      const h = await handshake(port, { ca: root(), ...(servername ? { servername } : {}) });
      return h.ok ? h.fingerprint : 'refused';
    },
  };
}

/** Writes `<name>.pem` (chain + key) into a certificate folder, atomically (write + rename). */
export function writeCert(dir: string, name: string, leaf: TestLeaf): void {
  const tmp = join(dir, `.${name}.tmp`);
  writeFileSync(tmp, leaf.chain + leaf.key);
  // rename: the watcher never reads a half-written file.
  renameSync(tmp, join(dir, `${name}.pem`));
}

/** A real HTTPS backend on loopback serving `leaf`, answering "<name> tls <url> sni=<name>". */
export async function startTlsBackend(
  name: string,
  leaf: TestLeaf,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = createHttpsServer({ cert: leaf.chain, key: leaf.key }, (req, res) => {
    const sni = (req.socket as TLSSocket & { servername?: string }).servername ?? '';
    res.setHeader('content-type', 'text/plain');
    res.end(`${name} tls ${req.url} sni=${sni}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
