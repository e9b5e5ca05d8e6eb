import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerInspect } from '../../../common/docker/types.js';
import { containerServices, type MappingOptions } from '../../../registrator/services.js';
import { swarmTask, taskAddress } from '../../../registrator/swarm.js';
import { inspect as fakeInspect } from '../../fixtures/registrator/inspect.js';
import { ROOT } from '../../helpers/paths.js';

/**
 * Inspect data of real Swarm task containers, captured from a private engine (Docker 20.10):
 * `docker service create --network mesh` of an image without EXPOSE, and two services of
 * `docker stack deploy` (stack "demo"): one publishing 80 in host mode, one on two networks.
 */
const fixture = (name: string): ContainerInspect =>
  JSON.parse(
    readFileSync(join(ROOT, 'test/fixtures/registrator/swarm', `${name}.json`), 'utf8'),
  ) as ContainerInspect;
const withEnv = (c: ContainerInspect, ...env: string[]): ContainerInspect => ({
  ...c,
  Config: { ...c.Config, Env: [...(c.Config.Env ?? []), ...env] },
});

const opts: MappingOptions = {
  hostname: 'node1',
  fallbackIp: '192.0.2.9',
  internal: false,
  explicit: false,
  forceTags: [],
};
const map = (c: ContainerInspect, o: Partial<MappingOptions> = {}) =>
  containerServices(c, { ...opts, ...o });

describe('registrator: Swarm task containers', () => {
  const plain = fixture('task-one-network');
  const hostPort = fixture('stack-task-host-port');
  const twoNets = fixture('stack-task-two-networks');

  it('reads the task from its labels', () => {
    expect(swarmTask(hostPort)).to.deep.equal({
      service: 'demo_web',
      taskId: 'qnzi7yqpgvkbadjaognu2hnja',
      taskName: 'demo_web.1.qnzi7yqpgvkbadjaognu2hnja',
      nodeId: '014nuns0sh6xznyo8zd4qll5r',
      stack: 'demo',
    });
    expect(swarmTask(fakeInspect({ ports: { '80': '8080' } }))).to.equal(undefined);
  });

  it('registers the overlay IP and container port under the service name, id per task', () => {
    const { services, warnings } = map(withEnv(plain, 'SERVICE_80_CHECK_TTL=5s'));
    expect(warnings).to.deep.equal([]);
    expect(services).to.have.length(1);
    const [s] = services;
    expect(s).to.deep.include({
      id: 'node1:web.1.nwgdqphvlri53nbvto823te2m:80',
      name: 'web',
      address: '10.0.1.2',
      port: 80,
      tags: ['urlprefix-/'],
      check: { kind: 'ttl', target: '', ttl: '5s' },
    });
    expect(s?.meta).to.deep.equal({
      swarm_service: 'web',
      swarm_task: 'web.1.nwgdqphvlri53nbvto823te2m',
      swarm_node: '014nuns0sh6xznyo8zd4qll5r',
    });
  });

  it('registers nothing for a task with neither an exposed port nor SERVICE_<port>_ keys', () => {
    expect(map(plain).services).to.deep.equal([]);
  });

  it('keeps the host IP and published port of a port published in host mode', () => {
    const [s] = map(hostPort, { hostIp: '192.0.2.1' }).services;
    expect(s).to.deep.include({ name: 'hello', address: '192.0.2.1', port: 18555 });
    expect(s?.meta.swarm_stack).to.equal('demo');
    // -internal: the overlay address and the container port instead.
    const [i] = map(hostPort, { internal: true }).services;
    expect(i).to.deep.include({ address: '10.0.2.3', port: 80 });
  });

  it('reports, and does not guess, a task on several networks', () => {
    const { services, warnings } = map(twoNets);
    expect(services).to.deep.equal([]);
    expect(warnings).to.have.length(1);
    expect(warnings[0]?.kind).to.equal('swarm-network');
    expect(warnings[0]?.reason).to.match(/several networks \(demo_mesh, demo_other\)/);
  });

  it('takes the network from -swarm-network (stack-relative or full name) or SERVICE_NETWORK', () => {
    expect(map(twoNets, { swarmNetwork: 'mesh' }).services[0]?.address).to.equal('10.0.2.2');
    expect(map(twoNets, { swarmNetwork: 'demo_other' }).services[0]?.address).to.equal('10.0.3.2');
    const labelled = withEnv(twoNets, 'SERVICE_NETWORK=other');
    expect(map(labelled, { swarmNetwork: 'mesh' }).services[0]?.address).to.equal('10.0.3.2');
    const missing = map(twoNets, { swarmNetwork: 'backend' });
    expect(missing.services).to.deep.equal([]);
    expect(missing.warnings[0]).to.deep.include({ key: '-swarm-network', kind: 'swarm-network' });
    expect(missing.warnings[0]?.reason).to.match(/not attached to network "backend"/);
  });

  it('never takes the ingress network', () => {
    const c = withEnv(plain, 'SERVICE_80_NAME=x');
    const ingressOnly: ContainerInspect = {
      ...c,
      NetworkSettings: { ...c.NetworkSettings, Networks: { ingress: { IPAddress: '10.0.0.5' } } },
    };
    expect(taskAddress(ingressOnly, swarmTask(ingressOnly)!, undefined)).to.deep.equal({
      problem: 'attached to no network besides ingress',
    });
    const both: ContainerInspect = {
      ...c,
      NetworkSettings: {
        ...c.NetworkSettings,
        Networks: { ingress: { IPAddress: '10.0.0.5' }, mesh: { IPAddress: '10.0.1.7' } },
      },
    };
    expect(map(both).services[0]?.address).to.equal('10.0.1.7');
  });

  it('keeps an explicit SERVICE_ID unique per task', () => {
    const [s] = map(withEnv(plain, 'SERVICE_80_ID=web', 'SERVICE_80_NAME=web')).services;
    expect(s?.id).to.equal('web:nwgdqphvlri53nbvto823te2m');
  });

  it('warns about an HTTP check the Consul agent may not reach on the overlay address', () => {
    const { services, warnings } = map(withEnv(plain, 'SERVICE_80_CHECK_HTTP=/health'));
    expect(services[0]?.check?.target).to.equal('http://10.0.1.2:80/health');
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.deep.include({
      key: 'SERVICE_80_CHECK_HTTP',
      kind: 'unreachable-check',
    });
    // A TTL check or a forwarded Docker HEALTHCHECK is not a trap.
    expect(map(withEnv(plain, 'SERVICE_80_CHECK_TTL=5s')).warnings).to.deep.equal([]);
  });

  it('maps a task on the host network as a plain container', () => {
    const c = withEnv(plain, 'SERVICE_80_NAME=x');
    const host: ContainerInspect = {
      ...c,
      Config: { ...c.Config, ExposedPorts: { '80/tcp': {} } },
      HostConfig: { ...c.HostConfig, NetworkMode: 'host' },
      NetworkSettings: { ...c.NetworkSettings, Networks: { host: { IPAddress: '' } } },
    };
    expect(map(host, { hostIp: '192.0.2.1' }).services[0]).to.deep.include({
      address: '192.0.2.1',
      port: 80,
    });
  });
});
