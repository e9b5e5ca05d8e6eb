import { expect } from 'chai';
import { createHash, X509Certificate } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../helpers/chromium.js';
import { createTestCa, type TestCa } from '../../helpers/tls.js';
import { waitServed } from './harness.js';
import { httpsFlags, writeCert } from './https-harness.js';
import { useGatewaySuite } from './suite.js';

/** base64 SHA-256 of a certificate's SubjectPublicKeyInfo (Chromium's SPKI pin format). */
function spkiHash(pem: string): string {
  const der = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

/** Debian's Chromium loads a page through the gateway's HTTPS listener (HTTP/2, test CA). */
describe('gateway HTTPS in Chromium', function () {
  this.timeout(120_000);
  const suite = useGatewaySuite();
  let ca: TestCa;
  let browser: Browser | undefined;
  let dir = '';

  before(async () => {
    ca = await createTestCa();
  });
  after(async () => {
    await browser?.close();
    ca?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads a routed page over HTTPS with the certificate for its host, over h2', async () => {
    const leaf = await ca.issue({ dns: ['www.a.test', 'a.test'], intermediate: true });
    const https = await httpsFlags();
    dir = https.dir;
    writeCert(dir, 'a', leaf);
    // Same CA, key not pinned: Chromium must refuse it (the pin is what trusts the test CA).
    writeCert(dir, 'b', await ca.issue({ dns: ['b.a.test'], intermediate: true }));
    const web = await suite.backend('web');
    await suite.register('web-1', 'web', web.port, ['urlprefix-/']);
    const gw = await suite.start(https.flags);
    await waitServed(`${gw.url}/`, ['web'], 'www.a.test');
    // The test CA is trusted through its leaf's key: any other certificate is still an error.
    browser = await launchChromium([
      '--host-resolver-rules=MAP *.a.test 127.0.0.1, MAP other.test 127.0.0.1',
      `--ignore-certificate-errors-spki-list=${spkiHash(leaf.cert)}`,
    ]);
    const page = await browser.newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    const protocols: string[] = [];
    cdp.on('Network.responseReceived', (e) => protocols.push(e.response.protocol ?? ''));
    const response = await page.goto(`https://www.a.test:${https.port}/hello?x=1`);
    expect(response?.status()).to.equal(200);
    expect(await page.locator('body').innerText()).to.match(/^web \/hello\?x=1 host=www\.a\.test /);
    const security = await response?.securityDetails();
    expect(security).to.include({ subjectName: 'www.a.test', issuer: 'Toolkit Test Intermediate' });
    expect(security?.protocol).to.match(/^TLS 1\.[23]$/);
    expect(protocols).to.include('h2');
    // Another host: no certificate for it, the handshake is refused.
    const refused = await page.goto(`https://other.test:${https.port}/`).catch((e: Error) => e);
    expect(refused).to.be.instanceOf(Error);
    const unpinned = await page.goto(`https://b.a.test:${https.port}/`).catch((e: Error) => e);
    expect(String(unpinned)).to.include('ERR_CERT_AUTHORITY_INVALID');
  });
});
