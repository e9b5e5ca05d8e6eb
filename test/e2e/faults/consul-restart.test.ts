import { expect } from 'chai';
import { startBackends } from '../../helpers/backends.js';
import { printFaultTable, recordFault } from '../../helpers/fault-report.js';
import { startLoad, summarize } from '../../helpers/load.js';
import { catalogIds, waitServedBy } from '../../helpers/routing.js';
import { tail, useStack } from '../../helpers/stack.js';
import { waitFor } from '../../helpers/wait-for.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Printed once, after every fault scenario of the run (a root-level hook).
after(printFaultTable);

describe('fault: Consul agent killed and restarted (a dev agent comes back empty)', function () {
  this.timeout(120_000);
  const suite = useStack('faults-consul');
  const { containers } = suite;

  it('keeps serving the last good routes, then re-registers everything within 5 s', async () => {
    const ids = await startBackends(containers, 'faults-consul-web', 'app', 3);
    const url = `${suite.stack.gatewayUrl}/app/`;
    await waitServedBy(url, ids);
    const load = startLoad({ url, rate: 100, maxDurationMs: 60_000 });
    try {
      await sleep(500);
      await suite.stack.consul!.kill();
      await sleep(2_000);
      await suite.stack.consul!.restart();
      const back = performance.now();
      await waitFor(
        async () => (await catalogIds(suite.stack.client, 'faults-consul-web')).length === 3,
        {
          timeoutMs: 5_000,
          what: 'every running container registered again',
        },
      );
      const registeredMs = performance.now() - back;
      await waitServedBy(url, ids, { only: true });
      await sleep(1_000);
      const { sent, failed } = summarize(await load.stop());
      recordFault({
        scenario: 'Consul agent killed, restarted empty',
        requests: sent,
        failed,
        recoveryMs: registeredMs,
        note: 'recovery = restart -> all re-registered',
      });
      expect(failed, tail(suite.stack.logs, 20)).to.equal(0);
    } finally {
      await load.stop();
    }
  });
});
