import { expect } from 'chai';
import { startBackends } from '../../helpers/backends.js';
import { TestContainers } from '../../helpers/containers.js';
import { startDockerd, type PrivateDockerd } from '../../helpers/dockerd.js';
import { recordFault } from '../../helpers/fault-report.js';
import { startLoad, summarize } from '../../helpers/load.js';
import { catalogIds, waitServedBy } from '../../helpers/routing.js';
import { startStack, tail, type Stack } from '../../helpers/stack.js';
import { waitFor } from '../../helpers/wait-for.js';

describe('fault: Docker daemon restarted', function () {
  this.timeout(180_000);
  let dockerd: PrivateDockerd;
  let containers: TestContainers;
  let stack: Stack;

  before(async () => {
    // A private engine: restarting the main one would disturb everything else on the machine.
    dockerd = await startDockerd('faults', { bridgeCidr: '10.213.7.1/24' });
    containers = new TestContainers('faults-docker', dockerd.socket);
    // -internal: container addresses on the engine's bridge. Published ports go through
    // docker-proxy, which dies with the daemon and is re-created ~0.1 s after it returns
    // (measured: connections refused meanwhile), a gap no gateway can route around.
    stack = await startStack({ dockerHost: dockerd.host, registratorArgs: ['-internal'] });
  });
  after(async () => {
    await containers?.cleanup();
    await stack?.stop();
    await dockerd?.stop();
  });

  it('registrator reconnects and Consul matches the running containers within 5 s', async () => {
    const service = 'faults-docker-web';
    const url = `${stack.gatewayUrl}/app/`;
    const [a, b] = await startBackends(containers, service, 'app', 2);
    await waitServedBy(url, [a!, b!]);
    const load = startLoad({ url, rate: 100, maxDurationMs: 90_000 });
    try {
      await dockerd.restart();
      const back = performance.now();
      // Changes right after the daemon returns, before registrator may have reconnected. A stop
      // as users do it (SIGTERM, the backend serves STOP_DELAY more), never a SIGKILL: a backend
      // killed while it writes a response cuts that response, which no proxy can retry.
      await containers.docker.getContainer(a!).stop({ t: 10 });
      await containers.docker.getContainer(a!).remove();
      const [c] = await startBackends(containers, service, 'app', 1);
      const want = [b!, c!].map((n) => `:${n}:80`);
      await waitFor(
        async () => {
          const ids = await catalogIds(stack.client, service);
          return ids.length === 2 && want.every((w) => ids.some((id) => id.endsWith(w)));
        },
        { timeoutMs: 5_000, what: 'Consul matching the containers after the restart' },
      ).catch(async (e: Error) => {
        throw new Error(
          `${e.message}: ${await catalogIds(stack.client, service)}\n${tail(stack.logs, 30)}`,
        );
      });
      const recoveryMs = performance.now() - back;
      await waitServedBy(url, [b!, c!], { only: true });
      expect(stack.registrator.running, 'registrator survived').to.equal(true);
      const { sent, failed } = summarize(await load.stop());
      recordFault({
        scenario: 'Docker daemon restarted (live-restore)',
        requests: sent,
        failed,
        recoveryMs,
        note: 'recovery = daemon back -> Consul matches',
      });
      expect(failed, `${failed} of ${sent} requests failed\n${tail(stack.logs, 20)}`).to.equal(0);
    } finally {
      await load.stop();
    }
  });
});
