import { expect } from 'chai';
import { statSync } from 'node:fs';
import type { CertificateInput } from '../../../gateway/certs/certificate.js';
import { writePrivate } from '../../../gateway/certs/placeholder.js';
import { CertificateSync, putCertificateSet } from '../../../gateway/certs/push.js';
import { CertificateStore } from '../../../gateway/certs/store.js';
import { handshake } from '../../helpers/handshake.js';
import { request } from 'node:http';
import { startTlsNginx, type TlsNginx } from '../../helpers/tls-nginx.js';
import { createTestCa, type TestCa, type TestLeaf } from '../../helpers/tls.js';
import { waitFor } from '../../helpers/wait-for.js';

/** A plain HTTP GET with a Host header: status and Location. */
function plain(
  port: number,
  host: string,
  path: string,
): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { host }, agent: false },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, location: res.headers.location }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const input = (name: string, leaf: TestLeaf): CertificateInput => ({
  name,
  kind: 'file',
  source: `/certs/${name}.pem`,
  certPem: leaf.chain,
  keyPem: leaf.key,
});

/** ssl_certificate_by_lua serving from the shared dict, in a real nginx with Debian's lua module. */
describe('gateway certificates in nginx: SNI selection and rotation without a reload', function () {
  this.timeout(60_000);
  let ca: TestCa;
  let tls: TlsNginx;
  let https: number;
  let socket: string;
  let leaves: Record<string, TestLeaf>;
  const fp = (leaf: TestLeaf): string => {
    const store = new CertificateStore();
    store.update('file', [input('x', leaf)]);
    return store.certificates()[0]?.fingerprint ?? '';
  };
  const served = async (servername?: string): Promise<string> => {
    const h = await handshake(https, { ca: ca.root, ...(servername ? { servername } : {}) });
    return h.ok ? h.fingerprint : 'refused';
  };
  const load = async (store: CertificateStore): Promise<void> => {
    const answer = await putCertificateSet(socket, store.encoded());
    expect(answer).to.deep.equal({ status: 200, text: String(store.version) });
  };

  before(async () => {
    ca = await createTestCa();
    const [a, b, w, fallback, a2] = await Promise.all([
      ca.issue({ dns: ['a.test'], intermediate: true }),
      ca.issue({ dns: ['b.test'], keyType: 'rsa' }),
      ca.issue({ dns: ['*.w.test'] }),
      ca.issue({ dns: ['fallback.test'] }),
      ca.issue({ dns: ['a.test'] }),
    ]);
    leaves = { a, b, w, fallback, a2 } as Record<string, TestLeaf>;
    // The file nginx loads at start: a restarted nginx serves the last set at once.
    const initial = new CertificateStore();
    initial.update('file', [input('b', b)]);
    tls = await startTlsNginx({ prepare: (setFile) => writePrivate(setFile, initial.encoded(1)) });
    ({ https, socket } = tls);
    expect(statSync(tls.placeholder.key).mode & 0o777).to.equal(0o600);
    expect(statSync(tls.setFile).mode & 0o777).to.equal(0o600);
  });
  after(async () => {
    await tls?.stop();
    ca?.cleanup();
  });

  it('serves the set file nginx loaded at start', async () => {
    expect(await served('b.test')).to.equal(fp(leaves.b as TestLeaf));
    expect(await served('a.test')).to.equal('refused');
  });

  it('selects by SNI: two hosts, a wildcard; unknown SNI and no SNI are refused without a default', async () => {
    const store = new CertificateStore();
    store.update(
      'file',
      ['a', 'b', 'w', 'fallback'].map((n) => input(n, leaves[n] as TestLeaf)),
    );
    await load(store);
    for (const [sni, name] of [
      ['a.test', 'a'],
      ['B.Test', 'b'],
      ['x.w.test', 'w'],
      ['fallback.test', 'fallback'],
    ] as const)
      expect(await served(sni), sni).to.equal(fp(leaves[name] as TestLeaf));
    const verified = await handshake(https, { ca: ca.root, servername: 'a.test' });
    expect(verified).to.include({ ok: true, verified: true, alpn: 'h2' });
    for (const sni of ['unknown.test', 'w.test', 'y.x.w.test', undefined])
      expect(await served(sni), String(sni)).to.equal('refused');
  });

  it('unknown SNI and no SNI get the default certificate when one is configured', async () => {
    const store = new CertificateStore({ defaultName: 'fallback' });
    store.update(
      'file',
      ['a', 'fallback'].map((n) => input(n, leaves[n] as TestLeaf)),
    );
    await load(store);
    const want = fp(leaves.fallback as TestLeaf);
    expect(await served('unknown.test')).to.equal(want);
    expect(await served(undefined)).to.equal(want);
    expect(await served('a.test')).to.equal(fp(leaves.a as TestLeaf));
  });

  it('--redirect-https: plain HTTP for a host with a certificate answers 308 to the same URL', async () => {
    const store = new CertificateStore({ defaultName: 'fallback' });
    store.update(
      'file',
      ['a', 'w', 'fallback'].map((n) => input(n, leaves[n] as TestLeaf)),
    );
    await load(store);
    expect(await plain(tls.http, 'a.test', '/x/y?z=1')).to.deep.equal({
      status: 308,
      location: `https://a.test:${https}/x/y?z=1`,
    });
    expect(await plain(tls.http, 'q.w.test', '/')).to.include({ status: 308 });
    // No certificate names it (the default does not count): served over HTTP.
    expect(await plain(tls.http, 'other.test', '/')).to.deep.equal({
      status: 200,
      location: undefined,
    });
  });

  it('TLS 1.2 and 1.3 with resumption; TLS 1.1 refused; a bad set is refused whole', async () => {
    for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
      const first = await handshake(https, { servername: 'a.test', minVersion: v, maxVersion: v });
      expect(first).to.include({ ok: true, protocol: v });
      const session = first.ok ? first.session : undefined;
      expect(session, v).to.not.equal(undefined);
      const again = await handshake(https, { servername: 'a.test', maxVersion: v, session });
      expect(again, v).to.include({ ok: true, reused: true });
    }
    const old = await handshake(https, {
      servername: 'a.test',
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.1',
    });
    expect(old.ok).to.equal(false);
    const before = await served('a.test');
    const bad = new CertificateStore();
    bad.update('file', [input('a', leaves.a2 as TestLeaf)]);
    const body = bad.encoded(99).replace(/(-----BEGIN PRIVATE KEY-----\n)\S+/, '$1AAAA');
    const answer = await putCertificateSet(socket, body);
    expect(answer).to.deep.equal({ status: 400, text: 'certificate a: bad key' });
    expect(await served('a.test')).to.equal(before);
  });

  it('rotation: the next handshake gets the new certificate, and a load loop sees no failure', async () => {
    const store = new CertificateStore();
    store.update('file', [input('a', leaves.a as TestLeaf)]);
    const sync = new CertificateSync({ socketPath: socket });
    await sync.push(store.encoded());
    const oldFp = fp(leaves.a as TestLeaf);
    const newFp = fp(leaves.a2 as TestLeaf);
    expect(await served('a.test')).to.equal(oldFp);
    let running = true;
    const seen = { old: 0, new: 0, failed: [] as string[] };
    const loop = async (): Promise<void> => {
      while (running) {
        const h = await handshake(https, { ca: ca.root, servername: 'a.test' });
        if (!h.ok || !h.verified) seen.failed.push(h.ok ? 'not verified' : h.error);
        else if (h.fingerprint === oldFp) seen.old++;
        else if (h.fingerprint === newFp) seen.new++;
        else seen.failed.push('unexpected certificate');
      }
    };
    const loops = [loop(), loop(), loop(), loop()];
    await waitFor(() => seen.old >= 20, { what: 'handshakes before the rotation' });
    store.update('file', [input('a', leaves.a2 as TestLeaf)]);
    await sync.push(store.encoded());
    expect(sync.version).to.equal(store.version);
    // The first handshake that starts now gets the new certificate.
    expect(await served('a.test')).to.equal(newFp);
    const after = seen.new;
    await waitFor(() => seen.new >= after + 20, { what: 'handshakes after the rotation' });
    running = false;
    await Promise.all(loops);
    expect(seen.failed).to.deep.equal([]);
    sync.stop();
  });
});
