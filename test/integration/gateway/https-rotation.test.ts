import { expect } from 'chai';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { badCertificates, keyLines } from '../../helpers/cert-corpus.js';
import { createTestCa, type TestCa, type TestLeaf } from '../../helpers/tls.js';
import { failuresUnderLoad } from '../../helpers/under-load.js';
import { waitFor } from '../../helpers/wait-for.js';
import { fetchText, waitServed, type TestGateway } from './harness.js';
import { fingerprintOf, httpsFlags, httpsGet, writeCert } from './https-harness.js';
import { useGatewaySuite } from './suite.js';

/** Certificates changing under load through the real gateway: folder and Consul KV. */
describe('gateway HTTPS: rotation under load, bad input, secrets', function () {
  this.timeout(180_000);
  const suite = useGatewaySuite();
  let ca: TestCa;
  let leaves: Record<'a' | 'a2' | 'k' | 'k2' | 'w', TestLeaf>;
  let gw: TestGateway;
  let port: number;
  let dir: string;
  const fp = async (host: string): Promise<string> => {
    const r = await httpsGet(port, host, '/', ca.root);
    return r.status === 200 && r.fingerprint ? r.fingerprint : `failed ${r.status} ${r.error}`;
  };

  before(async () => {
    ca = await createTestCa();
    const issue = (dns: string) => ca.issue({ dns: [dns], intermediate: true });
    leaves = {
      a: await issue('a.test'),
      a2: await issue('a.test'),
      k: await issue('k.test'),
      k2: await issue('k.test'),
      w: await ca.issue({ dns: ['*.w.test'] }),
    };
  });
  after(() => {
    ca?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('rotates a file and a KV certificate under load with 0 failures; bad input keeps the old one; no output holds a key', async () => {
    const https = await httpsFlags();
    ({ dir, port } = https);
    writeCert(dir, 'a', leaves.a);
    writeCert(dir, 'w', leaves.w);
    const kv = suite.agent.client;
    await kv.kvPut('gw-certs/k/cert', leaves.k.chain);
    await kv.kvPut('gw-certs/k/key', leaves.k.key);
    const web = await suite.backend('web');
    await suite.register('web-1', 'web', web.port, ['urlprefix-/']);
    gw = await suite.start([...https.flags, '--cert-kv-prefix', 'gw-certs']);
    await waitServed(`${gw.url}/`, ['web'], 'a.test');
    await waitFor(async () => (await fp('k.test')) === fingerprintOf(leaves.k), { what: 'KV' });

    // Load: new connections (a handshake each) to both hosts, every answer verified.
    const failures = await failuresUnderLoad(
      ['a.test', 'a.test', 'k.test', 'k.test'],
      async (host) => {
        const r = await httpsGet(port, host, '/load', ca.root);
        return r.status === 200 && r.body.startsWith('web ')
          ? undefined
          : `${r.status} ${r.error ?? ''}`;
      },
      async () => {
        writeCert(dir, 'a', leaves.a2);
        await waitFor(async () => (await fp('a.test')) === fingerprintOf(leaves.a2), {
          what: 'a2',
        });
        await kv.kvPut('gw-certs/k/cert', leaves.k2.chain + leaves.k2.key);
        await kv.kvDelete('gw-certs/k/key');
        await waitFor(async () => (await fp('k.test')) === fingerprintOf(leaves.k2), {
          what: 'k2',
        });
      },
    );
    expect(failures).to.deep.equal([]);

    // The bad-input corpus on a.test: one error each naming source and reason, a2 keeps serving.
    for (const bad of await badCertificates(ca)) {
      const before = gw.logs.length;
      writeFileSync(join(dir, 'a.pem'), bad.cert);
      if (bad.key === undefined) rmSync(join(dir, 'a.key'), { force: true });
      else writeFileSync(join(dir, 'a.key'), bad.key);
      const line = await waitFor(
        () => gw.logs.slice(before).find((l) => l.msg?.toString().includes('certificate rejected')),
        { what: `rejection of ${bad.label}` },
      );
      expect(line, bad.label).to.include({ source: join(dir, 'a.pem'), reason: bad.reason });
      expect(await fp('a.test'), bad.label).to.equal(fingerprintOf(leaves.a2));
    }
    await kv.kvPut('gw-certs/k/key', await ca.strayKey());
    await waitFor(
      () => gw.logs.some((l) => l.source === 'consul:gw-certs/k' && l.reason === 'key-mismatch'),
      { what: 'KV rejection' },
    );
    expect(await fp('k.test')).to.equal(fingerprintOf(leaves.k2));
    const status = await suite.status();
    const a = (status.certificates as Record<string, unknown>[]).find((c) => c.name === 'a');
    expect(a).to.include({ serving: true });
    expect(a?.error).to.match(/a\.pem/);
    expect(await suite.metric('gateway_certificates_rejected_total{reason="expired"}')).to.equal(1);

    // Key material in no output: logs, /status, /metrics, the page, nginx's files but the set.
    const files = readdirSync(gw.workDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && !/certificates\.set|tls-placeholder\.key/.test(e.name))
      .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'));
    const outputs = [
      JSON.stringify(gw.logs),
      JSON.stringify(status),
      (await fetchText(`${gw.statusUrl}/metrics`)).body,
      (await fetchText(`${gw.statusUrl}/`)).body,
      ...files,
    ].join('\n');
    const keys = keyLines(...Object.values(leaves).map((l) => l.key));
    expect(keys.length).to.be.greaterThan(10);
    for (const k of keys) expect(outputs).to.not.include(k);
    expect(statSync(join(gw.workDir, 'certificates.set')).mode & 0o777).to.equal(0o600);
    expect(statSync(join(gw.workDir, 'render/certificates.kv')).mode & 0o777).to.equal(0o600);
  });
});
