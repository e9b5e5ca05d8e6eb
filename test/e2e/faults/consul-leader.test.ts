import { expect } from 'chai';
import { startBackends } from '../../helpers/backends.js';
import { startConsulCluster, type ConsulCluster } from '../../helpers/consul-cluster.js';
import { TestContainers } from '../../helpers/containers.js';
import { recordFault } from '../../helpers/fault-report.js';
import { startLoad, summarize } from '../../helpers/load.js';
import { waitServedBy } from '../../helpers/routing.js';
import { startStack, tail, type Stack } from '../../helpers/stack.js';

describe('fault: Consul leader killed in a three-server cluster', function () {
  this.timeout(180_000);
  const containers = new TestContainers('faults-leader');
  let cluster: ConsulCluster;
  let stack: Stack;

  before(async () => {
    cluster = await startConsulCluster({ servers: 3, clients: 1 });
    const agent = cluster.clients[0]!;
    // registrator and gateway talk to the host's client agent, as in the reference deployment.
    stack = await startStack({ consulAddr: `${agent.bind}:${agent.httpPort}` });
  });
  after(async () => {
    await containers.cleanup();
    await stack?.stop();
    await cluster?.stop();
  });

  it('registration and rendering continue after the election, with no manual step', async () => {
    const service = 'faults-leader-web';
    const url = `${stack.gatewayUrl}/app/`;
    const first = await startBackends(containers, service, 'app', 1);
    await waitServedBy(url, first);
    const load = startLoad({ url, rate: 100, maxDurationMs: 90_000 });
    try {
      const leader = await cluster.leader();
      await cluster.kill(leader);
      const killed = performance.now();
      const later = await startBackends(containers, service, 'app', 1);
      await waitServedBy(url, [...first, ...later], { timeoutMs: 60_000 });
      const recoveryMs = performance.now() - killed;
      const next = await cluster.leader();
      expect(next.name).not.to.equal(leader.name);
      const { sent, failed } = summarize(await load.stop());
      recordFault({
        scenario: 'Consul leader killed (3 servers + client)',
        requests: sent,
        failed,
        recoveryMs,
        note: 'recovery = kill -> new container routed',
      });
      expect(failed, tail(stack.logs, 20)).to.equal(0);
    } finally {
      await load.stop();
    }
  });
});
