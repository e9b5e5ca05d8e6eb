import { expect } from 'chai';
import { resolveConfig } from '../../../registrator/config.js';
import { parseRegistryUri } from '../../../registrator/registry-uri.js';
import { classifyEvent, isStopSignal, shouldDeregisterOnDie } from '../../../registrator/events.js';
import type { DockerEvent } from '../../../common/docker/types.js';

const noSocket = (): boolean => false;
const resolve = (argv: string[], env: Record<string, string> = {}) =>
  resolveConfig(argv, env, noSocket);

describe('registrator config', () => {
  it('accepts the reference command line', () => {
    const c = resolve(['-ip', '10.0.0.5', 'consul://10.0.0.5:8500']);
    expect(c.hostIp).to.equal('10.0.0.5');
    expect(c.registry).to.deep.include({ kind: 'consul', prefix: '' });
    expect(c.registry.consul).to.include({ scheme: 'http', host: '10.0.0.5', port: 8500 });
    expect(c).to.include({
      deregister: 'always',
      resyncMs: 0,
      retryAttempts: -1,
      drainOnKill: true,
      internal: false,
    });
  });

  it('-swarm-network, or SWARM_NETWORK, names the network of Swarm task addresses', () => {
    expect(resolve(['-swarm-network', 'mesh', 'consul://']).swarmNetwork).to.equal('mesh');
    expect(resolve(['consul://'], { SWARM_NETWORK: 'web_mesh' }).swarmNetwork).to.equal('web_mesh');
    expect(
      resolve(['-swarm-network', 'a', 'consul://'], { SWARM_NETWORK: 'b' }).swarmNetwork,
    ).to.equal('a');
    expect(resolve(['consul://'], { SWARM_NETWORK: '' })).not.to.have.property('swarmNetwork');
    expect(() => resolve(['-swarm-network', 'a/b', 'consul://'])).to.throw(/-swarm-network/);
  });

  it('single and double dash, = or space, options before the URI', () => {
    const c = resolve([
      '--ip=1.2.3.4',
      '-internal',
      '--explicit',
      '-tags',
      'a,b',
      '-resync=30',
      '-cleanup',
      '-deregister',
      'on-success',
      '-ttl',
      '30',
      '-ttl-refresh',
      '10',
      '-retry-attempts',
      '5',
      '-retry-interval',
      '500',
      '-useIpFromLabel',
      'ip',
      '--drain-on-kill=false',
      '--metrics-addr',
      '127.0.0.1:9105',
      'consul://c:8500',
    ]);
    expect(c).to.deep.include({
      hostIp: '1.2.3.4',
      internal: true,
      explicit: true,
      forceTags: ['a', 'b'],
      resyncMs: 30_000,
      cleanup: true,
      deregister: 'on-success',
      ttlMs: 30_000,
      ttlRefreshMs: 10_000,
      retryAttempts: 5,
      retryIntervalMs: 500,
      useIpFromLabel: 'ip',
      drainOnKill: false,
      metricsAddr: { host: '127.0.0.1', port: 9105 },
    });
  });

  it('rejects bad values naming the option', () => {
    expect(() => resolve(['-deregister', 'never', 'consul://c'])).to.throw(/-deregister/);
    expect(() => resolve(['-ttl', '10', 'consul://c'])).to.throw(/together/);
    expect(() => resolve(['-ttl', '10', '-ttl-refresh', '20', 'consul://c'])).to.throw(/greater/);
    expect(() => resolve(['-resync', 'soon', 'consul://c'])).to.throw(/-resync/);
    expect(() => resolve(['-ip', 'bad ip', 'consul://c'])).to.throw(/-ip/);
    expect(() => resolve(['-bogus', 'consul://c'])).to.throw(/unknown flag/);
    expect(() => resolve([])).to.throw(/missing registry URI/);
    expect(() => resolve(['etcd://x:2379'])).to.throw(/registry URI/);
  });

  it('honours CONSUL_HTTP_TOKEN, CONSUL_HTTP_ADDR and DOCKER_HOST', () => {
    const c = resolve(['consul://'], {
      CONSUL_HTTP_TOKEN: 'secret',
      CONSUL_HTTP_ADDR: '10.1.1.1:8600',
      DOCKER_HOST: 'unix:///tmp/docker.sock',
    });
    expect(c.registry.consul).to.include({ host: '10.1.1.1', port: 8600, token: 'secret' });
    expect(c.docker).to.deep.equal({ socketPath: '/tmp/docker.sock' });
    expect(resolveConfig(['consul://'], {}, (p) => p === '/tmp/docker.sock').docker).to.deep.equal({
      socketPath: '/tmp/docker.sock',
    });
  });

  it('parses every registry URI scheme', () => {
    expect(parseRegistryUri('consul-tls://c.example:8501').consul).to.include({
      scheme: 'https',
      host: 'c.example',
      port: 8501,
    });
    expect(parseRegistryUri('consul-unix:///var/run/consul.sock').consul).to.include({
      scheme: 'unix',
      socketPath: '/var/run/consul.sock',
    });
    expect(parseRegistryUri('consulkv://10.0.0.1:8500/services/web')).to.deep.include({
      kind: 'consulkv',
      prefix: 'services/web',
    });
    expect(parseRegistryUri('consul://').consul).to.include({ host: '127.0.0.1', port: 8500 });
  });
});

const ev = (
  Action: string,
  attrs: Record<string, string> = {},
  Type = 'container',
): DockerEvent => ({
  Type,
  Action,
  Actor: { ID: 'c1', Attributes: attrs },
  time: 0,
  timeNano: 0,
});

describe('registrator events', () => {
  it('classifies container and network events', () => {
    for (const a of ['start', 'unpause', 'pause', 'rename', 'health_status: healthy'])
      expect(classifyEvent(ev(a)).kind, a).to.equal('sync');
    expect(classifyEvent(ev('kill', { signal: '15' }))).to.deep.equal({
      kind: 'kill',
      containerId: 'c1',
      signal: '15',
    });
    expect(classifyEvent(ev('die', { exitCode: '137' }))).to.deep.equal({
      kind: 'die',
      containerId: 'c1',
      exitCode: 137,
    });
    expect(classifyEvent(ev('connect', { container: 'c9' }, 'network'))).to.deep.equal({
      kind: 'sync',
      containerId: 'c9',
    });
    expect(classifyEvent(ev('exec_start: sh')).kind).to.equal('ignore');
    expect(classifyEvent(ev('create', {}, 'network')).kind).to.equal('ignore');
  });

  it('drains on stop signals only', () => {
    expect(isStopSignal('15')).to.equal(true);
    expect(isStopSignal('9')).to.equal(true);
    expect(isStopSignal('SIGQUIT')).to.equal(true);
    expect(isStopSignal('1')).to.equal(false);
    expect(isStopSignal('28', 'SIGWINCH')).to.equal(true);
    expect(isStopSignal('')).to.equal(false);
  });

  it('-deregister on-success keeps crashed containers only', () => {
    expect(shouldDeregisterOnDie('always', 1)).to.equal(true);
    expect(shouldDeregisterOnDie('on-success', 0)).to.equal(true);
    expect(shouldDeregisterOnDie('on-success', 143)).to.equal(true);
    expect(shouldDeregisterOnDie('on-success', 1)).to.equal(false);
    expect(shouldDeregisterOnDie('on-success', undefined)).to.equal(true);
  });
});
