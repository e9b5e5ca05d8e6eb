import { expect } from 'chai';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { handshake } from '../../helpers/handshake.js';
import { waitServed } from './harness.js';
import { fingerprintOf, httpsGet, plainGet, useTestCerts } from './https-harness.js';
import { useGatewaySuite } from './suite.js';

/** The HTTPS front door of the real gateway (lua mode): real nginx, Consul, openssl test CA. */
describe('gateway HTTPS: SNI, default certificate, redirects, status and metrics', function () {
  this.timeout(120_000);
  const suite = useGatewaySuite();
  const tls = useTestCerts({
    a: { dns: ['a.test'], intermediate: true },
    b: { dns: ['b.test'], keyType: 'rsa' },
    w: { dns: ['*.w.test'] },
    fallback: { dns: ['fallback.test'] },
  });
  const { leaves, served } = tls;

  /** A gateway with a, b, w (and fallback) in its folder and a backend routed at /. */
  const start = async (extra: string[] = [], tags = ['urlprefix-/'], ready = '/') => {
    const https = await tls.certDir(['a', 'b', 'w', 'fallback']);
    const web = await suite.backend('web');
    await suite.register('web-1', 'web', web.port, tags);
    const gw = await suite.start([...https.flags, ...extra]);
    await waitServed(`${gw.url}${ready}`, ['web'], 'other.test');
    return { gw, port: https.port, dir: https.dir };
  };

  it('SNI to two hosts and a wildcard; unknown and absent SNI refused without a default', async () => {
    const { gw, port } = await start();
    for (const [host, name] of [
      ['a.test', 'a'],
      ['b.test', 'b'],
      ['x.w.test', 'w'],
    ] as const) {
      const r = await httpsGet(port, host, '/p?q=1', tls.root());
      expect(r, host).to.deep.include({ status: 200, fingerprint: fingerprintOf(leaves[name]) });
      expect(r.body, host).to.match(new RegExp(`^web /p\\?q=1 host=${host} `));
    }
    const h2 = await handshake(port, { ca: tls.root(), servername: 'a.test' });
    expect(h2).to.include({ ok: true, verified: true, alpn: 'h2' });
    for (const sni of ['unknown.test', 'w.test', undefined])
      expect(await served(port, sni), String(sni)).to.equal('refused');
    // Plain HTTP still serves every route.
    expect((await plainGet(`${gw.url}/x`, 'a.test')).status).to.equal(200);
    const certs = (await suite.status()).certificates as Record<string, unknown>[];
    expect(certs.map((c) => [c.name, c.kind, c.serving])).to.deep.equal([
      ['a', 'file', true],
      ['b', 'file', true],
      ['fallback', 'file', true],
      ['w', 'file', true],
    ]);
    expect(certs[3]).to.include({ issuer: 'CN=Toolkit Test Root' });
    expect(certs[3]?.hosts).to.deep.equal(['*.w.test']);
    expect(certs[3]?.daysLeft).to.be.within(28, 30);
    const notAfter = Date.parse(certs[0]?.notAfter as string) / 1000;
    expect(await suite.metric('gateway_certificate_expiry_timestamp_seconds{name="a"}')).to.equal(
      Math.floor(notAfter),
    );
    for (const f of ['certificates.set', 'tls-placeholder.key'])
      expect(statSync(join(gw.workDir, f)).mode & 0o777, f).to.equal(0o600);
  });

  it('unknown and absent SNI get --default-cert', async () => {
    const { port } = await start(['--default-cert', 'fallback']);
    const want = fingerprintOf(leaves.fallback);
    expect(await served(port, 'unknown.test')).to.equal(want);
    expect(await served(port, undefined)).to.equal(want);
    expect(await served(port, 'a.test')).to.equal(fingerprintOf(leaves.a));
  });

  it('redirect=https routes answer 308 on HTTP and serve on HTTPS', async () => {
    const tags = ['urlprefix-/secure redirect=https', 'urlprefix-/open'];
    const { gw, port } = await start([], tags, '/open');
    expect(await plainGet(`${gw.url}/secure/x?y=1`, 'other.test')).to.deep.include({
      status: 308,
      location: `https://other.test:${port}/secure/x?y=1`,
    });
    expect((await plainGet(`${gw.url}/open`, 'a.test')).status).to.equal(200);
    expect((await httpsGet(port, 'a.test', '/secure/x', tls.root())).status).to.equal(200);
  });

  it('--redirect-https: every host with a certificate answers 308; others are served', async () => {
    const { gw, port } = await start(['--redirect-https', '--default-cert', 'fallback']);
    expect(await plainGet(`${gw.url}/x/y?z=1`, 'a.test')).to.deep.include({
      status: 308,
      location: `https://a.test:${port}/x/y?z=1`,
    });
    expect((await plainGet(`${gw.url}/`, 'q.w.test')).status).to.equal(308);
    // The default certificate does not count: this host has none of its own.
    expect((await plainGet(`${gw.url}/`, 'other.test')).status).to.equal(200);
    expect((await httpsGet(port, 'a.test', '/x', tls.root())).status).to.equal(200);
    const conf = readFileSync(join(gw.workDir, 'nginx.conf'), 'utf8');
    expect(conf).to.include('ssl_protocols TLSv1.2 TLSv1.3;');
  });
});
