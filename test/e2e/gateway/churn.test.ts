import { expect } from 'chai';
import { TestContainers } from '../../helpers/containers.js';
import { get } from '../../helpers/http.js';
import { startLoad, summarize } from '../../helpers/load.js';
import { waitServedBy } from '../../helpers/routing.js';
import { routedEnv, startE2eStack, waitServedExactly, type E2eStack } from './e2e-stack.js';

const RATE = 250;
const CHURN_MS = 60_000;

describe('gateway under load while backends churn (real Docker, registrator, Consul, nginx)', function () {
  this.timeout(300_000);
  const containers = new TestContainers('e2e-gateway-churn');
  let stack: E2eStack;
  const ids: string[] = [];

  before(async () => {
    await containers.cleanup();
    stack = await startE2eStack(containers);
    for (let i = 0; i < 3; i++) {
      const id = containers.uniqueName('e2e-churn');
      await containers.run({
        name: id,
        publish: { '80': '' },
        // Drains 5 s after SIGTERM, not routedEnv's 1 s: some requests to this backend (busybox
        // httpd behind docker-proxy) take 1-4 s (see the client timeout below), and one still in
        // flight when the container exits is cut after its headers ("aborted"), which no proxy
        // can retry. A server that finishes its in-flight requests before exiting never does that.
        env: routedEnv('e2e-churn', id, 'urlprefix-/churn/', { PATHS: 'churn', STOP_DELAY: '5' }),
      });
      ids.push(id);
    }
    await waitServedExactly(`${stack.url}/churn/`, ids);
  });
  after(async () => {
    await containers.cleanup();
    await stack?.stop();
  });

  it(`zero failed requests at ${RATE} rps while containers are stopped and started for 60 s`, async () => {
    const reloads = async (): Promise<{ edge: number; pool: number; lua: number }> => {
      const text = (await get(`${stack.statusUrl}/metrics`)).body;
      const count = (tier: string): number =>
        Number(
          new RegExp(
            `^gateway_reloads_total\\{tier="${tier}",result="success"\\} (\\d+)`,
            'm',
          ).exec(text)?.[1] ?? 0,
        );
      const lua = Number(
        /^gateway_pool_updates_total\{mode="lua",result="success"\} (\d+)/m.exec(text)?.[1] ?? 0,
      );
      return { edge: count('edge'), pool: count('pool'), lua };
    };
    const reloadsBefore = await reloads();
    const load = startLoad({
      url: `${stack.url}/churn/`,
      rate: RATE,
      maxDurationMs: CHURN_MS + 30_000,
      // Some requests to the test backend (busybox httpd behind docker-proxy: a new connection
      // per request) wait 1-3 s upstream, a few longer (TCP retransmit timings, seen in the access
      // log also on an idle machine), and queue others behind the agent's 64 sockets. They are
      // slow, not failed: a 10 s client timeout tells the two apart.
      timeoutMs: 10_000,
    });
    const started = Date.now();
    let cycles = 0;
    try {
      // One instance at a time: docker stop (registrator deregisters on the kill event, the
      // backend drains 5 s), then start it again and wait until it serves before the next.
      while (Date.now() - started < CHURN_MS) {
        const id = ids[cycles % ids.length] as string;
        const c = containers.docker.getContainer(id);
        await c.stop({ t: 10 });
        await c.start();
        await waitServedBy(`${stack.url}/churn/`, [id], { timeoutMs: 30_000 });
        cycles++;
      }
    } finally {
      await new Promise((r) => setTimeout(r, 1_000));
      await load.stop();
    }
    const { sent, failed, statuses } = summarize(load.samples);
    const errors = [...new Set(load.samples.filter((s) => s.status === 0).map((s) => s.error))];
    // Samples are pushed as requests complete; a slow one can finish last though it started
    // earlier, so the load's length is the latest start, not the last sample's.
    const seconds = load.samples.reduce((max, s) => Math.max(max, s.t), 0) / 1000;
    const after = await reloads();
    const reloadCount =
      `${after.pool - reloadsBefore.pool} pool / ${after.edge - reloadsBefore.edge} edge reloads, ` +
      `${after.lua - reloadsBefore.lua} lua pool updates`;
    console.log(
      `      churn: ${cycles} stop/start cycles, ${reloadCount} in ${seconds.toFixed(1)} s; ` +
        `requests ${sent} (${(sent / seconds).toFixed(0)} rps), failures ${failed}, statuses ${JSON.stringify(statuses)}` +
        (errors.length ? `, errors ${JSON.stringify(errors)}` : ''),
    );
    expect(seconds).to.be.at.least(60);
    expect(sent / seconds).to.be.at.least(200);
    expect(cycles).to.be.at.least(5);
    expect(failed, stack.tail(10)).to.equal(0);
  });
});
