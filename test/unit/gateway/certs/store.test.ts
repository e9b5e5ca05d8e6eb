import { expect } from 'chai';
import { Registry } from 'prom-client';
import type { CertificateInput, SourceKind } from '../../../../gateway/certs/certificate.js';
import { CertificateMetrics } from '../../../../gateway/certs/metrics.js';
import { CertificateStore } from '../../../../gateway/certs/store.js';
import { keyLines } from '../../../helpers/cert-corpus.js';
import { createTestCa, type TestCa, type TestLeaf } from '../../../helpers/tls.js';

const input = (name: string, leaf: TestLeaf, kind: SourceKind = 'file'): CertificateInput => ({
  name,
  kind,
  source: kind === 'file' ? `/certs/${name}.pem` : `certs/${name}/cert`,
  certPem: leaf.chain,
  keyPem: leaf.key,
});

describe('gateway certificates: store (merge, selection, last good version, status)', function () {
  this.timeout(30_000);
  let ca: TestCa;
  let a: TestLeaf, a2: TestLeaf, b: TestLeaf, wild: TestLeaf, expired: TestLeaf;
  before(async () => {
    ca = await createTestCa();
    [a, a2, b, wild, expired] = await Promise.all([
      ca.issue({ dns: ['a.test'] }),
      ca.issue({ dns: ['a.test'], toDays: 60 }),
      ca.issue({ dns: ['b.test', 'www.b.test'], intermediate: true }),
      ca.issue({ dns: ['*.w.test'] }),
      ca.issue({ dns: ['a.test'], fromDays: -5, toDays: -1 }),
    ]);
  });
  after(() => ca.cleanup());

  it('selects the exact host, then the wildcard of the first label, then the default, else none', () => {
    const store = new CertificateStore({ defaultName: 'b' });
    store.update('file', [input('a', a), input('b', b)]);
    store.update('consul', [input('w', wild, 'consul')]);
    const name = (sni: string | undefined): string | undefined => store.select(sni)?.name;
    expect(name('a.test')).to.equal('a');
    expect(name('A.TEST.')).to.equal('a');
    expect(name('www.b.test')).to.equal('b');
    expect(name('x.w.test')).to.equal('w');
    expect(name('w.test')).to.equal('b');
    expect(name('y.x.w.test')).to.equal('b');
    expect(name('unknown.test')).to.equal('b');
    expect(name(undefined)).to.equal('b');
    const none = new CertificateStore();
    none.update('file', [input('a', a)]);
    expect(none.select('unknown.test')).to.equal(undefined);
    expect(none.select(undefined)).to.equal(undefined);
  });

  it('keeps the last good version when a new one is bad, drops names that left, counts versions', () => {
    const registry = new Registry();
    const store = new CertificateStore({ metrics: new CertificateMetrics(registry) });
    expect(store.update('file', [input('a', a)]).changed).to.equal(true);
    const v = store.version;
    expect(store.update('file', [input('a', a)]).changed).to.equal(false);
    const bad = store.update('file', [input('a', expired)]);
    expect(bad.changed).to.equal(false);
    expect(bad.rejected.map((r) => r.error.message)).to.deep.equal([
      'certificate /certs/a.pem: expired at ' +
        `${store.status()[0]?.error?.match(/expired at (\S+)/)?.[1]} (expired)`,
    ]);
    expect(store.select('a.test')?.version).to.equal(store.certificates()[0]?.version);
    expect(store.status()[0]).to.include({ name: 'a', serving: true });
    expect(store.status()[0]?.error).to.match(/\(expired\)$/);
    store.update('file', [input('a', a2)]);
    expect(store.version).to.equal(v + 1);
    expect(store.status()[0]).to.not.have.property('error');
    store.update('file', []);
    expect(store.select('a.test')).to.equal(undefined);
    expect(store.version).to.equal(v + 2);
  });

  it('prefers the certificate valid longest for a host; a name in both sources is served from the files', () => {
    const store = new CertificateStore();
    store.update('file', [input('old', a), input('new', a2)]);
    expect(store.select('a.test')?.name).to.equal('new');
    store.update('consul', [input('old', b, 'consul')]);
    const status = store.status().filter((s) => s.name === 'old');
    expect(status.map((s) => [s.kind, s.serving])).to.deep.equal([
      ['consul', false],
      ['file', true],
    ]);
    expect(status[0]?.error).to.match(/name also used by \/certs\/old\.pem \(name-conflict\)/);
    expect(store.select('b.test')).to.equal(undefined);
  });

  it('status and metrics show hosts, issuer, expiry and rejections, never key material', async () => {
    const registry = new Registry();
    const store = new CertificateStore({
      metrics: new CertificateMetrics(registry),
      defaultName: 'b',
    });
    store.update('file', [input('b', b), { ...input('bad', a), keyPem: await ca.strayKey() }]);
    const [good, bad] = store.status();
    expect(good).to.include({
      name: 'b',
      serving: true,
      isDefault: true,
      issuer: 'CN=Toolkit Test Intermediate',
    });
    expect(good?.hosts).to.deep.equal(['b.test', 'www.b.test']);
    expect(good?.daysLeft).to.be.within(28, 30);
    expect(bad).to.include({ name: 'bad', serving: false });
    expect(bad?.error).to.match(/does not match/);
    const text = await registry.metrics();
    expect(text).to.match(/gateway_certificate_expiry_timestamp_seconds\{name="b"\} \d{10}/);
    expect(text).to.include('gateway_certificates_rejected_total{reason="key-mismatch"} 1');
    const out = JSON.stringify(store.status()) + JSON.stringify(store.certificates()) + text;
    for (const line of keyLines(a.key, b.key, store.certificates()[0]?.keyPem()))
      expect(out).not.to.include(line);
  });
});
