import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { join } from 'node:path';
import {
  bidi,
  echoClient,
  serverStream,
  startGrpcBackend,
  unary,
  type EchoClientInstance,
  type GrpcBackend,
} from '../../helpers/grpc-backends.js';
import { launchChromium } from '../../helpers/chromium.js';
import { ROOT } from '../../helpers/paths.js';
import { freePort } from '../../helpers/ports.js';
import { waitFor } from '../../helpers/wait-for.js';
import { fetchText } from './harness.js';
import { useGatewaySuite } from './suite.js';

/** gRPC through the h2c listener (real nginx, Consul, grpc-js client and servers). */
/** Waits until a unary call fails with `details` (the route's state reached nginx); the error. */
function callFailsWith(client: EchoClientInstance, details: string): Promise<grpc.ServiceError> {
  return waitFor(
    async () => {
      try {
        await unary(client, 'x');
        return false;
      } catch (e) {
        const err = e as grpc.ServiceError;
        return err.details === details ? err : false;
      }
    },
    { what: `a call failing with "${details}"` },
  );
}

describe('gateway gRPC pass-through (real nginx + real Consul + grpc-js)', function () {
  this.timeout(60_000);
  const suite = useGatewaySuite();
  const backends: GrpcBackend[] = [];
  const clients: EchoClientInstance[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(backends.splice(0).map((b) => b.close()));
  });
  const TAG = 'urlprefix-/test.Echo/ proto=grpc';

  for (const mode of ['lua', 'reload', 'direct'] as const) {
    it(`${mode === 'direct' ? 'direct template' : `${mode} mode`}: unary, server-streaming and bidirectional calls; UNAVAILABLE without an instance`, async () => {
      const [a, b] = await Promise.all([startGrpcBackend('a'), startGrpcBackend('b')]);
      backends.push(a, b);
      await suite.register('a', 'echo', a.port, [TAG]);
      await suite.register('b', 'echo', b.port, [TAG]);
      const h2c = await freePort();
      const gw = await suite.start([
        ...(mode === 'direct'
          ? ['--template', join(ROOT, 'templates/gateway-direct.hbs')]
          : ['--mode', mode]),
        '--h2c-listen',
        `127.0.0.1:${h2c}`,
      ]);
      const client = echoClient(`127.0.0.1:${h2c}`);
      clients.push(client);
      const seen = new Set<string>();
      await waitFor(
        async () => {
          for (let i = 0; i < 6; i++) seen.add((await unary(client, 'hi')).split(':')[0] ?? '');
          return seen.has('a') && seen.has('b');
        },
        { what: 'unary calls answered by a and b' },
      );
      // An instance that refuses connections: the call never reached it, so it goes to another.
      await suite.register('dead', 'echo', await freePort(), [TAG]);
      await waitFor(async () => (await suite.status()).routes[0]?.servers.length === 3, {
        what: 'three servers',
      });
      for (let i = 0; i < 12; i++) expect(await unary(client, 'r')).to.match(/^[ab]:r$/);
      await suite.agent.client.deregisterService('dead');

      const streamed = await serverStream(client, 50);
      expect(streamed).to.have.length(50);
      expect(streamed[49]).to.match(/^[ab]:49$/);
      const chat = await bidi(client, ['one', 'two', 'three']);
      expect(chat.map((m) => m.split(':')[1])).to.deep.equal(['one', 'two', 'three']);
      expect(new Set(chat.map((m) => m.split(':')[0])).size).to.equal(1);

      // A gRPC route over HTTP/1.1 explains itself instead of proxying.
      const plain = await fetchText(`${gw.url}/test.Echo/Unary`);
      expect(plain.status).to.equal(503);
      expect(plain.body).to.match(/gRPC route/);

      // Only an instance that refuses connections: UNAVAILABLE as well (not an HTML 502).
      if (mode !== 'direct') {
        await suite.agent.client.deregisterService('a');
        await suite.agent.client.deregisterService('b');
        await suite.register('dead', 'echo', await freePort(), [TAG]);
        const unreachable = await callFailsWith(client, 'no instance reachable');
        expect(unreachable.code).to.equal(grpc.status.UNAVAILABLE);
        await suite.agent.client.deregisterService('dead');
        await suite.register('a', 'echo', a.port, [TAG]);
      }

      // No healthy instance: a gRPC UNAVAILABLE status, not an HTML 503.
      const expected =
        mode === 'direct' ? 'no healthy instance' : 'no healthy instance of echo for /test.Echo/';
      await suite.agent.client.deregisterService('a');
      await suite.agent.client.registerService({
        ID: 'b',
        Name: 'echo',
        Address: '127.0.0.1',
        Port: b.port,
        Tags: [TAG],
        Checks: [{ TTL: '60s' }],
      });
      const error = await callFailsWith(client, expected);
      expect(error.code).to.equal(grpc.status.UNAVAILABLE);
      expect(error.details).to.equal(expected);

      // A path without a gRPC route: UNIMPLEMENTED.
      if (mode === 'direct') return;
      const other = await new Promise<grpc.ServiceError>((resolve) =>
        client.makeUnaryRequest(
          '/other.Svc/Call',
          (x: Buffer) => x,
          (x: Buffer) => x,
          Buffer.from(''),
          (e: grpc.ServiceError | null) => resolve(e as grpc.ServiceError),
        ),
      );
      expect(other.code).to.equal(grpc.status.UNIMPLEMENTED);
    });
  }

  it("/status and the status page show each route's protocol", async () => {
    const a = await startGrpcBackend('a');
    backends.push(a);
    await suite.register('a', 'echo', a.port, [`${TAG} timeout=5m`]);
    await suite.register('w', 'web', a.port, ['urlprefix-/web']);
    const gw = await suite.start(['--mode', 'lua']);
    const routes = await waitFor(async () => {
      const r = (await suite.status()).routes as {
        path: string;
        protocol: string;
        timeout?: number;
      }[];
      return r.length === 2 ? r : undefined;
    });
    expect(routes.map((r) => [r.path, r.protocol, r.timeout])).to.deep.equal([
      ['/test.Echo/', 'grpc', 300],
      ['/web', 'http', undefined],
    ]);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${gw.statusUrl}/`);
      const row = page.locator('#routes tbody tr', { hasText: '/test.Echo/' });
      await row.waitFor({ timeout: 15_000 });
      expect(await row.innerText()).to.include('gRPC (idle 300 s)');
      expect(await page.locator('#routes tbody tr', { hasText: '/web' }).innerText()).to.include(
        'HTTP, WebSocket',
      );
    } finally {
      await browser.close();
    }
  });
});
