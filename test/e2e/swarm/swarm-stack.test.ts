import { expect } from 'chai';
import { get } from '../../helpers/http.js';
import { startLoad } from '../../helpers/load.js';
import { waitFor } from '../../helpers/wait-for.js';
import { gatewayMode } from '../compose/harness.js';
import { deployStack, startSwarmStack, type SwarmStack } from './harness.js';

/**
 * compose/swarm-stack.yml deployed with `docker stack deploy` on a two-node Swarm of private
 * engines (the manager in this machine's network namespace, the worker in its own, joined by a
 * veth pair; the overlay network spans both over VXLAN): registrator (global) registers each
 * node's tasks of `web` at their overlay addresses, the manager's gateway (host-mode port, on
 * the overlay network) routes to the tasks of both nodes. This kernel has no IPVS, so Swarm's
 * VIPs and routing mesh do not work here: every request goes through Consul and the gateway.
 * One Swarm for the whole suite (engine start, image load and deploy are slow).
 */
describe('swarm: compose/swarm-stack.yml on a private two-node Swarm', function () {
  this.timeout(240_000);
  let s: SwarmStack;
  const web = (): string => `${s.stack}_web`;

  /** Waits until the gateway routes to exactly the running tasks of web (n of them). */
  const routedTasks = async (n: number, what: string): Promise<string[]> => {
    let last: unknown;
    return waitFor(
      async () => {
        const tasks = await s.tasks('web');
        const want = tasks.map((t) => `${s.meshIp(t)}:8080`).sort();
        const got = await s.upstreams();
        last = { want, got };
        return tasks.length === n && JSON.stringify(got) === JSON.stringify(want) && want;
      },
      { timeoutMs: 150_000, intervalMs: 100, what },
    ).catch((e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(last)}`);
    });
  };
  /** Which task answered: the demo answers "<hostname = short container id> <path>". */
  const answeredBy = async (): Promise<string> => {
    const res = await get(`${s.gatewayUrl}/who`);
    expect(res.status, res.body).to.equal(200);
    return res.body.split(' ')[0] as string;
  };

  before(async function () {
    this.timeout(400_000);
    s = await startSwarmStack('e2esw', {
      bridgeCidr: '10.214.20.1/24',
      worker: { subnet: '10.214.21', bridgeCidr: '10.214.22.1/24' },
    });
  });
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' && !process.env.E2E_VERBOSE) return;
    process.stdout.write(await s.docker('service', 'ps', '--no-trunc', web()).catch(String));
    // Per task (service logs groups each task's lines: one tail would show a single node).
    for (const svc of ['registrator', 'gateway', 'web']) {
      const ids = await s
        .docker('service', 'ps', '-q', '--no-trunc', `${s.stack}_${svc}`)
        .catch(() => '');
      for (const id of ids.split('\n').filter(Boolean).slice(0, 6)) {
        const logs = await s.docker('service', 'logs', '--raw', id).catch((e: Error) => e.message);
        process.stdout.write(`--- ${svc} task ${id.slice(0, 12)}\n${logs.slice(-2500)}\n`);
      }
    }
  });
  after(async () => {
    await s?.stop();
  });

  it('deploys the stack: the gateway routes to both replicas of web at their overlay addresses', async () => {
    await deployStack(s);
    const targets = await routedTasks(2, 'both web tasks routed');
    for (const t of targets) expect(t).to.match(/^10\.\d+\.\d+\.\d+:8080$/);
    const tasks = await s.tasks('web');
    // Swarm spreads the two replicas: one on the manager, one on the worker.
    expect(tasks.map((t) => t.node).sort()).to.deep.equal([0, 1]);
    const ids = new Set(tasks.map((t) => t.Id.slice(0, 12)));
    // The pool holds the instances first; the edge serves the new route at once in lua mode (the
    // image's default), after its own reload in reload mode.
    await waitFor(async () => (await get(`${s.gatewayUrl}/who`)).status === 200, {
      timeoutMs: 60_000,
      what: 'the route live at the edge',
    });
    expect(await gatewayMode(s.statusUrl), 'the gateway image runs in lua mode').to.equal('lua');
    const seen = new Set<string>();
    for (let i = 0; i < 20 && seen.size < 2; i++) seen.add(await answeredBy());
    expect([...seen].sort()).to.deep.equal([...ids].sort());
    // The registration carries the task: name from the service, Meta from its labels.
    const res = await get(`${s.consulUrl}/v1/catalog/service/web`);
    const entries = JSON.parse(res.body) as {
      ServiceID: string;
      ServiceMeta: Record<string, string>;
    }[];
    expect(entries).to.have.length(2);
    for (const e of entries) {
      expect(e.ServiceMeta).to.include({ swarm_service: web(), swarm_stack: s.stack });
      expect(e.ServiceID).to.include(`${web()}.`);
    }
    // The tasks' Docker HEALTHCHECK is forwarded: a passing "Docker HEALTHCHECK" check each.
    const health = JSON.parse((await get(`${s.consulUrl}/v1/health/service/web`)).body) as {
      Checks: { Name: string; Status: string }[];
    }[];
    for (const h of health)
      expect(
        h.Checks.filter((c) => c.Name === 'Docker HEALTHCHECK').map((c) => c.Status),
      ).to.deep.equal(['passing']);
  });

  it('scales 1 -> 5 -> 2 and the gateway follows', async () => {
    for (const n of [1, 5, 2]) {
      await s.docker('service', 'scale', '--detach', `${web()}=${n}`);
      await routedTasks(n, `web scaled to ${n}`);
    }
  });

  it('a rolling update under load fails no request through the gateway', async () => {
    const before = new Set((await s.tasks('web')).map((t) => t.Id.slice(0, 12)));
    const load = startLoad({
      url: `${s.gatewayUrl}/load`,
      rate: 40,
      maxDurationMs: 120_000,
      keepBodies: true,
    });
    await s.docker('service', 'update', '--quiet', '--env-add', 'VERSION=2', web());
    const after = await routedTasks(2, 'the updated tasks routed');
    await new Promise((r) => setTimeout(r, 1_000));
    const samples = await load.stop();
    const failed = samples.filter((x) => x.status !== 200);
    process.stdout.write(
      `      rolling update: ${samples.length} requests, ${failed.length} failed\n`,
    );
    expect(failed.slice(0, 5), 'failed requests').to.deep.equal([]);
    const now = new Set((await s.tasks('web')).map((t) => t.Id.slice(0, 12)));
    expect([...now].filter((id) => before.has(id))).to.deep.equal([]);
    expect(after).to.have.length(2);
    // The last requests were served by the new tasks only.
    const tail = samples.slice(-20).map((x) => x.body.split(' ')[0] as string);
    for (const id of tail) expect(now.has(id), `served by ${id}`).to.equal(true);
  });

  it('a killed task is rescheduled and routed again', async () => {
    const [victim] = await s.tasks('web');
    const ip = s.meshIp(victim!);
    await s.engines[victim!.node]!.docker.getContainer(victim!.Id).kill();
    await waitFor(async () => !(await s.upstreams())?.includes(`${ip}:8080`), {
      timeoutMs: 15_000,
      intervalMs: 50,
      what: 'the killed task out of the upstreams',
    });
    await routedTasks(2, 'a replacement task routed');
    const tasks = await s.tasks('web');
    expect(tasks.map((t) => t.Id)).not.to.include(victim!.Id);
    const fresh = tasks[tasks.length - 1]!.Id.slice(0, 12);
    await waitFor(async () => (await answeredBy()) === fresh, {
      timeoutMs: 10_000,
      what: 'a request answered by the replacement task',
    });
  });

  it('docker service rm: the route answers 503, then goes', async () => {
    await s.docker('service', 'rm', web());
    let last = '';
    await waitFor(
      async () => {
        const res = await get(`${s.gatewayUrl}/`);
        last = `${res.status} ${res.body.slice(0, 80)}`;
        return res.status === 503;
      },
      {
        timeoutMs: 30_000,
        intervalMs: 50,
        what: 'the route answering 503 once the tasks are gone',
      },
    ).catch(async (e: Error) => {
      throw new Error(
        `${e.message}; last answer: ${last}; upstreams: ${JSON.stringify(await s.upstreams())}`,
      );
    });
    // GATEWAY_ROUTE_GRACE=3s in this test (default 10m): then the route itself goes.
    await waitFor(
      async () =>
        (await s.upstreams()) !== undefined && (await get(`${s.gatewayUrl}/`)).status === 404,
      {
        timeoutMs: 30_000,
        what: 'the route gone (404)',
      },
    );
  });
});
