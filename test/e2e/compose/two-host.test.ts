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
  IMAGES,
  standInEnv,
  startHost,
} from './harness.js';

interface CatalogEntry {
  Node: string;
  ServiceAddress: string;
  ServicePort: number;
}

/**
 * The reference deployment on two "hosts" of this machine: gateway-host.yml on one Docker engine
 * (HOST_IP 127.0.0.61) and worker-host.yml on a second engine of its own (own socket, data root,
 * exec root, pid file and bridge; HOST_IP 127.0.0.62). Compose v2 runs the stacks when it can be
 * fetched (compose/fetch-compose-v2.sh), else docker-compose 1.29.
 */
describe('compose: gateway-host.yml + worker-host.yml on two engines', function () {
  this.timeout(300_000);
  const GW_IP = '127.0.0.61';
  const WORKER_IP = '127.0.0.62';
  const suffix = randomBytes(3).toString('hex');
  const gwNode = `gw-${suffix}`;
  const workerNode = `worker-${suffix}`;
  let gwEngine: PrivateDockerd | undefined;
  let workerEngine: PrivateDockerd | undefined;
  let gw: ComposeProject;
  let worker: ComposeProject;
  let gatewayUrl: string;
  let statusUrl: string;
  let clientPort: number;

  const consul = async <T>(ip: string, path: string): Promise<T | undefined> => {
    const res = await get(`http://${ip}:8500${path}`);
    return res.status === 200 ? (JSON.parse(res.body) as T) : undefined;
  };
  const upstreams = async (): Promise<string[]> => {
    const res = await get(`${statusUrl}/status`);
    if (res.status !== 200) return [];
    const status = JSON.parse(res.body) as { routes: { servers: { target: string }[] }[] };
    return status.routes.flatMap((r) => r.servers.map((s) => s.target));
  };

  before(async function () {
    await buildImages();
    const bin = (await composeV2()) ?? 'docker-compose';
    [gwEngine, workerEngine] = await Promise.all([
      startHost('cmpg', '10.213.9.1/24'),
      startHost('cmpw', '10.213.10.1/24'),
    ]);
    const [listen, status] = (await freePorts(2, GW_IP)) as [number, number];
    const [client, serverHttp, serverThrift] = (await freePorts(3, WORKER_IP)) as [
      number,
      number,
      number,
    ];
    clientPort = client;
    gatewayUrl = `http://${GW_IP}:${listen}`;
    statusUrl = `http://${GW_IP}:${status}`;
    const images = await standInEnv();
    gw = new ComposeProject({
      bin,
      file: 'gateway-host.yml',
      project: `e2egw${suffix}`,
      engine: gwEngine,
      env: {
        ...images,
        HOST_IP: GW_IP,
        CONSUL_RETRY_JOIN: GW_IP,
        CONSUL_RETRY_INTERVAL: '1s',
        CONSUL_NODE_NAME: gwNode,
        GATEWAY_LISTEN: `${GW_IP}:${listen}`,
        GATEWAY_STATUS_ADDR: `${GW_IP}:${status}`,
        GATEWAY_USER: 'nginx',
        DOCKER_SOCKET: gwEngine.socket,
      },
    });
    worker = new ComposeProject({
      bin,
      file: 'worker-host.yml',
      project: `e2eworker${suffix}`,
      engine: workerEngine,
      env: {
        ...images,
        HOST_IP: WORKER_IP,
        CONSUL_RETRY_JOIN: GW_IP,
        CONSUL_RETRY_INTERVAL: '1s',
        CONSUL_NODE_NAME: workerNode,
        TEST_CLIENT_PORT: String(client),
        TEST_SERVER_HTTP_PORT: String(serverHttp),
        TEST_SERVER_THRIFT_PORT: String(serverThrift),
        DOCKER_SOCKET: workerEngine.socket,
      },
    });
    process.stdout.write(`      compose: ${bin}\n`);
  });

  after(async function () {
    if (this.currentTest?.state === 'failed' || process.env.E2E_VERBOSE) {
      for (const [p, s] of [
        [gw, 'gateway'],
        [gw, 'registrator'],
        [worker, 'registrator'],
        [worker, 'consul'],
      ] as const)
        process.stdout.write(`--- ${s}\n${(await p?.logs(s))?.slice(-3000)}\n`);
    }
    await Promise.all([gw?.down().catch(() => undefined), worker?.down().catch(() => undefined)]);
    await Promise.all([gwEngine?.stop(), workerEngine?.stop()]);
  });

  it('brings up both hosts and their Consul agents form one cluster', async () => {
    // The worker first: its agent retry-joins a server that is not there yet.
    await worker.run('up', '-d', '--no-build');
    await gw.run('up', '-d', '--no-build');
    const members = await waitFor(
      async () => {
        const list = await consul<{ Name: string; Status: number }[]>(GW_IP, '/v1/agent/members');
        const alive = (list ?? []).filter((m) => m.Status === 1).map((m) => m.Name);
        return alive.includes(gwNode) && alive.includes(workerNode) && alive;
      },
      { timeoutMs: 60_000, what: `${gwNode} and ${workerNode} alive in one cluster` },
    );
    expect(members).to.have.members([gwNode, workerNode]);
    // The client agent forwards to the server: it knows the server as the cluster's leader.
    const leader = await waitFor(
      async () => (await consul<string>(WORKER_IP, '/v1/status/leader')) || undefined,
      {
        timeoutMs: 30_000,
        what: 'the worker agent to know the leader',
      },
    );
    expect(leader).to.match(/^127\.0\.0\.61:/);
  });

  it('each registrator registers only its own host containers', async () => {
    // A container on the gateway host's engine, registered by that host's registrator only.
    const local = await gwEngine!.docker.createContainer({
      Image: IMAGES.demo,
      Env: ['SERVICE_NAME=gw-local', 'SERVICE_8080_CHECK_HTTP=/health'],
      Labels: { 'org.toolkit.test': `compose-${suffix}` },
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: GW_IP, HostPort: '' }] } },
    });
    await local.start();
    const catalog = (name: string) =>
      waitFor(
        async () => {
          const list = await consul<CatalogEntry[]>(GW_IP, `/v1/catalog/service/${name}`);
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
    expect(mine.map((e) => [e.Node, e.ServiceAddress])).to.deep.equal([[gwNode, GW_IP]]);
    for (const entries of [client, http, thrift])
      expect(entries.map((e) => [e.Node, e.ServiceAddress])).to.deep.equal([
        [workerNode, WORKER_IP],
      ]);
    expect(client[0]!.ServicePort).to.equal(clientPort);
    // Nothing else: the infrastructure containers carry SERVICE_IGNORE.
    const services = await consul<Record<string, string[]>>(GW_IP, '/v1/catalog/services');
    expect(Object.keys(services ?? {}).sort()).to.deep.equal(
      [
        'consul',
        'gw-local',
        'my-web-server',
        'test-server-http-service',
        'test-server-thrift-service',
      ].sort(),
    );
  });

  it("the gateway routes to the worker's my-web-server", async () => {
    const [client] = await worker.containers('test-client');
    const id = client!.Id.slice(0, 12);
    const res = await waitFor(
      async () => {
        const r = await get(`${gatewayUrl}/features`);
        return r.status === 200 && r;
      },
      { timeoutMs: 30_000, what: 'my-web-server through the gateway' },
    );
    expect(res.body.trim()).to.equal(`${id} /features`);
    expect(await upstreams()).to.include(`${WORKER_IP}:${clientPort}`);
  });

  it("stopping the worker's container removes it from the upstreams within a second", async () => {
    const [client] = await worker.containers('test-client');
    const target = `${WORKER_IP}:${clientPort}`;
    const started = performance.now();
    const stopped = workerEngine!.docker.getContainer(client!.Id).stop({ t: 10 });
    await waitFor(async () => !(await upstreams()).includes(target), {
      timeoutMs: 1_000,
      intervalMs: 20,
      what: `${target} out of the gateway's upstreams`,
    });
    const ms = performance.now() - started;
    process.stdout.write(
      `      removed from the upstreams ${ms.toFixed(0)} ms after docker stop\n`,
    );
    await stopped;
    // No instance left: the gateway answers itself (503 or 404), nothing is proxied.
    expect((await get(`${gatewayUrl}/features`)).status).to.be.oneOf([404, 503]);
  });

  it('tears both hosts down leaving no containers, networks or volumes', async () => {
    await Promise.all([gw.down(), worker.down()]);
    for (const p of [gw, worker])
      expect(await p.leftovers()).to.deep.equal({ containers: [], networks: [], volumes: [] });
  });
});
