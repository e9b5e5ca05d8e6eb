import { expect } from 'chai';
import {
  containerServices,
  imageBaseName,
  type MappingOptions,
} from '../../../registrator/services.js';
import { inspect } from '../../fixtures/registrator/inspect.js';

const opts: MappingOptions = {
  hostname: 'host1',
  fallbackIp: '10.0.0.9',
  internal: false,
  explicit: false,
  forceTags: [],
};
const map = (c: Parameters<typeof inspect>[0], o: Partial<MappingOptions> = {}) =>
  containerServices(inspect(c), { ...opts, ...o });
const brief = (c: Parameters<typeof inspect>[0], o: Partial<MappingOptions> = {}) =>
  map(c, o).services.map(({ id, name, address, port, tags, meta }) => ({
    id,
    name,
    address,
    port,
    tags,
    meta,
  }));

describe('registrator container -> services', () => {
  describe("the original's docs/user/services.md examples", () => {
    it('single service with defaults', () => {
      expect(
        brief(
          { name: 'redis.0', image: 'progrium/redis', ports: { '6379': '10000' } },
          { hostIp: '192.168.1.2' },
        ),
      ).to.deep.equal([
        {
          id: 'host1:redis.0:6379',
          name: 'redis',
          address: '192.168.1.2',
          port: 10000,
          tags: [],
          meta: {},
        },
      ]);
    });

    it('single service with metadata', () => {
      const env = { SERVICE_NAME: 'db', SERVICE_TAGS: 'master,backups', SERVICE_REGION: 'us2' };
      expect(
        brief({ name: 'redis.0', ports: { '6379': '10000' }, env }, { hostIp: '192.168.1.2' }),
      ).to.deep.equal([
        {
          id: 'host1:redis.0:6379',
          name: 'db',
          address: '192.168.1.2',
          port: 10000,
          tags: ['master', 'backups'],
          meta: { region: 'us2' },
        },
      ]);
    });

    it('the same from Docker labels', () => {
      const labels = { SERVICE_NAME: 'db', SERVICE_TAGS: 'master,backups', SERVICE_REGION: 'us2' };
      expect(brief({ name: 'redis.0', ports: { '6379': '10000' }, labels })[0]).to.include({
        name: 'db',
      });
      expect(brief({ name: 'redis.0', ports: { '6379': '10000' }, labels })[0]?.meta).to.deep.equal(
        { region: 'us2' },
      );
    });

    it('multiple services with defaults get a -<port> suffix', () => {
      const s = brief({
        name: 'nginx.0',
        image: 'progrium/nginx',
        ports: { '443': '4443', '80': '8000' },
      });
      expect(s.map((x) => [x.id, x.name, x.port])).to.deep.equal([
        ['host1:nginx.0:80', 'nginx-80', 8000],
        ['host1:nginx.0:443', 'nginx-443', 4443],
      ]);
    });

    it('multiple services with metadata', () => {
      const env = {
        SERVICE_443_NAME: 'https',
        SERVICE_443_ID: 'https.12345',
        SERVICE_443_SNI: 'enabled',
        SERVICE_80_NAME: 'http',
        SERVICE_TAGS: 'www',
      };
      expect(
        brief(
          { name: 'nginx.0', ports: { '443': '4443', '80': '8000' }, env },
          { hostIp: '192.168.1.2' },
        ),
      ).to.deep.equal([
        {
          id: 'host1:nginx.0:80',
          name: 'http',
          address: '192.168.1.2',
          port: 8000,
          tags: ['www'],
          meta: {},
        },
        {
          id: 'https.12345',
          name: 'https',
          address: '192.168.1.2',
          port: 4443,
          tags: ['www'],
          meta: { sni: 'enabled' },
        },
      ]);
    });
  });

  it('the reference test-server and test-client', () => {
    const server = map(
      {
        name: 'test-server',
        image: 'test-server:latest',
        ports: { '8080': '16000', '25000': '30000' },
        env: {
          SERVICE_8080_NAME: 'test-server-http-service',
          SERVICE_8080_TAGS: 'test-server-http-service-01',
          SERVICE_8080_CHECK_HTTP: '/health',
          SERVICE_8080_CHECK_INTERVAL: '10s',
          SERVICE_8080_CHECK_TIMEOUT: '2s',
          SERVICE_25000_NAME: 'test-server-thrift-service',
          SERVICE_25000_TAGS: 'test-server-thrift-service-01',
          SERVICE_25000_CHECK_TCP: '/',
        },
      },
      { hostIp: '10.0.0.5' },
    ).services;
    expect(server.map((s) => [s.name, s.port, s.tags])).to.deep.equal([
      ['test-server-http-service', 16000, ['test-server-http-service-01']],
      ['test-server-thrift-service', 30000, ['test-server-thrift-service-01']],
    ]);
    expect(server[0]?.check).to.deep.equal({
      kind: 'http',
      target: 'http://10.0.0.5:16000/health',
      interval: '10s',
      timeout: '2s',
    });
    expect(server[1]?.check).to.deep.equal({
      kind: 'tcp',
      target: '10.0.0.5:30000',
      interval: '10s',
    });
    expect(server[0]?.meta).to.deep.equal({});
    const client = map(
      {
        name: 'test-client',
        ports: { '8080': '80' },
        env: { SERVICE_8080_NAME: 'my-web-server', SERVICE_8080_CHECK_HTTP: '/features' },
      },
      { hostIp: '10.0.0.5' },
    ).services;
    expect(client.map((s) => [s.id, s.name, s.port, s.check?.target])).to.deep.equal([
      ['host1:test-client:8080', 'my-web-server', 80, 'http://10.0.0.5:80/features'],
    ]);
  });

  it('image base name drops registry, path, tag and digest', () => {
    expect(imageBaseName('registry.local:5000/team/app:1.2')).to.equal('app');
    expect(imageBaseName('app@sha256:abc')).to.equal('app');
    expect(imageBaseName('busybox')).to.equal('busybox');
  });

  it('UDP ports get a :udp id suffix and a udp tag; -tags come after container tags', () => {
    const s = brief(
      { name: 'dns', ports: { '53/udp': '5353' }, env: { SERVICE_TAGS: 'x' } },
      { forceTags: ['dc1', 'x'] },
    );
    expect(s[0]).to.include({ id: 'host1:dns:53:udp' });
    expect(s[0]?.tags).to.deep.equal(['x', 'dc1', 'udp']);
  });

  it('skips unpublished ports unless -internal, which registers container IP and port', () => {
    const c = { ports: { '80': '8080', '9000': '' } };
    expect(brief(c).map((s) => [s.name, s.port])).to.deep.equal([['redis', 8080]]);
    expect(brief(c, { internal: true }).map((s) => [s.name, s.address, s.port])).to.deep.equal([
      ['redis-80', '172.17.0.5', 80],
      ['redis-9000', '172.17.0.5', 9000],
    ]);
  });

  it('host network mode registers exposed ports', () => {
    const s = brief({ networkMode: 'host', ports: { '8080': '' } }, { hostIp: '10.1.1.1' });
    expect(s.map((x) => [x.address, x.port])).to.deep.equal([['10.1.1.1', 8080]]);
  });

  it('uses a specific binding address, else the fallback when -ip is unset', () => {
    expect(brief({ ports: { '80': '8080' }, hostIp: '127.0.0.1' })[0]?.address).to.equal(
      '127.0.0.1',
    );
    expect(brief({ ports: { '80': '8080' } })[0]?.address).to.equal('10.0.0.9');
  });

  it('SERVICE_IGNORE, SERVICE_<port>_IGNORE and -explicit', () => {
    expect(brief({ ports: { '80': '1' }, env: { SERVICE_IGNORE: 'true' } })).to.deep.equal([]);
    const two = { ports: { '80': '1', '81': '2' }, env: { SERVICE_81_IGNORE: '1' } };
    expect(brief(two).map((s) => s.name)).to.deep.equal(['redis-80']);
    expect(brief({ ports: { '80': '1' } }, { explicit: true })).to.deep.equal([]);
    expect(
      brief({ ports: { '80': '1' }, env: { SERVICE_NAME: 'x' } }, { explicit: true }),
    ).to.have.length(1);
  });

  it('SERVICE_IP / SERVICE_PORT (and per port) override address and port; checks follow', () => {
    const env = { SERVICE_IP: '10.9.9.9', SERVICE_80_PORT: '9999', SERVICE_CHECK_HTTP: '/h' };
    const s = map({ ports: { '80': '8080' }, env }).services[0];
    expect([s?.address, s?.port, s?.check?.target]).to.deep.equal([
      '10.9.9.9',
      9999,
      'http://10.9.9.9:9999/h',
    ]);
    expect(s?.meta).to.deep.equal({});
  });

  it('-useIpFromLabel takes the label address without its prefix length', () => {
    const s = brief(
      { ports: { '80': '8080' }, labels: { 'net.ip': '10.3.3.3/24' } },
      { useIpFromLabel: 'net.ip' },
    );
    expect(s[0]?.address).to.equal('10.3.3.3');
  });

  it('a global SERVICE_ID on several ports stays unique', () => {
    const ids = brief({ ports: { '80': '1', '81': '2' }, env: { SERVICE_ID: 'same' } }).map(
      (s) => s.id,
    );
    expect(ids).to.deep.equal(['same', 'same:81']);
  });

  it('Meta holds only valid keys and never check_* settings', () => {
    const env = {
      SERVICE_CHECK_TCP: 'true',
      SERVICE_CHECK_INTERVAL: '5s',
      SERVICE_VERSION: '1.2',
      'SERVICE_BAD.KEY': 'x',
      'SERVICE_CONSUL-X': 'y',
      SERVICE_BIG: 'v'.repeat(600),
    };
    const r = map({ ports: { '80': '1' }, env });
    expect(r.services[0]?.meta).to.deep.equal({ version: '1.2' });
    expect(r.warnings.map((w) => w.key).sort()).to.deep.equal([
      'SERVICE_BAD.KEY',
      'SERVICE_BIG',
      'SERVICE_CONSUL-X',
    ]);
  });

  it('SERVICE_IP takes IP addresses and host names, not dotted numbers that are neither', () => {
    for (const ip of ['10.1.2.3', '::1', 'db.example', 'host-1']) {
      const r = map({ ports: { '80': '8080' }, env: { SERVICE_IP: ip } });
      expect(r.services[0]?.address, ip).to.equal(ip);
    }
    for (const ip of ['999.1.1.1', '1.2.3', '10.0.0.1:80', 'a b']) {
      const r = map({ ports: { '80': '8080' }, env: { SERVICE_IP: ip } });
      expect(
        r.warnings.map((w) => w.key),
        ip,
      ).to.deep.equal(['SERVICE_IP']);
    }
  });

  it('invalid values are skipped with a warning naming the key; the rest registers', () => {
    const env = {
      SERVICE_80_PORT: '99999',
      SERVICE_IP: 'not an ip!',
      SERVICE_CHECK_HTTP: '/ok',
      SERVICE_CHECK_INTERVAL: 'often',
      SERVICE_CHECK_INITIAL_STATUS: 'green',
      SERVICE_NAME: 'a/b',
    };
    const r = map({ ports: { '80': '8080' }, env });
    expect(r.services).to.have.length(1);
    expect(r.services[0]).to.include({ name: 'redis', port: 8080, address: '10.0.0.9' });
    expect(r.services[0]?.check).to.deep.equal({
      kind: 'http',
      target: 'http://10.0.0.9:8080/ok',
      interval: '10s',
    });
    expect(r.warnings.map((w) => w.key).sort()).to.deep.equal([
      'SERVICE_80_PORT',
      'SERVICE_CHECK_INITIAL_STATUS',
      'SERVICE_CHECK_INTERVAL',
      'SERVICE_IP',
      'SERVICE_NAME',
    ]);
  });

  it('Docker HEALTHCHECK state travels with the service', () => {
    expect(map({ ports: { '80': '1' }, health: 'healthy' }).services[0]?.dockerHealth).to.equal(
      'healthy',
    );
    expect(map({ ports: { '80': '1' } }).services[0]?.dockerHealth).to.equal(undefined);
  });
});
