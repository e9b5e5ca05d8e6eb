import { expect } from 'chai';
import { pino } from 'pino';
import type { DockerSource } from '../../../common/docker/client.js';
import type { ContainerInspect, DockerEvent } from '../../../common/docker/types.js';
import { ToolkitError } from '../../../common/errors.js';
import { RegistratorMetrics } from '../../../registrator/metrics.js';
import { Reconciler, type ReconcilerOptions } from '../../../registrator/reconcile.js';
import type { Registry } from '../../../registrator/registry.js';
import type { ListedService, ServiceRegistration } from '../../../registrator/types.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../helpers/paths.js';
import { waitFor } from '../../helpers/wait-for.js';
import { inspect, type FakeContainer } from '../../fixtures/registrator/inspect.js';

/** Fakes of the two outside systems (unit tests only). */
class FakeDocker implements DockerSource {
  readonly address = 'fake';
  containers = new Map<string, ContainerInspect>();
  async ping(): Promise<void> {}
  async listContainerIds(): Promise<string[]> {
    return [...this.containers.values()].filter((c) => c.State.Running).map((c) => c.Id);
  }
  async inspect(id: string): Promise<ContainerInspect | null> {
    return this.containers.get(id) ?? null;
  }
  async *events(): AsyncIterable<DockerEvent> {}
  put(c: FakeContainer): string {
    const i = inspect(c);
    this.containers.set(i.Id, i);
    return i.Id;
  }
}

class FakeRegistry implements Registry {
  readonly kind = 'fake';
  readonly address = 'fake';
  services_ = new Map<string, ServiceRegistration>();
  health = new Map<string, string>();
  down = false;
  calls: string[] = [];
  private check(): void {
    if (this.down)
      throw new ToolkitError('down', { code: 'E_CONSUL_UNAVAILABLE', retryable: true });
  }
  async ping(): Promise<void> {
    this.check();
  }
  async register(s: ServiceRegistration): Promise<void> {
    this.check();
    this.calls.push(`register ${s.id}`);
    this.services_.set(s.id, s);
  }
  async deregister(s: ListedService): Promise<void> {
    this.check();
    this.calls.push(`deregister ${s.id}`);
    this.services_.delete(s.id);
  }
  async refresh(): Promise<void> {}
  async services(): Promise<ListedService[]> {
    this.check();
    return [...this.services_.values()].map((s) => ({ id: s.id, name: s.name }));
  }
  async setHealth(s: ServiceRegistration, h: string): Promise<void> {
    this.check();
    this.health.set(s.id, h);
  }
  close(): void {}
}

const opts: ReconcilerOptions['mapping'] = {
  hostname: 'h',
  fallbackIp: '10.0.0.1',
  internal: false,
  explicit: false,
  forceTags: [],
};

const event = (id: string, Action: string, attrs: Record<string, string> = {}): DockerEvent => ({
  Type: 'container',
  Action,
  Actor: { ID: id, Attributes: attrs },
  time: 0,
  timeNano: 0,
});

describe('registrator reconciler (fakes)', () => {
  let docker: FakeDocker;
  let registry: FakeRegistry;
  let r: Reconciler;
  const make = (o: Partial<ReconcilerOptions> = {}): Reconciler =>
    new Reconciler({
      docker,
      registry,
      mapping: {
        hostname: 'h',
        fallbackIp: '10.0.0.1',
        internal: false,
        explicit: false,
        forceTags: [],
      },
      deregister: 'always',
      drainOnKill: true,
      drainTimeoutMs: 60_000,
      cleanup: false,
      retryMaxMs: 50,
      log: pino({ level: 'silent' }),
      metrics: new RegistratorMetrics(),
      ...o,
    });
  beforeEach(() => {
    docker = new FakeDocker();
    registry = new FakeRegistry();
    r = make();
  });
  afterEach(() => r.stop());

  it('registers on start, drains on a stop signal, stays drained until die, then start again', async () => {
    const id = docker.put({ name: 'web', ports: { '80': '8080' } });
    await r.handleEvent(event(id, 'start'));
    expect([...registry.services_.keys()]).to.deep.equal(['h:web:80']);
    await r.handleEvent(event(id, 'kill', { signal: '1' }));
    expect(registry.services_.size, 'SIGHUP does not drain').to.equal(1);
    await r.handleEvent(event(id, 'kill', { signal: '15' }));
    expect(registry.services_.size).to.equal(0);
    await r.handleEvent(event(id, 'health_status: healthy'));
    expect(registry.services_.size, 'still drained').to.equal(0);
    await r.handleEvent(event(id, 'die', { exitCode: '143' }));
    await r.handleEvent(event(id, 'start'));
    expect(registry.services_.size).to.equal(1);
  });

  it('drain on kill can be switched off', async () => {
    r = make({ drainOnKill: false });
    const id = docker.put({ ports: { '80': '8080' } });
    await r.handleEvent(event(id, 'start'));
    await r.handleEvent(event(id, 'kill', { signal: '15' }));
    expect(registry.services_.size).to.equal(1);
  });

  it('-deregister on-success keeps a crashed container, removes a clean exit', async () => {
    r = make({ deregister: 'on-success' });
    const a = docker.put({ id: 'a'.repeat(20), name: 'a', ports: { '80': '1' } });
    const b = docker.put({ id: 'b'.repeat(20), name: 'b', ports: { '80': '2' } });
    await r.fullSync({ cause: 'test' });
    expect(registry.services_.size).to.equal(2);
    for (const [id, code] of [
      [a, '1'],
      [b, '0'],
    ] as const) {
      docker.put({ id, name: id === a ? 'a' : 'b', ports: { '80': '1' }, running: false });
      await r.handleEvent(event(id, 'die', { exitCode: code }));
    }
    expect([...registry.services_.keys()]).to.deep.equal(['h:a:80']);
    await r.fullSync({ cause: 'resync' });
    expect([...registry.services_.keys()], 'resync keeps it too').to.deep.equal(['h:a:80']);
  });

  it('pause deregisters, unpause registers; rename moves the service id', async () => {
    const id = docker.put({ name: 'old', ports: { '80': '1' } });
    await r.handleEvent(event(id, 'start'));
    docker.put({ name: 'old', ports: { '80': '1' }, paused: true });
    await r.handleEvent(event(id, 'pause'));
    expect(registry.services_.size).to.equal(0);
    docker.put({ name: 'old', ports: { '80': '1' } });
    await r.handleEvent(event(id, 'unpause'));
    expect([...registry.services_.keys()]).to.deep.equal(['h:old:80']);
    docker.put({ name: 'new', ports: { '80': '1' } });
    await r.handleEvent(event(id, 'rename', { oldName: '/old' }));
    expect([...registry.services_.keys()]).to.deep.equal(['h:new:80']);
  });

  it('retries registrations while the registry is down', async () => {
    const id = docker.put({ ports: { '80': '1' } });
    registry.down = true;
    await r.handleEvent(event(id, 'start'));
    expect(registry.services_.size).to.equal(0);
    registry.down = false;
    await waitFor(() => registry.services_.size === 1, { what: 'a retried registration' });
  });

  it('re-registers services the registry lost', async () => {
    const id = docker.put({ ports: { '80': '1' } });
    await r.handleEvent(event(id, 'start'));
    await new Promise((res) => setTimeout(res, 2));
    registry.services_.clear();
    await r.checkRegistry();
    await waitFor(() => registry.services_.size === 1, { what: 're-registration' });
  });

  it('forwards Docker health changes without re-registering', async () => {
    const id = docker.put({ ports: { '80': '1' }, health: 'starting' });
    await r.handleEvent(event(id, 'start'));
    docker.put({ ports: { '80': '1' }, health: 'healthy' });
    await r.handleEvent(event(id, 'health_status: healthy'));
    expect(registry.health.get('h:web.0:80')).to.equal('healthy');
    expect(registry.calls.filter((c) => c.startsWith('register'))).to.have.length(1);
  });

  it('-cleanup removes dangling ids of this host only', async () => {
    r = make({ cleanup: true });
    const stale = (id: string): ServiceRegistration => ({
      id,
      name: 'x',
      address: '',
      port: 1,
      tags: [],
      meta: {},
      origin: { containerId: '', containerName: '', exposedPort: '1', protocol: 'tcp' },
    });
    for (const id of ['h:gone:80', 'other:gone:80', 'custom-id'])
      registry.services_.set(id, stale(id));
    docker.put({ name: 'live', ports: { '80': '1' } });
    await r.fullSync({ cause: 'startup' });
    expect([...registry.services_.keys()].sort()).to.deep.equal([
      'custom-id',
      'h:live:80',
      'other:gone:80',
    ]);
  });

  it('a Swarm task without a network to register is counted, not registered; with one it drains on kill', async () => {
    const metrics = new RegistratorMetrics();
    r = make({ metrics });
    const task = JSON.parse(
      readFileSync(
        join(ROOT, 'test/fixtures/registrator/swarm/stack-task-two-networks.json'),
        'utf8',
      ),
    ) as ContainerInspect;
    docker.containers.set(task.Id, task);
    await r.handleEvent(event(task.Id, 'start'));
    expect(registry.services_.size).to.equal(0);
    expect((await metrics.swarmUnaddressed.get()).values[0]?.value).to.equal(1);
    await r.stop();
    r = make({ mapping: { ...opts, swarmNetwork: 'mesh' } });
    await r.handleEvent(event(task.Id, 'start'));
    expect([...registry.services_.values()].map((s) => [s.name, s.address, s.port])).to.deep.equal([
      ['app', '10.0.2.2', 80],
    ]);
    await r.handleEvent(event(task.Id, 'kill', { signal: '15' }));
    expect(registry.services_.size).to.equal(0);
  });
});
