import { expect } from 'chai';
import { startBackends } from '../../helpers/backends.js';
import { recordFault } from '../../helpers/fault-report.js';
import { get } from '../../helpers/http.js';
import { waitServedBy } from '../../helpers/routing.js';
import { useStack } from '../../helpers/stack.js';

describe('fault: gateway restarted while containers churn', function () {
  this.timeout(120_000);
  const suite = useStack('faults-gateway');
  const { containers } = suite;

  it('comes back rendering fresh data, never an empty catalog', async () => {
    const service = 'faults-gw-web';
    const url = `${suite.stack.gatewayUrl}/app/`;
    const old = await startBackends(containers, service, 'app', 2);
    await waitServedBy(url, old);
    await suite.stack.gateway.stop('SIGTERM', 10_000);
    // Churn while it is down: the old instances go, new ones come.
    await Promise.all(old.map((id) => containers.docker.getContainer(id).remove({ force: true })));
    const fresh = await startBackends(containers, service, 'app', 2);
    const started = performance.now();
    await suite.stack.startGateway();
    const readyMs = performance.now() - started;
    // The first answers after /readyz already come from the fresh instances.
    const answers: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await get(url);
      answers.push(`${res.status} ${res.body.split(/\s/)[0]}`);
    }
    recordFault({
      scenario: 'gateway restarted during churn',
      requests: answers.length,
      failed: answers.filter((a) => !a.startsWith('200 ')).length,
      recoveryMs: readyMs,
      note: 'recovery = start -> /readyz',
    });
    for (const a of answers) expect(fresh.map((id) => `200 ${id}`)).to.include(a);
    await waitServedBy(url, fresh, { only: true });
  });
});
