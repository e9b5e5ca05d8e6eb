import { expect } from 'chai';
import { TestContainers } from '../../helpers/containers.js';
import { fastApp } from '../../helpers/fast-app.js';
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
    const app = await fastApp();
    stack = await startE2eStack(containers);
    for (let i = 0; i < 3; i++) {
      const id = containers.uniqueName('e2e-churn');
      await containers.run({
        name: id,
        publish: { '80': '' },
        // The keep-alive C app (test/helpers/fast-app.ts), not busybox httpd: every busybox
        // request is a new connection through docker-proxy, and a few of them waited 10-22 s on
        // TCP retransmits (whatever proxy is in front), which said nothing about the gateway.
        // It drains 5 s after SIGTERM (keeps answering), then exits.
        image: app.image,
        env: routedEnv('e2e-churn', id, 'urlprefix-/churn/', {
          ...app.imageEnv,
          STOP_DELAY_MS: '5000',
        }),
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
      // A request slower than this counts as failed.
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
    const slowest = load.samples.map((s) => Math.round(s.latencyMs)).sort((a, b) => b - a);
    console.log(`      slowest answers (ms): ${slowest.slice(0, 5).join(', ')}`);
    expect(seconds).to.be.at.least(60);
    expect(sent / seconds).to.be.at.least(200);
    expect(cycles).to.be.at.least(5);
    expect(failed, stack.tail(10)).to.equal(0);
  });
});
