import { expect } from 'chai';
import { inspect } from 'node:util';
import { isToolkitError } from '../../../../common/errors.js';
import type { CertificateInput } from '../../../../gateway/certs/certificate.js';
import { isCertHost, sanHosts, validateCertificate } from '../../../../gateway/certs/validate.js';
import { badCertificates, keyLines, type BadCertificate } from '../../../helpers/cert-corpus.js';
import { createTestCa, type TestCa, type TestLeaf } from '../../../helpers/tls.js';

const input = (cert: string, key?: string, name = 'site'): CertificateInput => ({
  name,
  kind: 'file',
  source: `/certs/${name}.pem`,
  certPem: cert,
  ...(key === undefined ? {} : { keyPem: key }),
});

describe('gateway certificates: validation (test CA from openssl)', function () {
  this.timeout(30_000);
  let ca: TestCa;
  let leaf: TestLeaf;
  let corpus: BadCertificate[];
  before(async () => {
    ca = await createTestCa();
    leaf = await ca.issue({ dns: ['A.test', '*.b.test', 'IP:127.0.0.1'], intermediate: true });
    corpus = await badCertificates(ca);
  });
  after(() => ca.cleanup());

  it('accepts a chain with its key in the same file or in its own, hosts from the SANs', () => {
    const same = validateCertificate(input(leaf.chain + leaf.key));
    const own = validateCertificate(input(leaf.chain, leaf.key));
    for (const c of [same, own]) {
      expect(c.hosts).to.deep.equal(['*.b.test', 'a.test']);
      expect(c.issuer).to.equal('CN=Toolkit Test Intermediate');
      expect(c.chainPem.match(/BEGIN CERTIFICATE/g)).to.have.length(2);
      expect(c.notAfter.getTime()).to.be.greaterThan(Date.now());
      expect(c.keyPem()).to.match(/^-----BEGIN PRIVATE KEY-----\n/);
    }
    expect(same.version).to.equal(own.version);
  });

  it('accepts RSA keys', async () => {
    const rsa = await ca.issue({ dns: ['rsa.test'], keyType: 'rsa' });
    const c = validateCertificate(input(rsa.cert, rsa.key));
    expect(c.hosts).to.deep.equal(['rsa.test']);
  });

  it('rejects each bad input with E_CERTIFICATE naming the source and the reason', () => {
    for (const bad of corpus) {
      let error: unknown;
      try {
        validateCertificate(input(bad.cert, bad.key, 'bad'));
      } catch (e) {
        error = e;
      }
      expect(isToolkitError(error, 'E_CERTIFICATE'), bad.label).to.equal(true);
      const e = error as Error & { details: Record<string, string> };
      expect(e.details, bad.label).to.deep.equal({ source: '/certs/bad.pem', reason: bad.reason });
      expect(e.message, bad.label).to.match(/^certificate \/certs\/bad\.pem: .+ \(.+\)$/);
      for (const line of keyLines(bad.key, bad.cert)) expect(e.message).not.to.include(line);
    }
  });

  it('rejects names that cannot label a metric', () => {
    expect(() => validateCertificate(input(leaf.chain, leaf.key, 'a b'))).to.throw(/bad-name/);
    expect(() => validateCertificate(input(leaf.chain, leaf.key, '.hidden'))).to.throw(/bad-name/);
  });

  it('never shows the key in JSON or inspect output', () => {
    const c = validateCertificate(input(leaf.chain, leaf.key));
    const lines = keyLines(leaf.key, c.keyPem());
    expect(lines.length).to.be.greaterThan(0);
    for (const text of [JSON.stringify(c), inspect(c, { depth: 5, showHidden: true })])
      for (const line of lines) expect(text).not.to.include(line);
  });

  it('reads DNS SANs only; wildcards only as a whole leftmost label over two labels', () => {
    expect(
      sanHosts('DNS:Www.A.test., DNS:*.a.test, IP Address:10.0.0.1, email:x@y.z'),
    ).to.deep.equal(['*.a.test', 'www.a.test']);
    expect(sanHosts('DNS:"a, b", DNS:*a.test, DNS:a.*.test, DNS:*.test')).to.deep.equal([]);
    expect(isCertHost('a-b.c.test')).to.equal(true);
    for (const bad of ['*', '*.com', 'a..b', '-a.b', 'a_b.c', '*.*.a.b', 'a b'])
      expect(isCertHost(bad), bad).to.equal(false);
  });
});
