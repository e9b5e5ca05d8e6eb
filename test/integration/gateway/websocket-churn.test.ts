import { expect } from 'chai';
import type { WebSocket } from 'ws';
import { openWs, roundTrip, startWsBackend, type WsBackend } from '../../helpers/ws-backends.js';
import { waitFor } from '../../helpers/wait-for.js';
import { waitServed } from './harness.js';
import { useGatewaySuite } from './suite.js';

const CONNECTIONS = 500;
const TAG = 'urlprefix-/live';

/**
 * 500 WebSockets held open while other instances of the same route come and go: none of the
 * connections to the instances that stay is dropped, and every one still echoes at the end.
 */
describe('gateway WebSockets under instance churn (real nginx + real Consul)', function () {
  this.timeout(180_000);
  const suite = useGatewaySuite();
  const backends: WsBackend[] = [];
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((b) => b.close()));
  });

  for (const [mode, seconds] of [
    ['lua', 60],
    ['reload', 10],
  ] as const) {
    it(`${mode} mode: ${CONNECTIONS} connections held ${seconds} s while instances start and stop`, async () => {
      const [a, b] = await Promise.all([startWsBackend('a'), startWsBackend('b')]);
      backends.push(a, b);
      await suite.register('a', 'live', a.port, [TAG]);
      await suite.register('b', 'live', b.port, [TAG]);
      const gw = await suite.start(['--mode', mode]);
      await waitServed(`${gw.url}/live`, ['a', 'b']);
      const url = `${gw.url.replace('http', 'ws')}/live`;
      const sockets: WebSocket[] = [];
      let dropped = 0;
      for (let i = 0; i < CONNECTIONS; i += 50) {
        const batch = await Promise.all(Array.from({ length: 50 }, () => openWs(url, 15_000)));
        for (const ws of batch) ws.on('close', () => dropped++);
        sockets.push(...batch);
      }
      expect(a.open + b.open).to.equal(CONNECTIONS);

      const deadline = Date.now() + seconds * 1000;
      let cycles = 0;
      let churned = 0;
      while (Date.now() < deadline) {
        const c = await startWsBackend(`c${cycles}`);
        await suite.register(`c${cycles}`, 'live', c.port, [TAG]);
        // Some connections reach the newcomer, then it leaves (its own sockets may close).
        const extra: WebSocket[] = [];
        await waitFor(
          async () => {
            extra.push(await openWs(url, 15_000));
            return c.open > 0;
          },
          { timeoutMs: 10_000, intervalMs: 50, what: `a connection to c${cycles}` },
        );
        churned += c.open;
        await new Promise((r) => setTimeout(r, 300));
        await suite.agent.client.deregisterService(`c${cycles}`);
        await new Promise((r) => setTimeout(r, 400));
        for (const ws of extra) ws.terminate();
        await c.close();
        cycles++;
        // A sample of the long-lived connections is used during the churn.
        const sample = sockets[(cycles * 37) % CONNECTIONS] as WebSocket;
        expect(await roundTrip(sample, 'ping')).to.match(/^[ab]:ping$/);
      }
      const echoes = await Promise.all(sockets.map((ws, i) => roundTrip(ws, `m${i}`, 15_000)));
      expect(echoes.every((e, i) => /^[ab]:/.test(e) && e.endsWith(`:m${i}`))).to.equal(true);
      console.log(
        `      ${mode}: ${cycles} instances started and stopped (${churned} sockets reached them), ${CONNECTIONS} held: ${dropped} dropped`,
      );
      expect(dropped).to.equal(0);
      expect(a.open + b.open).to.equal(CONNECTIONS);
      for (const ws of sockets) ws.terminate();
    });
  }
});
