import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchText, waitServed } from './harness.js';
import { useGatewaySuite } from './suite.js';

/** An instance that is shutting down: it answers every request 503 and counts them. */
async function draining(): Promise<{ port: number; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end('stopping\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    hits: () => hits,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/**
 * A scale-down SIGTERMs several instances at once; until their deregistration reaches the
 * gateway they answer 503. A request retries on every peer of the route (up to 5 tries), so
 * with 4 of 5 instances draining no request fails (with 3 tries, one that met three draining
 * instances in a row got the last one's 503).
 */
describe('gateway retries: several instances draining at once (real nginx + real Consul)', function () {
  this.timeout(60_000);
  const suite = useGatewaySuite();
  const stopping: Awaited<ReturnType<typeof draining>>[] = [];
  afterEach(async () => {
    await Promise.all(stopping.splice(0).map((d) => d.close()));
  });

  for (const mode of ['lua', 'reload']) {
    it(`${mode} mode: 4 of 5 instances answer 503, the fifth serves every request`, async () => {
      // On 127.0.0.2: the serving instance sorts last, so the first request meets the draining
      // ones first, in both modes (lua starts at the second peer, nginx at the first).
      const serving = await suite.backend('a', '127.0.0.2');
      for (let i = 0; i < 4; i++) stopping.push(await draining());
      const at2 = { Address: '127.0.0.2' };
      await suite.register('a', 'web', serving.port, ['urlprefix-/d'], at2);
      for (const [i, d] of stopping.entries())
        await suite.register(`drain${i}`, 'web', d.port, ['urlprefix-/d']);
      // Another route shows the table has landed, without any request to /d yet (a failed try
      // sets a peer aside for a while, which would hide the retries from the requests below).
      await suite.register('probe', 'probe', serving.port, ['urlprefix-/probe'], at2);
      const gw = await suite.start(['--mode', mode]);
      await waitServed(`${gw.url}/probe/`, ['a']);
      const answers: string[] = [];
      for (let i = 0; i < 60; i++) {
        const r = await fetchText(`${gw.url}/d/`);
        answers.push(r.status === 200 ? (r.body.split(' ')[0] ?? '') : String(r.status));
      }
      expect(answers.filter((a) => a !== 'a')).to.deep.equal([]);
      // The draining instances were tried (and their 503 retried elsewhere).
      expect(stopping.reduce((n, d) => n + d.hits(), 0)).to.be.greaterThan(0);
    });
  }
});
