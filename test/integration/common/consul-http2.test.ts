import { expect } from 'chai';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsulClient } from '../../../common/consul/client.js';
import { isToolkitError } from '../../../common/errors.js';
import { startConsulAgent, type ConsulAgent } from '../../helpers/consul-agent.js';
import { connectionsTo, plainGet } from '../../helpers/connections.js';
import { startNginx } from '../../helpers/nginx.js';
import { freePorts } from '../../helpers/ports.js';
import { startTcpRelay } from '../../helpers/tcp-relay.js';
import { createTestCa, type TestCa } from '../../helpers/tls.js';
import { waitFor } from '../../helpers/wait-for.js';

/** Whatever a promise settles to: its value or its error. */
const settled = <T>(p: Promise<T>): Promise<T | unknown> => p.catch((e: unknown) => e);

describe('ConsulClient over HTTP/2 (a stock agent serving HTTPS with a test CA)', function () {
  this.timeout(60_000);
  let ca: TestCa;
  let agent: ConsulAgent;
  let client: ConsulClient;
  const https = () => ({ scheme: 'https' as const, host: '127.0.0.1', port: agent.httpsPort ?? 0 });

  before(async () => {
    ca = await createTestCa();
    const leaf = await ca.issue({ dns: ['IP:127.0.0.1', 'localhost'] });
    agent = await startConsulAgent({ tls: { cert: leaf.chain, key: leaf.key } });
    client = new ConsulClient({ ...https(), tls: { ca: ca.root }, maxConns: 4 });
  });
  after(async () => {
    client?.close();
    await agent?.stop();
    ca?.cleanup();
  });

  it('speaks HTTP/2: writes, reads, KV misses and refusals behave as over HTTP/1.1', async () => {
    await client.transport.negotiate();
    expect(client.transport.requestsPerConnection).to.equal(250);
    await client.registerService({ ID: 'web-1', Name: 'web', Port: 8081, Tags: ['a'] });
    const health = await client.healthService('web', {});
    expect(health.index).to.be.greaterThan(0);
    expect(health.data.map((e) => e.Service.ID)).to.deep.equal(['web-1']);
    await client.kvPut('app/x', 'hello');
    const pairs = await client.kvGet('app/x', false);
    expect(Buffer.from(pairs.data[0]?.Value ?? '', 'base64').toString()).to.equal('hello');
    expect((await client.kvGet('app/none', false)).data).to.deep.equal([]);
    const refused = await settled(client.registerService({ ID: 'x', Name: '', Port: 1 }));
    expect(isToolkitError(refused, 'E_CONSUL_REQUEST'), String(refused)).to.equal(true);
    expect((refused as Error).message).to.match(/answered 400: Missing service name/);
  });

  it('carries 600 blocking queries on 3 connections; others get in; aborting them frees their streams', async () => {
    // A key no one writes: a read of it blocks until the KV store changes.
    const first = await client.kvGet('blocking/none', false);
    const controller = new AbortController();
    setMaxListeners(1_000, controller.signal); // one signal for all 600: no leak warning
    const opts = { index: first.index, waitMs: 30_000, signal: controller.signal };
    const pending = Array.from({ length: 600 }, () =>
      settled(client.kvGet('blocking/none', false, opts)),
    );
    await waitFor(async () => (await connectionsTo(agent.httpsPort ?? 0)) === 3, {
      what: 'three sessions for 600 streams',
    });
    const others = await Promise.all(
      Array.from({ length: 50 }, () => plainGet(`http://${agent.addr}/v1/status/leader`)),
    );
    expect(others.filter((r) => r.status !== 200)).to.deep.equal([]);
    // A change answers every one of them at once.
    await client.kvPut('blocking/other', 'x');
    const answers = await Promise.all(pending);
    expect(answers.filter((a) => a instanceof Error)).to.deep.equal([]);
    expect(client.transport.traffic.peakConnections).to.equal(3);
    // Aborted while blocking: E_ABORTED at once, and the next query finds a free stream.
    const now = await client.kvGet('blocking/none', false);
    const again = Array.from({ length: 300 }, () =>
      settled(client.kvGet('blocking/none', false, { ...opts, index: now.index })),
    );
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    controller.abort();
    const aborted = await Promise.all(again);
    expect(Date.now() - started).to.be.lessThan(2_000);
    expect(aborted.every((e) => isToolkitError(e, 'E_ABORTED'))).to.equal(true);
    expect((await client.kvGet('blocking/other', false)).data).to.have.length(1);
    expect(client.transport.traffic.peakConnections).to.equal(3);
  });

  it('closes every connection on close(), names a certificate it cannot verify, and recovers from an agent restart', async () => {
    const other = new ConsulClient({ ...https(), tls: { ca: ca.root }, maxConns: 4 });
    await other.catalogServices();
    expect(other.transport.traffic.openConnections).to.equal(1);
    other.close();
    await waitFor(() => other.transport.traffic.openConnections === 0, { what: 'closed' });
    const untrusted = new ConsulClient({ ...https(), maxConns: 4 });
    const error = await settled(untrusted.catalogServices());
    untrusted.close();
    expect(isToolkitError(error, 'E_CONSUL_UNAVAILABLE'), String(error)).to.equal(true);
    expect((error as Error).message).to.match(/certificate|verify|issuer/i);
    // A request past its timeout takes its connection for dead (as HTTP/1.1 drops its socket).
    const idle = await client.kvGet('blocking/none', false);
    const open = client.transport.traffic.openConnections;
    const slow = client.transport.request({
      method: 'GET',
      path: '/kv/blocking/none',
      query: { index: idle.index, wait: '10s' },
      timeoutMs: 300,
      allowNotFound: true,
    });
    const late = await settled(slow);
    expect(isToolkitError(late, 'E_CONSUL_UNAVAILABLE'), String(late)).to.equal(true);
    expect((late as Error).message).to.match(/ETIMEDOUT/);
    await waitFor(() => client.transport.traffic.openConnections === open - 1, {
      what: 'dead session gone',
    });
    expect((await client.kvGet('blocking/other', false)).data).to.have.length(1);
    // The agent goes away: retryable failures; back on the same port: a new session.
    await agent.kill();
    const down = await settled(client.catalogServices());
    expect(isToolkitError(down, 'E_CONSUL_UNAVAILABLE'), String(down)).to.equal(true);
    expect((down as { retryable?: boolean }).retryable).to.equal(true);
    await agent.restart();
    await waitFor(async () => !((await settled(client.catalogServices())) instanceof Error), {
      what: 'answers after the restart',
    });
    expect(client.transport.traffic.openConnections).to.be.at.most(4);
  });

  it('takes a connection that went silent for dead within its ping interval', async () => {
    const relay = await startTcpRelay(agent.httpsPort ?? 0);
    const relayed = new ConsulClient({
      ...https(),
      port: relay.port,
      tls: { ca: ca.root },
      maxConns: 4,
      pingMs: 600,
    });
    try {
      const first = await relayed.kvGet('blocking/none', false);
      const pending = settled(
        relayed.kvGet('blocking/none', false, { index: first.index, waitMs: 20_000 }),
      );
      await new Promise((r) => setTimeout(r, 100));
      const frozenAt = Date.now();
      relay.freeze();
      const error = await pending;
      expect(isToolkitError(error, 'E_CONSUL_UNAVAILABLE'), String(error)).to.equal(true);
      expect((error as { retryable?: boolean }).retryable).to.equal(true);
      expect(Date.now() - frozenAt).to.be.lessThan(5_000);
      await waitFor(() => relayed.transport.traffic.openConnections === 0, {
        what: 'the silent connection closed',
      });
    } finally {
      relayed.close();
      await relay.close();
    }
  });

  it('falls back to HTTP/1.1 behind a TLS proxy that offers no h2 (nginx), within the connection bound', async () => {
    const leaf = await ca.issue({ dns: ['IP:127.0.0.1'] });
    const dir = mkdtempSync(join(tmpdir(), 'consul-tls-proxy-'));
    writeFileSync(join(dir, 'cert.pem'), leaf.chain);
    writeFileSync(join(dir, 'key.pem'), leaf.key);
    const [plain, tls] = (await freePorts(2)) as [number, number];
    const nginx = await startNginx(
      [
        `server { listen 127.0.0.1:${plain}; return 200; }`,
        `server { listen 127.0.0.1:${tls} ssl; ssl_certificate ${dir}/cert.pem;`,
        `  ssl_certificate_key ${dir}/key.pem;`,
        `  location / { proxy_pass http://${agent.addr}; proxy_read_timeout 60s; } }`,
      ].join('\n'),
      { port: plain },
    );
    const proxied = new ConsulClient({ ...https(), port: tls, tls: { ca: ca.root }, maxConns: 4 });
    try {
      await proxied.transport.negotiate();
      expect(proxied.transport.requestsPerConnection).to.equal(1);
      await proxied.kvPut('proxied/x', 'y');
      const first = await proxied.kvGet('proxied/none', false);
      const opts = { index: first.index, waitMs: 20_000 };
      const pending = Array.from({ length: 12 }, () =>
        settled(proxied.kvGet('proxied/none', false, opts)),
      );
      await waitFor(async () => (await connectionsTo(tls)) === 4, { what: '4 connections' });
      await client.kvPut('proxied/other', 'z');
      const answers = await Promise.all(pending);
      expect(answers.filter((a) => a instanceof Error)).to.deep.equal([]);
      expect(proxied.transport.traffic.peakConnections).to.equal(4);
    } finally {
      proxied.close();
      await nginx.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
