import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import {
  bidi,
  EchoClient,
  startGrpcBackend,
  unary,
  type EchoClientInstance,
  type GrpcBackend,
} from '../../helpers/grpc-backends.js';
import { createTestCa, type TestCa, type TestLeaf } from '../../helpers/tls.js';
import {
  closed,
  openWs,
  roundTrip,
  startWsBackend,
  type WsBackend,
} from '../../helpers/ws-backends.js';
import { waitFor } from '../../helpers/wait-for.js';
import { waitServed } from './harness.js';
import { httpsFlags, writeCert } from './https-harness.js';
import { useGatewaySuite } from './suite.js';

/** WebSocket and gRPC on the HTTPS listener (TLS, ALPN h2 for gRPC): real nginx, Consul, CA. */
describe('gateway WebSocket and gRPC over the HTTPS listener (real nginx + real Consul)', function () {
  this.timeout(60_000);
  const suite = useGatewaySuite();
  let ca: TestCa;
  let leaf: TestLeaf;
  const dirs: string[] = [];
  const closers: (WsBackend | GrpcBackend)[] = [];
  const clients: EchoClientInstance[] = [];
  before(async () => {
    ca = await createTestCa();
    leaf = await ca.issue({ dns: ['app.test'] });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(closers.splice(0).map((b) => b.close()));
  });
  after(() => {
    ca?.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const httpsGateway = async (extra: string[]) => {
    const https = await httpsFlags();
    dirs.push(https.dir);
    writeCert(https.dir, 'app', leaf);
    return { gw: await suite.start([...https.flags, ...extra]), port: https.port };
  };

  for (const mode of ['lua', 'reload'] as const)
    it(`${mode} mode: a WebSocket over TLS echoes through the gateway`, async () => {
      const a = await startWsBackend('a');
      closers.push(a);
      await suite.register('a', 'chat', a.port, ['urlprefix-app.test/chat']);
      const { gw, port } = await httpsGateway(['--mode', mode]);
      await waitServed(`${gw.url}/chat`, ['a'], 'app.test');
      const ws = await openWs(`wss://127.0.0.1:${port}/chat`, 5_000, {
        ca: ca.root,
        servername: 'app.test',
        headers: { host: 'app.test' },
      });
      expect(await roundTrip(ws, 'secure')).to.equal('a:secure');
      expect(a.lastUpgrade?.['x-forwarded-proto']).to.equal('https');
      ws.close();
      await closed(ws);
    });

  for (const mode of ['lua', 'reload'] as const)
    it(`${mode} mode: gRPC unary and bidirectional calls over TLS (HTTP/2 by ALPN)`, async () => {
      const b = await startGrpcBackend('g');
      closers.push(b);
      await suite.register('g', 'echo', b.port, ['urlprefix-app.test/test.Echo/ proto=grpc']);
      const { port } = await httpsGateway(['--mode', mode]);
      const client = new EchoClient(
        `127.0.0.1:${port}`,
        grpc.credentials.createSsl(Buffer.from(ca.root)),
        { 'grpc.ssl_target_name_override': 'app.test', 'grpc.default_authority': 'app.test' },
      );
      clients.push(client);
      const first = await waitFor(
        async () => {
          try {
            return await unary(client, 'tls');
          } catch {
            return undefined;
          }
        },
        { what: 'a gRPC call over TLS' },
      );
      expect(first).to.equal('g:tls');
      expect(await bidi(client, ['x', 'y'])).to.deep.equal(['g:x', 'g:y']);
    });
});
