import { expect } from 'chai';
import { appendFileSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultTemplatePath } from '../../../gateway/index.js';
import { ROOT } from '../../helpers/paths.js';
import {
  closed,
  openWs,
  roundTrip,
  startWsBackend,
  type WsBackend,
} from '../../helpers/ws-backends.js';
import { waitFor } from '../../helpers/wait-for.js';
import { fetchText, waitServed } from './harness.js';
import { useGatewaySuite } from './suite.js';

/** WebSocket upgrades through both nginx tiers (real nginx + real Consul + ws backends). */
describe('gateway WebSocket pass-through (real nginx + real Consul)', function () {
  this.timeout(60_000);
  const suite = useGatewaySuite();
  const backends: WsBackend[] = [];
  const ws = async (name: string): Promise<WsBackend> => {
    const b = await startWsBackend(name);
    backends.push(b);
    return b;
  };
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((b) => b.close()));
  });

  for (const mode of ['lua', 'reload'] as const) {
    it(`${mode} mode: echoes through the gateway; ordinary requests keep keepalive; a leaving instance keeps its sockets`, async () => {
      const [a, b] = await Promise.all([ws('a'), ws('b')]);
      await suite.register('a', 'chat', a.port, ['urlprefix-/chat']);
      const gw = await suite.start(['--mode', mode]);
      await waitServed(`${gw.url}/chat`, ['a']);
      const wsUrl = `${gw.url.replace('http', 'ws')}/chat`;
      const first = await openWs(wsUrl);
      expect(await roundTrip(first, 'hello')).to.equal('a:hello');
      expect(a.lastUpgrade?.upgrade).to.equal('websocket');
      expect(a.lastUpgrade?.connection?.toLowerCase()).to.equal('upgrade');

      // b joins, a leaves Consul: new upgrades go to b, a's open socket keeps working.
      await suite.register('b', 'chat', b.port, ['urlprefix-/chat']);
      await suite.agent.client.deregisterService('a');
      await waitServed(`${gw.url}/chat`, ['b']);
      const second = await openWs(wsUrl);
      expect(await roundTrip(second, 'x')).to.equal('b:x');
      expect(await roundTrip(first, 'still')).to.equal('a:still');
      expect(first.readyState).to.equal(first.OPEN);

      // Ordinary requests are not upgrades, and reuse the pool's keepalive connections to b.
      const before = b.connections;
      for (let i = 0; i < 20; i++) expect((await fetchText(`${gw.url}/chat`)).status).to.equal(200);
      expect(b.connections - before).to.be.at.most(2);
      first.close();
      second.close();
      await Promise.all([closed(first), closed(second)]);
    });
  }

  for (const mode of ['lua', 'reload'] as const)
    it(`${mode} mode: an idle WebSocket is closed after its route's timeout= (or --websocket-timeout)`, async () => {
      const a = await ws('a');
      await suite.register('a', 'chat', a.port, ['urlprefix-/chat timeout=2s']);
      await suite.register('a2', 'long', a.port, ['urlprefix-/long']);
      const gw = await suite.start(['--mode', mode, '--websocket-timeout', '4s']);
      await waitServed(`${gw.url}/chat`, ['a']);
      const base = gw.url.replace('http', 'ws');
      const short = await openWs(`${base}/chat`);
      const long = await openWs(`${base}/long`);
      const started = Date.now();
      await closed(short);
      const shortMs = Date.now() - started;
      await closed(long);
      const longMs = Date.now() - started;
      expect(shortMs).to.be.within(1_500, 3_900);
      expect(longMs).to.be.within(3_500, 8_000);
      await waitFor(() => a.open === 0, { what: 'backend sockets closed' });
    });

  it('a template edit reloads the edge: open WebSockets keep working, up to --shutdown-timeout', async () => {
    const a = await ws('a');
    await suite.register('a', 'chat', a.port, ['urlprefix-/chat']);
    const dir = mkdtempSync(join(tmpdir(), 'gw-ws-tpl-'));
    const template = join(dir, 'edge.hbs');
    copyFileSync(defaultTemplatePath(), template);
    try {
      const gw = await suite.start(['--template', template, '--shutdown-timeout', '3s']);
      await waitServed(`${gw.url}/chat`, ['a']);
      const socket = await openWs(`${gw.url.replace('http', 'ws')}/chat`);
      const generation = gw.gateway.status().generation;
      appendFileSync(template, '# edited\n');
      await waitFor(() => gw.gateway.status().generation > generation, { what: 'edge reload' });
      const reloadedAt = Date.now();
      expect(await roundTrip(socket, 'after')).to.equal('a:after');
      await closed(socket);
      expect(Date.now() - reloadedAt).to.be.within(1_000, 8_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('direct template (single tier): echoes, and an idle WebSocket closes after its route timeout=', async () => {
    const a = await ws('a');
    await suite.register('a', 'chat', a.port, ['urlprefix-/chat timeout=2s']);
    const gw = await suite.start(['--template', join(ROOT, 'templates/gateway-direct.hbs')]);
    await waitServed(`${gw.url}/chat`, ['a']);
    const socket = await openWs(`${gw.url.replace('http', 'ws')}/chat`);
    expect(await roundTrip(socket, 'direct')).to.equal('a:direct');
    const started = Date.now();
    await closed(socket);
    expect(Date.now() - started).to.be.within(1_500, 5_000);
  });
});
