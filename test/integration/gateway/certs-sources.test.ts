import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { ConsulClient } from '../../../common/consul/client.js';
import { createLogger } from '../../../common/log.js';
import { CertificateManager } from '../../../gateway/certs/manager.js';
import { CertificateMetrics } from '../../../gateway/certs/metrics.js';
import { CertificateSync } from '../../../gateway/certs/push.js';
import { createRenderer, type Renderer } from '../../../template-renderer/index.js';
import { badCertificates, keyLines } from '../../helpers/cert-corpus.js';
import { startConsulAgent, type ConsulAgent } from '../../helpers/consul-agent.js';
import { handshake } from '../../helpers/handshake.js';
import { startTlsNginx, type TlsNginx } from '../../helpers/tls-nginx.js';
import { createTestCa, type TestCa, type TestLeaf } from '../../helpers/tls.js';
import { failuresUnderLoad } from '../../helpers/under-load.js';
import { waitFor } from '../../helpers/wait-for.js';

const TOKEN = 'certs-test-root-token';
const ACL = `acl { enabled = true default_policy = "deny" tokens { master = "${TOKEN}" } }`;

/** Folder and Consul KV sources -> store -> nginx, with real files, a real agent (ACLs on), real nginx. */
describe('gateway certificates from a folder and Consul KV, served by nginx', function () {
  this.timeout(120_000);
  let ca: TestCa;
  let agent: ConsulAgent;
  let kv: ConsulClient;
  let tls: TlsNginx;
  let dir: string;
  let renderer: Renderer;
  let manager: CertificateManager;
  let sync: CertificateSync;
  const registry = new Registry();
  const logs: string[] = [];
  let leaves: Record<'a' | 'a2' | 'a3' | 'k' | 'k2' | 'w', TestLeaf>;
  const fp = async (sni: string): Promise<string> => {
    const h = await handshake(tls.https, { ca: ca.root, servername: sni });
    return h.ok && h.verified ? h.fingerprint : 'refused';
  };
  const fingerprintOf = (leaf: TestLeaf): string => new X509Certificate(leaf.cert).fingerprint256;

  before(async () => {
    ca = await createTestCa();
    const issue = (dns: string) => ca.issue({ dns: [dns], intermediate: true });
    leaves = {
      a: await issue('a.test'),
      a2: await issue('a.test'),
      a3: await issue('a.test'),
      k: await issue('k.test'),
      k2: await issue('k.test'),
      w: await ca.issue({ dns: ['*.w.test'] }),
    };
    dir = mkdtempSync(join(tmpdir(), 'cert-dir-'));
    writeFileSync(join(dir, 'a.pem'), leaves.a.chain + leaves.a.key);
    writeFileSync(join(dir, 'w.crt'), leaves.w.chain);
    writeFileSync(join(dir, 'w.key'), leaves.w.key);
    agent = await startConsulAgent({ extraArgs: ['-hcl', ACL] });
    kv = new ConsulClient({ ...agent.config, token: TOKEN });
    await kv.kvPut('certs/k/cert', leaves.k.chain);
    await kv.kvPut('certs/k/key', leaves.k.key);
    tls = await startTlsNginx();
    const log = createLogger({
      name: 'test',
      level: 'info',
      destination: new Writable({
        write(chunk, _enc, done) {
          logs.push(String(chunk));
          done();
        },
      }),
    });
    sync = new CertificateSync({ socketPath: tls.socket, setFile: tls.setFile });
    manager = new CertificateManager({
      certDir: dir,
      kvPrefix: 'certs',
      kvDestination: `${dir}-kv.digest`,
      metrics: new CertificateMetrics(registry),
      log,
      onChange: (store) => void sync.push(store.encoded()),
    });
    await manager.start();
    const source = manager.kvTemplate();
    if (!source) throw new Error('no KV template');
    renderer = createRenderer({
      consul: { ...agent.config, token: TOKEN },
      templates: [source.template],
      helpers: source.helpers,
      logger: log,
    });
    await renderer.start();
  });
  after(async () => {
    await renderer?.stop();
    await manager?.stop();
    sync?.stop();
    await tls?.stop();
    await agent?.stop();
    kv?.close();
    ca?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
    rmSync(`${dir}-kv.digest`, { force: true });
  });

  it('serves both sources; the KV watch is a blocking query with the token; the digest has no PEM', async () => {
    await waitFor(async () => (await fp('k.test')) === fingerprintOf(leaves.k), {
      what: 'KV cert',
    });
    expect(await fp('a.test')).to.equal(fingerprintOf(leaves.a));
    expect(await fp('x.w.test')).to.equal(fingerprintOf(leaves.w));
    const query = renderer.status().queries.find((q) => q.key === 'kv.tree(certs)');
    expect(query).to.include({ watch: 'blocking', hasData: true });
    const digest = `${dir}-kv.digest`;
    expect(statSync(digest).mode & 0o777).to.equal(0o600);
    expect(readFileSync(digest, 'utf8')).to.not.include('BEGIN');
    expect(statSync(tls.setFile).mode & 0o777).to.equal(0o600);
  });

  it('rotation from a file and from KV under a handshake loop: 0 failures', async () => {
    const failures = await failuresUnderLoad(
      ['a.test', 'a.test', 'k.test', 'k.test'],
      async (sni) => {
        const h = await handshake(tls.https, { ca: ca.root, servername: sni });
        return !h.ok ? h.error : h.verified ? undefined : 'not verified';
      },
      async () => {
        writeFileSync(join(dir, 'a.pem'), leaves.a2.chain + leaves.a2.key);
        await waitFor(async () => (await fp('a.test')) === fingerprintOf(leaves.a2), {
          what: 'a2',
        });
        await kv.kvPut('certs/k/cert', leaves.k2.chain + leaves.k2.key);
        await kv.kvDelete('certs/k/key');
        await waitFor(async () => (await fp('k.test')) === fingerprintOf(leaves.k2), {
          what: 'k2',
        });
      },
    );
    expect(failures).to.deep.equal([]);
  });

  it('bad inputs: one error naming source and reason; the last good version keeps serving', async () => {
    const served = await fp('a.test');
    for (const bad of await badCertificates(ca)) {
      const before = logs.length;
      writeFileSync(join(dir, 'a.pem'), bad.cert);
      if (bad.key === undefined) rmSync(join(dir, 'a.key'), { force: true });
      else writeFileSync(join(dir, 'a.key'), bad.key);
      const line = await waitFor(
        () => logs.slice(before).find((l) => l.includes('certificate rejected')),
        { what: `rejection of ${bad.label}` },
      );
      expect(JSON.parse(line), bad.label).to.include({
        source: join(dir, 'a.pem'),
        reason: bad.reason,
      });
      expect(await fp('a.test'), bad.label).to.equal(served);
      expect(await fp('x.w.test'), bad.label).to.equal(fingerprintOf(leaves.w));
    }
    unlinkSync(join(dir, 'a.key'));
    // KV too: a mismatched key under the prefix.
    const before = logs.length;
    await kv.kvPut('certs/k/key', await ca.strayKey());
    const line = await waitFor(
      () => logs.slice(before).find((l) => l.includes('certificate rejected')),
      { what: 'KV rejection' },
    );
    expect(JSON.parse(line)).to.include({ source: 'consul:certs/k', reason: 'key-mismatch' });
    expect(await fp('k.test')).to.equal(fingerprintOf(leaves.k2));
  });

  it('deleting a file or a KV folder removes its certificate; no output holds key material', async () => {
    writeFileSync(join(dir, 'a.pem'), leaves.a3.chain + leaves.a3.key);
    await waitFor(async () => (await fp('a.test')) === fingerprintOf(leaves.a3), { what: 'a3' });
    unlinkSync(join(dir, 'a.pem'));
    await kv.kvDelete('certs/k', true);
    await waitFor(async () => (await fp('a.test')) === 'refused', { what: 'a.test removed' });
    await waitFor(async () => (await fp('k.test')) === 'refused', { what: 'k.test removed' });
    const outputs = [
      logs.join(''),
      JSON.stringify(manager.status()),
      await registry.metrics(),
      JSON.stringify(renderer.status()),
      readFileSync(`${dir}-kv.digest`, 'utf8'),
    ].join('\n');
    const keys = keyLines(...Object.values(leaves).map((l) => l.key));
    expect(keys.length).to.be.greaterThan(10);
    for (const k of keys) expect(outputs).to.not.include(k);
    expect(outputs).to.not.include(TOKEN);
    expect(await registry.metrics()).to.match(
      /gateway_certificates_rejected_total\{reason="expired"\} 1/,
    );
  });
});
