import { expect } from 'chai';
import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { startConsulAgent, type ConsulAgent } from '../../helpers/consul-agent.js';
import { waitFor } from '../../helpers/wait-for.js';
import {
  checks,
  execIn,
  gone,
  HOST,
  registered,
  services,
  startRegistrator,
  type Harness,
} from './harness.js';

/** Docker events beyond start/die, and the fixes over the original. */
describe('registrator events and fixes (real Docker + Consul)', function () {
  this.timeout(60_000);
  let agent: ConsulAgent;
  let h: Harness;
  before(async () => {
    agent = await startConsulAgent();
    h = await startRegistrator(agent, 'reg-events');
  });
  after(async () => {
    await h?.stop();
    await agent?.stop();
  });

  it('drains on the kill event: deregistered while the container still runs', async () => {
    const name = h.tc.uniqueName('drain');
    const c = await h.tc.run({ name, publish: { '80': '' }, env: { STOP_DELAY: '3' } });
    await registered(agent, `${HOST}:${name}:80`);
    const stopping = c.stop({ t: 10 });
    await gone(agent, `${HOST}:${name}:80`);
    expect((await c.inspect()).State.Running, 'still draining when deregistered').to.equal(true);
    await stopping;
    await c.start();
    await registered(agent, `${HOST}:${name}:80`);
  });

  it('a non-stop signal (HUP) does not drain', async () => {
    const name = h.tc.uniqueName('hup');
    const c = await h.tc.run({
      name,
      publish: { '80': '' },
      cmd: ['sh', '-c', 'trap "" HUP; sleep 60'],
    });
    await registered(agent, `${HOST}:${name}:80`);
    const kills = async (): Promise<number> =>
      (await h.reg.metrics.events.get()).values.find((v) => v.labels.action === 'kill')?.value ?? 0;
    const before = await kills();
    await c.kill({ signal: 'SIGHUP' });
    await waitFor(async () => (await kills()) > before, { what: 'the kill event' });
    // Queued after the kill on the same container: once it is done, the kill was handled.
    await h.reg.reconciler.handleEvent({
      Type: 'container',
      Action: 'update',
      Actor: { ID: c.id, Attributes: {} },
      time: 0,
      timeNano: 0,
    });
    expect((await services(agent))[`${HOST}:${name}:80`]).to.not.equal(undefined);
  });

  it('Docker HEALTHCHECK: starting -> critical, healthy -> passing, unhealthy -> critical', async () => {
    const name = h.tc.uniqueName('hc');
    const c = await h.tc.run({
      name,
      publish: { '80': '' },
      healthcheck: { test: ['CMD-SHELL', 'test -f /tmp/ok'], intervalMs: 200, retries: 1 },
    });
    const id = `service:${HOST}:${name}:80:docker-health`;
    await registered(agent, `${HOST}:${name}:80`);
    expect((await checks(agent))[id]?.Status).to.equal('critical');
    const exec = (cmd: string[]): Promise<void> => execIn(c, cmd);
    await exec(['sh', '-c', 'echo > /tmp/ok']);
    await waitFor(async () => (await checks(agent))[id]?.Status === 'passing', { what: 'passing' });
    await exec(['sh', '-c', 'rm /tmp/ok']);
    await waitFor(async () => (await checks(agent))[id]?.Status === 'critical', {
      what: 'critical',
    });
  });

  it('rename moves the service id; pause/unpause deregister and register', async () => {
    const name = h.tc.uniqueName('old');
    const c = await h.tc.run({ name, publish: { '80': '' } });
    await registered(agent, `${HOST}:${name}:80`);
    const renamed = h.tc.uniqueName('new');
    await c.rename({ name: renamed });
    await registered(agent, `${HOST}:${renamed}:80`);
    await gone(agent, `${HOST}:${name}:80`);
    await c.pause();
    await gone(agent, `${HOST}:${renamed}:80`);
    await c.unpause();
    await registered(agent, `${HOST}:${renamed}:80`);
  });

  it('invalid metadata: one log line naming container and key, the rest registers', async () => {
    const name = h.tc.uniqueName('bad');
    await h.tc.run({
      name,
      publish: { '80': '' },
      env: {
        SERVICE_PORT: 'eighty',
        SERVICE_CHECK_TCP: 'true',
        SERVICE_CHECK_INTERVAL: 'soon',
        'SERVICE_BAD.KEY': 'x',
        SERVICE_OK: 'y',
      },
    });
    const s = await registered(agent, `${HOST}:${name}:80`);
    expect(s.Meta).to.deep.equal({ ok: 'y' });
    const lines = h.logs.filter(
      (l) => l.containerName === name && l.msg === 'invalid container metadata skipped',
    );
    expect(lines.map((l) => l.key).sort()).to.deep.equal([
      'SERVICE_BAD.KEY',
      'SERVICE_CHECK_INTERVAL',
      'SERVICE_PORT',
    ]);
  });

  it('SERVICE_IP / SERVICE_PORT override the registered address and port', async () => {
    const name = h.tc.uniqueName('override');
    await h.tc.run({
      name,
      publish: { '80': '' },
      env: { SERVICE_IP: '127.0.0.9', SERVICE_80_PORT: '9999' },
    });
    expect(await registered(agent, `${HOST}:${name}:80`)).to.deep.include({
      Address: '127.0.0.9',
      Port: 9999,
      Meta: {},
    });
  });

  it('structured logs name container, service and action on every change', async () => {
    const line = h.logs.find((l) => l.action === 'register');
    expect(line).to.include.keys(
      'containerId',
      'containerName',
      'serviceId',
      'action',
      'component',
    );
    expect(
      h.logs.some((l) => l.action === 'deregister' && typeof l.serviceId === 'string'),
    ).to.equal(true);
  });

  it('network disconnect/connect keep the address in step (-internal)', async () => {
    const hi = await startRegistrator(agent, 'reg-net', { internal: true });
    const docker = new Docker({ socketPath: '/var/run/docker.sock' });
    const netName = `reg-net-${randomBytes(3).toString('hex')}`;
    const net = await docker.createNetwork({
      Name: netName,
      Labels: { 'org.toolkit.test': hi.tc.suiteId },
    });
    try {
      const name = hi.tc.uniqueName('n');
      const c = await hi.tc.run({ name, expose: ['80'] });
      const before = await registered(agent, `${HOST}:${name}:80`);
      expect(before.Port).to.equal(80);
      await net.connect({ Container: c.id });
      await docker.getNetwork('bridge').disconnect({ Container: c.id });
      const ip = (await c.inspect()).NetworkSettings.Networks[netName]?.IPAddress;
      await waitFor(async () => (await services(agent))[`${HOST}:${name}:80`]?.Address === ip, {
        what: `address ${ip} after the network change`,
      });
      expect(ip).to.not.equal(before.Address);
    } finally {
      await hi.stop();
      await net.remove().catch(() => undefined);
    }
  });
});
