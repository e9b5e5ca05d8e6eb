import { expect } from 'chai';
import { startBackends } from '../../helpers/backends.js';
import { recordFault } from '../../helpers/fault-report.js';
import { startLoad, summarize } from '../../helpers/load.js';
import { catalogIds, waitServedBy } from '../../helpers/routing.js';
import { tail, useStack } from '../../helpers/stack.js';
import { waitFor } from '../../helpers/wait-for.js';

describe('fault: registrator SIGKILLed while containers change', function () {
  this.timeout(120_000);
  // -cleanup: remove this host's services that no running container accounts for (the
  // original's flag; a SIGKILLed registrator missed the removal it would have seen).
  const suite = useStack('faults-registrator', { registratorArgs: ['-cleanup'] });
  const { containers } = suite;

  it('on its return: no stale services within 5 s, the new ones registered', async () => {
    const service = 'faults-reg-web';
    const [a, b] = await startBackends(containers, service, 'app', 2);
    const url = `${suite.stack.gatewayUrl}/app/`;
    await waitServedBy(url, [a!, b!]);
    const load = startLoad({ url, rate: 100, maxDurationMs: 60_000 });
    try {
      await suite.stack.registrator.stop('SIGKILL', 1_000);
      // While it is dead: one container stopped and removed, another started. A stop as users
      // do it (SIGTERM; the backend serves STOP_DELAY more, then finishes its requests), never a
      // SIGKILL: a backend killed while it writes a response cuts it, which no proxy can retry.
      await containers.docker.getContainer(a!).stop({ t: 10 });
      await containers.docker.getContainer(a!).remove();
      const [c] = await startBackends(containers, service, 'app', 1);
      suite.stack.startRegistrator();
      const back = performance.now();
      const want = [b!, c!].map((n) => `:${n}:80`);
      await waitFor(
        async () => {
          const ids = await catalogIds(suite.stack.client, service);
          return ids.length === 2 && want.every((w) => ids.some((id) => id.endsWith(w)));
        },
        { timeoutMs: 5_000, what: 'Consul matching the running containers' },
      ).catch(async (e: Error) => {
        throw new Error(
          `${e.message}: ${await catalogIds(suite.stack.client, service)}\n${tail(suite.stack.logs, 30)}`,
        );
      });
      const recoveryMs = performance.now() - back;
      await waitServedBy(url, [b!, c!], { only: true });
      const { sent, failed } = summarize(await load.stop());
      recordFault({
        scenario: 'registrator SIGKILL, containers changed',
        requests: sent,
        failed,
        recoveryMs,
        note: 'recovery = restart -> Consul matches',
      });
      expect(
        failed,
        `${failed} of ${sent} requests failed\n${tail(suite.stack.logs, 20)}`,
      ).to.equal(0);
    } finally {
      await load.stop();
    }
  });
});
