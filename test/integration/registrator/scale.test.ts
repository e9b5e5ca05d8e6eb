import { expect } from 'chai';
import type Docker from 'dockerode';
import { startConsulAgent, type ConsulAgent } from '../../helpers/consul-agent.js';
import { waitFor } from '../../helpers/wait-for.js';
import { checks, services, startRegistrator, type Harness } from './harness.js';

const COUNT = 50;

describe('registrator: 50 containers at once (real Docker + Consul)', function () {
  this.timeout(180_000);
  let agent: ConsulAgent;
  let h: Harness;
  before(async () => {
    agent = await startConsulAgent();
    h = await startRegistrator(agent, 'reg-scale');
  });
  after(async () => {
    await h?.stop();
    await agent?.stop();
  });

  it('registers all of them, deregisters all of them, leaves no services, checks or Meta', async () => {
    const names = Array.from({ length: COUNT }, (_, i) => h.tc.uniqueName(`s${i}`));
    const containers: Docker.Container[] = await Promise.all(
      names.map((name) =>
        h.tc.run({
          name,
          publish: { '80': '' },
          env: {
            SERVICE_NAME: 'scale',
            SERVICE_TAGS: name,
            SERVICE_INDEX: name,
            SERVICE_CHECK_TCP: '1',
          },
        }),
      ),
    );
    await waitFor(
      async () =>
        Object.values(await services(agent)).filter((s) => s.Service === 'scale').length === COUNT,
      { timeoutMs: 60_000, what: `${COUNT} registrations` },
    );
    const all = Object.values(await services(agent)).filter((s) => s.Service === 'scale');
    expect(new Set(all.map((s) => s.Port)).size, 'distinct ports').to.equal(COUNT);
    expect(all.every((s) => s.Meta?.index && s.Tags?.[0] === s.Meta.index)).to.equal(true);
    expect(Object.keys(await checks(agent)).length).to.be.at.least(COUNT);
    await Promise.all(containers.map((c) => c.stop({ t: 2 })));
    await waitFor(async () => Object.keys(await services(agent)).length === 0 || undefined, {
      timeoutMs: 60_000,
      what: 'every service deregistered',
    });
    expect(await checks(agent)).to.deep.equal({});
    expect(h.reg.reconciler.servicesCount()).to.equal(0);
  });
});
