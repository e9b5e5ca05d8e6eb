import { expect } from 'chai';
import { startBackends } from '../../helpers/backends.js';
import { recordFault } from '../../helpers/fault-report.js';
import { get } from '../../helpers/http.js';
import { startLoad, summarize } from '../../helpers/load.js';
import { waitServedBy } from '../../helpers/routing.js';
import { tail, useStack } from '../../helpers/stack.js';
import { waitFor } from '../../helpers/wait-for.js';

describe('fault: nginx worker or master killed', function () {
  this.timeout(120_000);
  const suite = useStack('faults-nginx');
  let url: string;
  let ids: string[];

  before(async () => {
    ids = await startBackends(suite.containers, 'faults-nginx-web', 'app', 2);
    url = `${suite.stack.gatewayUrl}/app/`;
    await waitServedBy(url, ids);
  });

  for (const target of ['worker', 'master'] as const) {
    it(`routing resumes within 2 s after the ${target} is SIGKILLed`, async () => {
      const { master, workers } = suite.stack.nginxPids();
      const pid = target === 'master' ? master : workers[0];
      expect(pid, `nginx ${target} pid`).to.be.a('number');
      const load = startLoad({ url, rate: 100, maxDurationMs: 30_000 });
      try {
        await new Promise((r) => setTimeout(r, 300));
        process.kill(pid!, 'SIGKILL');
        const killed = performance.now();
        // Recovery: the first of ten answers in a row from a backend.
        let inARow = 0;
        let firstOk = 0;
        await waitFor(
          async () => {
            const res = await get(url, 500);
            if (res.status !== 200) inARow = 0;
            else if (inARow++ === 0) firstOk = performance.now();
            return inARow >= 10;
          },
          { timeoutMs: 2_000 + 2_000, intervalMs: 10, what: 'routing after the kill' },
        );
        const recoveryMs = Math.max(0, firstOk - killed);
        await waitServedBy(url, ids);
        const { sent, failed } = summarize(await load.stop());
        recordFault({
          scenario: `nginx ${target} SIGKILL`,
          requests: sent,
          failed,
          recoveryMs,
          note: 'recovery = kill -> routing again',
        });
        // Requests in flight on a killed process are lost; what counts is how fast routing resumes.
        expect(recoveryMs, tail(suite.stack.logs, 20)).to.be.at.most(2_000);
      } finally {
        await load.stop();
      }
    });
  }
});
