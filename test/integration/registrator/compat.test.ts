import { expect } from 'chai';
import { startConsulAgent, type ConsulAgent } from '../../helpers/consul-agent.js';
import { waitFor } from '../../helpers/wait-for.js';
import {
  checks,
  gone,
  HOST,
  registered,
  services,
  startRegistrator,
  type Harness,
} from './harness.js';

/** Same inputs, same Consul state: the original's documented behaviour on real Docker + Consul. */
describe('registrator compatibility (real Docker + Consul)', function () {
  this.timeout(60_000);
  let agent: ConsulAgent;
  let h: Harness;
  before(async () => {
    agent = await startConsulAgent({ extraArgs: ['-enable-script-checks'] });
    h = await startRegistrator(agent, 'reg-compat');
  });
  after(async () => {
    await h?.stop();
    await agent?.stop();
  });

  it('docs example: single service with defaults', async () => {
    const name = h.tc.uniqueName('redis.0');
    const c = await h.tc.run({ name, publish: { '80': '' } });
    const s = await registered(agent, `${HOST}:${name}:80`);
    expect(s).to.deep.include({
      Service: 'busybox',
      Address: '127.0.0.1',
      Port: await h.tc.hostPort(c),
      Tags: [],
      Meta: {},
    });
  });

  it('docs example: single service with metadata (env), and the same from labels', async () => {
    const meta = { SERVICE_NAME: 'db', SERVICE_TAGS: 'master,backups', SERVICE_REGION: 'us2' };
    const a = h.tc.uniqueName('redis.0');
    const b = h.tc.uniqueName('redis.1');
    await h.tc.run({ name: a, publish: { '80': '' }, env: meta });
    await h.tc.run({ name: b, publish: { '80': '' }, labels: meta });
    for (const name of [a, b]) {
      const s = await registered(agent, `${HOST}:${name}:80`);
      expect(s).to.deep.include({
        Service: 'db',
        Tags: ['master', 'backups'],
        Meta: { region: 'us2' },
      });
    }
  });

  it('docs example: multiple services with defaults, then with metadata', async () => {
    const a = h.tc.uniqueName('nginx.0');
    await h.tc.run({ name: a, publish: { '443': '', '80': '' } });
    expect((await registered(agent, `${HOST}:${a}:80`)).Service).to.equal('busybox-80');
    expect((await registered(agent, `${HOST}:${a}:443`)).Service).to.equal('busybox-443');
    const b = h.tc.uniqueName('nginx.1');
    await h.tc.run({
      name: b,
      publish: { '443': '', '80': '' },
      env: {
        SERVICE_443_NAME: 'https',
        SERVICE_443_ID: `https.${b}`,
        SERVICE_443_SNI: 'enabled',
        SERVICE_80_NAME: 'http',
        SERVICE_TAGS: 'www',
      },
    });
    expect(await registered(agent, `https.${b}`)).to.deep.include({
      Service: 'https',
      Tags: ['www'],
      Meta: { sni: 'enabled' },
    });
    expect(await registered(agent, `${HOST}:${b}:80`)).to.deep.include({
      Service: 'http',
      Tags: ['www'],
      Meta: {},
    });
  });

  it('reference deployment: test-server (HTTP + TCP checks) and test-client (my-web-server)', async () => {
    const server = h.tc.uniqueName('test-server');
    const c = await h.tc.run({
      name: server,
      publish: { '8080': '', '25000': '' },
      env: {
        PORT: '8080',
        SERVICE_8080_NAME: 'test-server-http-service',
        SERVICE_8080_TAGS: 'test-server-http-service-01',
        SERVICE_8080_CHECK_HTTP: '/health',
        SERVICE_8080_CHECK_INTERVAL: '1s',
        SERVICE_8080_CHECK_TIMEOUT: '2s',
        SERVICE_25000_NAME: 'test-server-thrift-service',
        SERVICE_25000_TAGS: 'test-server-thrift-service-01',
        SERVICE_25000_CHECK_TCP: '/',
      },
    });
    const http = await registered(agent, `${HOST}:${server}:8080`);
    const thrift = await registered(agent, `${HOST}:${server}:25000`);
    expect(http).to.deep.include({
      Service: 'test-server-http-service',
      Tags: ['test-server-http-service-01'],
      Meta: {},
    });
    expect(thrift).to.deep.include({
      Service: 'test-server-thrift-service',
      Port: await h.tc.hostPort(c, '25000/tcp'),
    });
    const all = await checks(agent);
    expect(all[`service:${HOST}:${server}:25000`]).to.include({ Type: 'tcp' });
    await waitFor(
      async () => (await checks(agent))[`service:${HOST}:${server}:8080`]?.Status === 'passing',
      {
        what: 'the /health check to pass',
      },
    );
    const client = h.tc.uniqueName('test-client');
    await h.tc.run({
      name: client,
      publish: { '8080': '' },
      env: {
        PORT: '8080',
        SERVICE_8080_NAME: 'my-web-server',
        SERVICE_8080_CHECK_HTTP: '/features',
        SERVICE_8080_CHECK_INTERVAL: '1s',
      },
    });
    expect((await registered(agent, `${HOST}:${client}:8080`)).Service).to.equal('my-web-server');
    await waitFor(
      async () => (await checks(agent))[`service:${HOST}:${client}:8080`]?.Status === 'passing',
      {
        what: 'the /features check to pass',
      },
    );
  });

  it('UDP ports: :udp id suffix and udp tag', async () => {
    const name = h.tc.uniqueName('dns');
    await h.tc.run({ name, publish: { '53/udp': '' }, env: { SERVICE_TAGS: 'x' } });
    expect((await registered(agent, `${HOST}:${name}:53:udp`)).Tags).to.deep.equal(['x', 'udp']);
  });

  it('unpublished ports are skipped; SERVICE_IGNORE and SERVICE_<port>_IGNORE', async () => {
    const a = h.tc.uniqueName('a');
    await h.tc.run({
      name: a,
      publish: { '80': '' },
      expose: ['9000'],
      env: { SERVICE_81_IGNORE: '1' },
    });
    await registered(agent, `${HOST}:${a}:80`);
    const b = h.tc.uniqueName('b');
    await h.tc.run({ name: b, publish: { '80': '', '81': '' }, env: { SERVICE_81_IGNORE: 'yes' } });
    expect((await registered(agent, `${HOST}:${b}:80`)).Service).to.equal('busybox-80');
    const c = h.tc.uniqueName('c');
    await h.tc.run({ name: c, publish: { '80': '' }, env: { SERVICE_IGNORE: 'true' } });
    const d = h.tc.uniqueName('d');
    await h.tc.run({ name: d, publish: { '80': '' } });
    await registered(agent, `${HOST}:${d}:80`); // registered after c's start: c was seen and skipped
    const ids = Object.keys(await services(agent));
    expect(ids).not.to.include(`${HOST}:${a}:9000`);
    expect(ids).not.to.include(`${HOST}:${b}:81`);
    expect(ids.filter((i) => i.includes(c))).to.deep.equal([]);
  });

  it('every check kind is accepted by Consul; scripts run through a shell', async () => {
    const kinds: Record<string, Record<string, string>> = {
      script: {
        SERVICE_CHECK_SCRIPT:
          'curl --silent --fail http://$SERVICE_IP:$SERVICE_PORT/health >/dev/null',
        SERVICE_CHECK_INTERVAL: '1s',
      },
      ttl: { SERVICE_CHECK_TTL: '30s', SERVICE_CHECK_INITIAL_STATUS: 'passing' },
      https: {
        SERVICE_CHECK_HTTPS: '/health',
        SERVICE_CHECK_HTTPS_METHOD: 'HEAD',
        SERVICE_CHECK_TLS_SKIP_VERIFY: 'true',
      },
      grpc: {
        SERVICE_CHECK_GRPC: 'true',
        SERVICE_CHECK_GRPC_USE_TLS: 'true',
        SERVICE_CHECK_DEREGISTER_AFTER: '10m',
      },
      http: {
        SERVICE_CHECK_HTTP: '/health',
        SERVICE_CHECK_HTTP_METHOD: 'GET',
        SERVICE_CHECK_TIMEOUT: '1s',
      },
    };
    const names: Record<string, string> = {};
    await Promise.all(
      Object.entries(kinds).map(async ([kind, env]) => {
        names[kind] = h.tc.uniqueName(kind);
        await h.tc.run({ name: names[kind], publish: { '80': '' }, env });
      }),
    );
    for (const kind of Object.keys(kinds)) await registered(agent, `${HOST}:${names[kind]}:80`);
    const all = await checks(agent);
    const type = (kind: string): string | undefined =>
      (all[`service:${HOST}:${names[kind]}:80`] as unknown as { Type?: string } | undefined)?.Type;
    expect(['script', 'ttl', 'https', 'grpc', 'http'].map(type)).to.deep.equal([
      'script',
      'ttl',
      'http',
      'grpc',
      'http',
    ]);
    expect(all[`service:${HOST}:${names.ttl}:80`]?.Status).to.equal('passing');
    await waitFor(
      async () => (await checks(agent))[`service:${HOST}:${names.script}:80`]?.Status === 'passing',
      {
        what: 'the script check (curl through a shell) to pass',
      },
    );
  });

  it('die deregisters; destroy of a running container too', async () => {
    const name = h.tc.uniqueName('short');
    const c = await h.tc.run({ name, publish: { '80': '' } });
    await registered(agent, `${HOST}:${name}:80`);
    await c.kill({ signal: 'SIGKILL' });
    await gone(agent, `${HOST}:${name}:80`);
    const other = h.tc.uniqueName('removed');
    const d = await h.tc.run({ name: other, publish: { '80': '' } });
    await registered(agent, `${HOST}:${other}:80`);
    await d.remove({ force: true });
    await gone(agent, `${HOST}:${other}:80`);
  });
});
