import { expect } from 'chai';
import { ConsulClient } from '../../../common/consul/client.js';
import { startConsulAgent, type ConsulAgent } from '../../helpers/consul-agent.js';
import { TestContainers } from '../../helpers/containers.js';
import { waitFor } from '../../helpers/wait-for.js';
import { createRegistrator } from '../../../registrator/index.js';
import { pino } from 'pino';
import { execIn, gone, HOST, registered, services, startRegistrator } from './harness.js';

describe('registrator resilience and options (real Docker + Consul)', function () {
  this.timeout(60_000);
  let agent: ConsulAgent;
  before(async () => {
    agent = await startConsulAgent();
  });
  after(async () => {
    await agent?.stop();
  });

  it('waits for Consul at startup, then re-registers everything after the agent lost its state', async () => {
    const tc = new TestContainers('reg-outage');
    const name = tc.uniqueName('w');
    await tc.run({ name, publish: { '80': '' } });
    await agent.kill();
    const reg = createRegistrator({
      registry: { kind: 'consul', consul: agent.config, prefix: '' },
      logger: pino({ level: 'silent' }),
      hostIp: '127.0.0.1',
      requireLabel: tc.label,
      retryIntervalMs: 300,
      registryCheckMs: 500,
    });
    try {
      const started = reg.start();
      let done = false;
      void started.then(() => (done = true));
      await new Promise((r) => setTimeout(r, 500));
      expect(done, 'still waiting for Consul').to.equal(false);
      await agent.restart();
      await started;
      await registered(agent, `${HOST}:${name}:80`);
      await agent.restart(); // a dev agent comes back empty: the registrator must notice
      await registered(agent, `${HOST}:${name}:80`, 15_000);
      // Consul down while a container starts: the failed registration is retried.
      await agent.kill();
      const late = tc.uniqueName('late');
      await tc.run({ name: late, publish: { '80': '' } });
      await waitFor(
        async () =>
          ((await reg.metrics.errors.get()).values.find((v) => v.labels.operation === 'register')
            ?.value ?? 0) > 0,
        { what: 'a failed registration' },
      );
      await agent.restart();
      await registered(agent, `${HOST}:${late}:80`, 15_000);
      await registered(agent, `${HOST}:${name}:80`, 15_000);
    } finally {
      await reg.stop();
      await tc.cleanup();
    }
  });

  it('-deregister on-success keeps a crashed container, removes a clean exit', async () => {
    const h = await startRegistrator(agent, 'reg-onsuccess', { deregister: 'on-success' });
    try {
      const crash = h.tc.uniqueName('crash');
      const clean = h.tc.uniqueName('clean');
      const script = (code: number): string[] => [
        'sh',
        '-c',
        `while [ ! -f /tmp/go ]; do sleep 0.1; done; exit ${code}`,
      ];
      const a = await h.tc.run({ name: crash, publish: { '80': '' }, cmd: script(3) });
      const b = await h.tc.run({ name: clean, publish: { '80': '' }, cmd: script(0) });
      await registered(agent, `${HOST}:${crash}:80`);
      await registered(agent, `${HOST}:${clean}:80`);
      for (const c of [a, b]) await execIn(c, ['sh', '-c', 'echo > /tmp/go']);
      await gone(agent, `${HOST}:${clean}:80`);
      await a.wait();
      await h.reg.reconciler.fullSync({ cause: 'test' });
      expect((await services(agent))[`${HOST}:${crash}:80`]).to.not.equal(undefined);
    } finally {
      await h.stop();
    }
  });

  it('-explicit, -tags, -useIpFromLabel, host network mode, -resync and -cleanup', async () => {
    await agent.client.registerService({ ID: `${HOST}:ghost:80`, Name: 'ghost', Port: 1 });
    await agent.client.registerService({ ID: 'manual-service', Name: 'manual', Port: 1 });
    const h = await startRegistrator(agent, 'reg-opts', {
      explicit: true,
      forceTags: ['dc1'],
      cleanup: true,
      useIpFromLabel: 'reg.ip',
      resyncMs: 300,
      registryCheckMs: 0,
    });
    try {
      const ids = Object.keys(await services(agent));
      expect(ids).to.include('manual-service');
      expect(ids).not.to.include(`${HOST}:ghost:80`);
      const named = h.tc.uniqueName('named');
      const unnamed = h.tc.uniqueName('unnamed');
      await h.tc.run({ name: unnamed, publish: { '80': '' } });
      await h.tc.run({
        name: named,
        networkMode: 'host',
        expose: ['18080'],
        cmd: ['sleep', '60'],
        env: { SERVICE_NAME: 'hostnet', SERVICE_TAGS: 'a' },
        labels: { 'reg.ip': '127.0.0.7/8' },
      });
      const s = await registered(agent, `${HOST}:${named}:18080`);
      expect(s).to.deep.include({
        Service: 'hostnet',
        Address: '127.0.0.7',
        Port: 18080,
        Tags: ['a', 'dc1'],
      });
      expect(Object.keys(await services(agent)).some((i) => i.includes(unnamed))).to.equal(false);
      await agent.client.deregisterService(`${HOST}:${named}:18080`);
      await registered(agent, `${HOST}:${named}:18080`); // -resync puts it back
    } finally {
      await h.stop();
    }
  });

  it('serves Prometheus metrics on the metrics address', async () => {
    const h = await startRegistrator(agent, 'reg-metrics', {
      metricsAddr: { host: '127.0.0.1', port: 0 },
    });
    try {
      const name = h.tc.uniqueName('m');
      const c = await h.tc.run({ name, publish: { '80': '' } });
      await registered(agent, `${HOST}:${name}:80`);
      await c.stop({ t: 1 });
      await gone(agent, `${HOST}:${name}:80`);
      const text = await (await fetch(`http://127.0.0.1:${h.reg.metricsPort()}/metrics`)).text();
      expect(text).to.match(/registrator_registrations_total [1-9]/);
      expect(text).to.match(/registrator_deregistrations_total\{reason="kill"\} [1-9]/);
      expect(text).to.match(/registrator_docker_events_total\{action="start"\} [1-9]/);
      expect(text).to.include('registrator_errors_total');
      expect(text).to.include('registrator_registration_seconds_bucket');
    } finally {
      await h.stop();
    }
  });

  it('consulkv://: one key per service, removed on stop', async () => {
    const prefix = `reg-kv-${Date.now()}`;
    const h = await startRegistrator(agent, 'reg-kv', {
      registry: { kind: 'consulkv', consul: agent.config, prefix },
    });
    const kv = new ConsulClient(agent.config);
    try {
      const name = h.tc.uniqueName('kv');
      const c = await h.tc.run({ name, publish: { '80': '' } });
      const key = `${prefix}/busybox/${HOST}:${name}:80`;
      const pair = await waitFor(async () => (await kv.kvGet(key, false)).data[0], { what: key });
      expect(Buffer.from(pair.Value ?? '', 'base64').toString()).to.equal(
        `127.0.0.1:${await h.tc.hostPort(c)}`,
      );
      await c.stop({ t: 1 });
      await waitFor(async () => (await kv.kvGet(key, false)).data.length === 0, {
        what: `${key} removed`,
      });
    } finally {
      kv.close();
      await h.stop();
    }
  });
});
