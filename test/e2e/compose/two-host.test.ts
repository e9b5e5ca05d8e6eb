import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { PrivateDockerd } from '../../helpers/dockerd.js';
import { get } from '../../helpers/http.js';
import { freePorts } from '../../helpers/ports.js';
import { waitFor } from '../../helpers/wait-for.js';
import {
  buildImages,
  ComposeProject,
  composeV2,
  gatewayMode,
  IMAGES,
  standInEnv,
  startHost,
} from './harness.js';

interface CatalogEntry {
  Node: string;
  ServiceAddress: string;
  ServicePort: number;
}

interface GatewayHost {
  ip: string;
  node: string;
  engine: PrivateDockerd;
  stack: ComposeProject;
  url: string;
  statusUrl: string;
}

/**
 * The reference deployment on "hosts" of this machine, each a Docker engine of its own (own
 * socket, data root, exec root, pid file and bridge) with its own loopback address:
 * gateway-host.yml on 127.0.0.61 (bootstraps Consul), worker-host.yml on 127.0.0.62, and a
 * second gateway-host.yml on 127.0.0.63 that joins as a second server. Compose v2 runs the stacks
 * when it can be fetched (compose/fetch-compose-v2.sh), else docker-compose 1.29.
 */
describe('compose: gateway-host.yml + worker-host.yml on separate engines', function () {
  this.timeout(300_000);
  const WORKER_IP = '127.0.0.62';
  const suffix = randomBytes(3).toString('hex');
  const workerNode = `worker-${suffix}`;
  const gateways: GatewayHost[] = [];
  let workerEngine: PrivateDockerd | undefined;
  let worker: ComposeProject;
  let clientPort: number;
  const gw = (): GatewayHost => gateways[0] as GatewayHost;

  const consul = async <T>(ip: string, path: string): Promise<T | undefined> => {
    const res = await get(`http://${ip}:8500${path}`);
    return res.status === 200 ? (JSON.parse(res.body) as T) : undefined;
  };
  /** The gateway's upstream servers per /status; undefined when /status did not answer. */
  const upstreams = async (host: GatewayHost): Promise<string[] | undefined> => {
    const res = await get(`${host.statusUrl}/status`);
    if (res.status !== 200) return undefined;
    const status = JSON.parse(res.body) as { routes: { servers: { target: string }[] }[] };
    return status.routes.flatMap((r) => r.servers.map((s) => s.target));
  };
  const aliveMembers = async (): Promise<string[]> => {
    const list = await consul<{ Name: string; Status: number }[]>(gw().ip, '/v1/agent/members');
    return (list ?? []).filter((m) => m.Status === 1).map((m) => m.Name);
  };

  before(async function () {
    await buildImages();
    const bin = (await composeV2()) ?? 'docker-compose';
    process.stdout.write(`      compose: ${bin}\n`);
    const images = await standInEnv();
    const engines = await Promise.all([
      startHost('cmpw', '10.213.10.1/24'),
      startHost('cmpg1', '10.213.9.1/24'),
      startHost('cmpg2', '10.213.11.1/24'),
    ]);
    workerEngine = engines[0];
    for (const [i, engine] of engines.slice(1).entries()) {
      const ip = `127.0.0.${61 + 2 * i}`; // .61 and .63
      const [listen, status, tls] = (await freePorts(3, ip)) as [number, number, number];
      const node = `gw${i + 1}-${suffix}`;
      const stack = new ComposeProject({
        bin,
        file: 'gateway-host.yml',
        project: `e2egw${i + 1}${suffix}`,
        engine,
        env: {
          ...images,
          HOST_IP: ip,
          // The first bootstraps (joining itself is harmless); the second joins it.
          CONSUL_RETRY_JOIN: '127.0.0.61',
          CONSUL_BOOTSTRAP_EXPECT: i === 0 ? '1' : '0',
          CONSUL_RETRY_INTERVAL: '1s',
          CONSUL_NODE_NAME: node,
          GATEWAY_LISTEN: `${ip}:${listen}`,
          // HTTPS is on by default (443): each stack gets its own port, so stacks never clash.
          GATEWAY_HTTPS_LISTEN: `${ip}:${tls}`,
          GATEWAY_STATUS_ADDR: `${ip}:${status}`,
          GATEWAY_USER: 'nginx',
          DOCKER_SOCKET: engine.socket,
        },
      });
      gateways.push({
        ip,
        node,
        engine,
        stack,
        url: `http://${ip}:${listen}`,
        statusUrl: `http://${ip}:${status}`,
      });
    }
    const [client, serverHttp, serverThrift] = (await freePorts(3, WORKER_IP)) as [
      number,
      number,
      number,
    ];
    clientPort = client;
    worker = new ComposeProject({
      bin,
      file: 'worker-host.yml',
      project: `e2eworker${suffix}`,
      engine: workerEngine,
      env: {
        ...images,
        HOST_IP: WORKER_IP,
        CONSUL_RETRY_JOIN: '127.0.0.61',
        CONSUL_RETRY_INTERVAL: '1s',
        CONSUL_NODE_NAME: workerNode,
        TEST_CLIENT_PORT: String(client),
        TEST_SERVER_HTTP_PORT: String(serverHttp),
        TEST_SERVER_THRIFT_PORT: String(serverThrift),
        DOCKER_SOCKET: workerEngine.socket,
      },
    });
  });

  const dumpLogs = async (): Promise<void> => {
    const stacks = [...gateways.map((g) => g.stack), worker].filter(Boolean);
    for (const stack of stacks)
      for (const s of ['registrator', 'consul', 'gateway'])
        if (stack.options.file !== 'worker-host.yml' || s !== 'gateway')
          process.stdout.write(
            `--- ${stack.options.project} ${s}\n${(await stack.logs(s)).slice(-2500)}\n`,
          );
  };
  afterEach(async function () {
    // While the stacks are still up, so their logs are there to read.
    if (this.currentTest?.state === 'failed' || process.env.E2E_VERBOSE) await dumpLogs();
  });

  after(async function () {
    const stacks = [...gateways.map((g) => g.stack), worker].filter(Boolean);
    await Promise.all(stacks.map((s) => s.down().catch(() => undefined)));
    await Promise.all([workerEngine, ...gateways.map((g) => g.engine)].map((e) => e?.stop()));
  });

  it('brings up a worker host and a gateway host whose Consul agents form one cluster', async () => {
    // The worker first: its agent retry-joins a server that is not there yet.
    await worker.run('up', '-d', '--no-build');
    await gw().stack.run('up', '-d', '--no-build');
    await waitFor(
      async () => {
        const alive = await aliveMembers();
        return alive.includes(gw().node) && alive.includes(workerNode);
      },
      { timeoutMs: 60_000, what: `${gw().node} and ${workerNode} alive in one cluster` },
    );
    // The client agent forwards to the server: it knows the server as the cluster's leader.
    const leader = await waitFor(
      async () => (await consul<string>(WORKER_IP, '/v1/status/leader')) || undefined,
      { timeoutMs: 30_000, what: 'the worker agent to know the leader' },
    );
    expect(leader).to.match(/^127\.0\.0\.61:/);
  });

  it('each registrator registers only its own host containers', async () => {
    // A container on the gateway host's engine, registered by that host's registrator only.
    const local = await gw().engine.docker.createContainer({
      Image: IMAGES.demo,
      Env: ['SERVICE_NAME=gw-local', 'SERVICE_8080_CHECK_HTTP=/health'],
      Labels: { 'org.toolkit.test': `compose-${suffix}` },
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: gw().ip, HostPort: '' }] } },
    });
    await local.start();
    const catalog = (name: string) =>
      waitFor(
        async () => {
          const list = await consul<CatalogEntry[]>(gw().ip, `/v1/catalog/service/${name}`);
          return list && list.length > 0 && list;
        },
        { timeoutMs: 60_000, what: `${name} in the catalog` },
      );
    const [mine, client, http, thrift] = await Promise.all([
      catalog('gw-local'),
      catalog('my-web-server'),
      catalog('test-server-http-service'),
      catalog('test-server-thrift-service'),
    ]);
    expect(mine.map((e) => [e.Node, e.ServiceAddress])).to.deep.equal([[gw().node, gw().ip]]);
    for (const entries of [client, http, thrift])
      expect(entries.map((e) => [e.Node, e.ServiceAddress])).to.deep.equal([
        [workerNode, WORKER_IP],
      ]);
    expect(client[0]!.ServicePort).to.equal(clientPort);
    // Nothing else: the infrastructure containers carry SERVICE_IGNORE.
    const services = await consul<Record<string, string[]>>(gw().ip, '/v1/catalog/services');
    expect(Object.keys(services ?? {}).sort()).to.deep.equal(
      [
        'consul',
        'gw-local',
        'my-web-server',
        'test-server-http-service',
        'test-server-thrift-service',
      ].sort(),
    );
    await local.remove({ force: true });
  });

  it("the gateway routes to the worker's my-web-server", async () => {
    const [client] = await worker.containers('test-client');
    const res = await waitFor(
      async () => {
        const r = await get(`${gw().url}/features`);
        return r.status === 200 && r;
      },
      { timeoutMs: 30_000, what: 'my-web-server through the gateway' },
    );
    expect(res.body.trim()).to.equal(`${client!.Id.slice(0, 12)} /features`);
    await waitFor(async () => (await upstreams(gw()))?.includes(`${WORKER_IP}:${clientPort}`), {
      what: 'the worker instance in the /status upstreams',
    });
    // Started as the unprivileged nginx user (GATEWAY_USER), with the lua module of the image.
    expect(await gatewayMode(gw().statusUrl)).to.equal('lua');
  });

  it('a second gateway host joins as a Consul server and routes there too', async () => {
    const second = gateways[1] as GatewayHost;
    await second.stack.run('up', '-d', '--no-build');
    await waitFor(async () => (await aliveMembers()).includes(second.node), {
      timeoutMs: 60_000,
      what: `${second.node} alive in the cluster`,
    });
    await waitFor(
      async () => {
        const raft = await consul<{ Servers: { Node: string; Voter: boolean }[] }>(
          gw().ip,
          '/v1/operator/raft/configuration',
        );
        return raft?.Servers.some((s) => s.Node === second.node);
      },
      { timeoutMs: 60_000, what: `${second.node} in the Raft configuration` },
    );
    const [client] = await worker.containers('test-client');
    const res = await waitFor(
      async () => {
        const r = await get(`${second.url}/features`);
        return r.status === 200 && r;
      },
      { timeoutMs: 30_000, what: 'my-web-server through the second gateway' },
    );
    expect(res.body.trim()).to.equal(`${client!.Id.slice(0, 12)} /features`);
    expect(await gatewayMode(second.statusUrl)).to.equal('lua');
  });

  it("stopping the worker's container removes it from the upstreams within a second", async () => {
    const [client] = await worker.containers('test-client');
    const target = `${WORKER_IP}:${clientPort}`;
    const started = performance.now();
    const stopped = workerEngine!.docker.getContainer(client!.Id).stop({ t: 10 });
    const gone = async (host: GatewayHost): Promise<boolean> => {
      const list = await upstreams(host);
      return list !== undefined && !list.includes(target);
    };
    await waitFor(() => gone(gw()), {
      timeoutMs: 15_000,
      intervalMs: 20,
      what: `${target} out of the gateway's upstreams`,
    });
    const ms = performance.now() - started;
    process.stdout.write(
      `      removed from the upstreams ${ms.toFixed(0)} ms after docker stop\n`,
    );
    expect(ms, 'ms from docker stop to removal from the upstreams').to.be.below(1_000);
    await waitFor(() => gone(gateways[1] as GatewayHost), {
      what: `${target} out of the second gateway's upstreams`,
    });
    await stopped;
    // No instance left: the gateway answers itself (503 or 404), nothing is proxied.
    expect((await get(`${gw().url}/features`)).status).to.be.oneOf([404, 503]);
  });

  it('tears every host down leaving no containers, networks or volumes', async () => {
    const stacks = [...gateways.map((g) => g.stack), worker];
    await Promise.all(stacks.map((s) => s.down()));
    const none = { containers: [], networks: [], volumes: [] };
    for (const s of stacks) {
      expect(await s.leftovers()).to.deep.equal(none);
      expect(await s.engineLeftovers(), `engine of ${s.options.project}`).to.deep.equal(none);
    }
  });
});
