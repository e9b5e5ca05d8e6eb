import { expect } from 'chai';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../helpers/wait-for.js';
import { waitServed } from './harness.js';
import { fingerprintOf, httpsGet, plainGet, useTestCerts, writeCert } from './https-harness.js';
import { useGatewaySuite } from './suite.js';

/** HTTPS in reload mode: certificates as files in the work dir, each change a validated reload. */
describe('gateway HTTPS in reload mode: SNI, default, rotation by reload, bad input', function () {
  this.timeout(180_000);
  const suite = useGatewaySuite();
  const tls = useTestCerts({
    a: { dns: ['a.test'], intermediate: true },
    a2: { dns: ['a.test'] },
    b: { dns: ['b.test'], keyType: 'rsa' },
    w: { dns: ['*.w.test'] },
    fallback: { dns: ['fallback.test'] },
  });
  const { leaves, served } = tls;

  const start = async (names: (keyof typeof leaves)[], extra: string[] = []) => {
    const https = await tls.certDir(names);
    const web = await suite.backend('web');
    await suite.register('web-1', 'web', web.port, [
      'urlprefix-/',
      'urlprefix-r.w.test/r redirect=https',
    ]);
    const gw = await suite.start([...https.flags, '--mode', 'reload', ...extra]);
    await waitServed(`${gw.url}/`, ['web'], 'other.test');
    return { gw, port: https.port, dir: https.dir };
  };

  it('serves SNI for two hosts and a wildcard, refuses unknown names, keys 0600 in a 0700 folder', async () => {
    const { gw, port } = await start(['a', 'b', 'w']);
    for (const [host, name] of [
      ['a.test', 'a'],
      ['b.test', 'b'],
      ['x.w.test', 'w'],
    ] as const) {
      const r = await httpsGet(port, host, '/p?q=1', tls.root());
      expect(r, host).to.deep.include({ status: 200, fingerprint: fingerprintOf(leaves[name]) });
      expect(r.body, host).to.match(new RegExp(`^web /p\\?q=1 host=${host} `));
    }
    expect(await served(port, 'unknown.test')).to.equal('refused');
    expect(await served(port)).to.equal('refused');
    // redirect=https: plain HTTP answers 308 to the HTTPS listener; HTTPS serves the route.
    const plain = await plainGet(`${gw.url}/r`, 'r.w.test');
    expect(plain).to.include({ status: 308, location: `https://r.w.test:${port}/r` });
    expect((await httpsGet(port, 'r.w.test', '/r', tls.root())).status).to.equal(200);
    const certDir = join(gw.workDir, 'certs');
    expect(statSync(certDir).mode & 0o777).to.equal(0o700);
    const keys = readdirSync(certDir).filter((f) => f.endsWith('.key'));
    expect(keys).to.have.length(3);
    for (const k of keys) expect(statSync(join(certDir, k)).mode & 0o777, k).to.equal(0o600);
    const routes = readFileSync(join(gw.workDir, 'routes.conf'), 'utf8');
    expect(routes).to.include('ssl_reject_handshake on;').and.include('server_name *.w.test;');
    expect(routes).to.not.include('PRIVATE KEY');
  });

  it('serves the default certificate for unknown names with --default-cert', async () => {
    const { port } = await start(['a', 'fallback'], ['--default-cert', 'fallback']);
    expect(await served(port, 'unknown.test')).to.equal(fingerprintOf(leaves.fallback));
    expect(await served(port)).to.equal(fingerprintOf(leaves.fallback));
    expect(await served(port, 'a.test')).to.equal(fingerprintOf(leaves.a));
  });

  it('a replaced certificate is served after an edge reload; a bad one keeps the old serving', async () => {
    const { gw, port, dir } = await start(['a', 'b']);
    const edgeReloads = () => suite.metric('gateway_reloads_total{tier="edge",result="success"}');
    const before = await edgeReloads();
    writeCert(dir, 'a', leaves.a2);
    // Until the reload is through, old workers still accept handshakes and serve a: nginx's
    // master starts the new workers, pauses 100 ms, and only then tells the old ones to quit (on
    // a loaded machine they take longer still). So: the reload counted, a2 served three times in
    // a row, then past that pause.
    const servedA2 = async () => (await served(port, 'a.test')) === fingerprintOf(leaves.a2);
    await waitFor(async () => (await edgeReloads()) > before, { what: 'the edge reload' });
    await waitFor(async () => (await servedA2()) && (await servedA2()) && (await servedA2()), {
      what: 'the replaced certificate, three handshakes in a row',
    });
    await new Promise((r) => setTimeout(r, 300));
    // Then a2 only: five more in a row (an old worker slow to quit may take one more moment).
    await waitFor(
      async () => {
        for (let i = 0; i < 5; i++) if (!(await servedA2())) return false;
        return true;
      },
      { what: 'a2 only, five handshakes in a row' },
    );
    expect(await edgeReloads()).to.be.greaterThan(before);
    expect(readdirSync(join(gw.workDir, 'certs'))).to.have.length(4);

    // A key that does not match: rejected by validation, the last good a2 keeps serving.
    const status = async () =>
      (await suite.status()).certificates as { name: string; error?: string }[];
    writeFileSync(join(dir, 'a.pem'), leaves.a.chain + leaves.b.key);
    await waitFor(async () => (await status()).some((c) => c.name === 'a' && c.error), {
      what: 'the rejection',
    });
    expect(await served(port, 'a.test')).to.equal(fingerprintOf(leaves.a2));
    expect(await served(port, 'b.test')).to.equal(fingerprintOf(leaves.b));
    // A certificate removed: its files go and its name is refused.
    rmSync(join(dir, 'b.pem'));
    await waitFor(async () => (await served(port, 'b.test')) === 'refused', { what: 'b removed' });
    expect(readdirSync(join(gw.workDir, 'certs'))).to.have.length(2);
  });
});
