import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCa, type TestCa } from '../../helpers/tls.js';
import { waitServed } from './harness.js';
import { plainGet, startTlsBackend } from './https-harness.js';
import { useGatewaySuite } from './suite.js';

/** proto=https routes: the gateway speaks TLS to the upstream, verified unless tlsskipverify. */
describe('gateway proto=https routes (lua mode)', function () {
  this.timeout(120_000);
  const suite = useGatewaySuite();
  let ca: TestCa;
  let dir: string;
  const closers: (() => Promise<void>)[] = [];

  before(async () => {
    ca = await createTestCa();
    dir = mkdtempSync(join(tmpdir(), 'gw-upstream-ca-'));
    writeFileSync(join(dir, 'root.crt'), ca.root);
  });
  after(async () => {
    await Promise.all(closers.map((c) => c()));
    ca?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the upstream against --upstream-ca for the request host; tlsskipverify skips it', async () => {
    const good = await startTlsBackend(
      'good',
      await ca.issue({ dns: ['up.test'], intermediate: true }),
    );
    // A certificate for another name: verification must fail for wrong.test.
    const wrong = await startTlsBackend('wrong', await ca.issue({ dns: ['elsewhere.test'] }));
    const skip = await startTlsBackend('skip', await ca.issue({ dns: ['elsewhere.test'] }));
    closers.push(good.close, wrong.close, skip.close);
    const plain = await suite.backend('plain');
    await suite.register('good-1', 'good', good.port, ['urlprefix-up.test/ proto=https']);
    await suite.register('wrong-1', 'wrong', wrong.port, ['urlprefix-wrong.test/ proto=https']);
    await suite.register('skip-1', 'skip', skip.port, [
      'urlprefix-skip.test/s strip=/s proto=https tlsskipverify=true',
    ]);
    await suite.register('plain-1', 'plain', plain.port, ['urlprefix-plain.test/']);
    const gw = await suite.start(['--upstream-ca', join(dir, 'root.crt')]);
    await waitServed(`${gw.url}/`, ['plain'], 'plain.test');
    await waitServed(`${gw.url}/`, ['good'], 'up.test');
    expect((await plainGet(`${gw.url}/a?b=1`, 'up.test')).body).to.equal(
      'good tls /a?b=1 sni=up.test\n',
    );
    expect((await plainGet(`${gw.url}/s/x`, 'skip.test')).body).to.equal(
      'skip tls /x sni=skip.test\n',
    );
    expect((await plainGet(`${gw.url}/`, 'wrong.test')).status).to.equal(502);
    expect((await plainGet(`${gw.url}/p`, 'plain.test')).body).to.match(/^plain \/p /);
  });

  it('the system CA bundle is the default: a test-CA upstream is not trusted', async () => {
    const good = await startTlsBackend('good', await ca.issue({ dns: ['up.test'] }));
    closers.push(good.close);
    const plain = await suite.backend('plain');
    await suite.register('good-1', 'good', good.port, ['urlprefix-up.test/ proto=https']);
    await suite.register('plain-1', 'plain', plain.port, ['urlprefix-plain.test/']);
    const gw = await suite.start();
    await waitServed(`${gw.url}/`, ['plain'], 'plain.test');
    expect((await plainGet(`${gw.url}/`, 'up.test')).status).to.equal(502);
  });
});
