import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { PrivateDockerd } from '../../helpers/dockerd.js';
import { get } from '../../helpers/http.js';
import { startLoad, summarize } from '../../helpers/load.js';
import { freePorts } from '../../helpers/ports.js';
import { waitFor } from '../../helpers/wait-for.js';
import { buildImages, ComposeProject, gatewayMode, standInEnv, startHost } from './harness.js';

/**
 * compose/single-host.yml as a user runs it (docker-compose 1.29), on a Docker engine of its own
 * so that its registrator sees exactly the stack's containers. Addresses are on loopback.
 */
describe('compose: single-host.yml (docker-compose 1.29)', function () {
  this.timeout(300_000);
  const HOST_IP = '127.0.0.51';
  let engine: PrivateDockerd | undefined;
  let stack: ComposeProject;
  let gatewayUrl: string;
  let statusUrl: string;

  const bodyId = (body: string): string => body.trim().split(' ')[0] ?? '';
  const shortIds = async (service: string): Promise<string[]> =>
    (await stack.containers(service))
      .filter((c) => c.State === 'running')
      .map((c) => c.Id.slice(0, 12));
  const consulServices = async (): Promise<Record<string, string[]>> => {
    const res = await get(`http://${HOST_IP}:8500/v1/catalog/services`);
    return res.status === 200 ? (JSON.parse(res.body) as Record<string, string[]>) : {};
  };

  before(async function () {
    await buildImages();
    engine = await startHost('cmps', '10.213.8.1/24');
    const [listen, status, tls] = (await freePorts(3, HOST_IP)) as [number, number, number];
    gatewayUrl = `http://${HOST_IP}:${listen}`;
    statusUrl = `http://${HOST_IP}:${status}`;
    stack = new ComposeProject({
      bin: 'docker-compose',
      file: 'single-host.yml',
      project: `e2esingle${randomBytes(3).toString('hex')}`,
      engine,
      env: {
        ...(await standInEnv()),
        HOST_IP,
        GATEWAY_LISTEN: `${HOST_IP}:${listen}`,
        // HTTPS is on by default (443): each stack gets its own port, so stacks never clash.
        GATEWAY_HTTPS_LISTEN: `${HOST_IP}:${tls}`,
        GATEWAY_STATUS_ADDR: `${HOST_IP}:${status}`,
        // GATEWAY_USER left at its default (root, as for port 80); two-host.test.ts runs as nginx.
        DOCKER_SOCKET: engine.socket,
      },
    });
  });

  const dumpLogs = async (): Promise<void> => {
    for (const s of ['registrator', 'gateway', 'consul'])
      process.stdout.write(`--- ${s}\n${(await stack?.logs(s))?.slice(-3000)}\n`);
  };
  afterEach(async function () {
    // While the stack is still up, so its logs are there to read.
    if (this.currentTest?.state === 'failed' || process.env.E2E_VERBOSE) await dumpLogs();
  });

  after(async function () {
    await stack?.down().catch(() => undefined);
    await engine?.stop();
  });

  it('registrator started before Consul waits for it, no restart and no second up', async () => {
    await stack.run('up', '-d', '--no-build', '--no-deps', 'registrator', 'web', 'api');
    await waitFor(async () => (await stack.logs('registrator')).includes('retrying'), {
      timeoutMs: 30_000,
      what: 'registrator to report Consul unavailable and retry',
    });
    const [before] = await stack.containers('registrator');
    await stack.run('up', '-d', '--no-build');
    await waitFor(
      async () => {
        const services = await consulServices();
        return 'web' in services && 'api' in services;
      },
      { timeoutMs: 60_000, what: 'web and api registered in Consul' },
    );
    const [after] = await stack.containers('registrator');
    const info = await engine!.docker.getContainer(after!.Id).inspect();
    expect(after!.Id, 'the same registrator container').to.equal(before!.Id);
    expect(info.RestartCount, 'registrator restarts').to.equal(0);
    expect(info.State.Running).to.equal(true);
  });

  it('serves both demo backends through the gateway', async () => {
    const [web] = await shortIds('web');
    const [api] = await shortIds('api');
    await waitFor(async () => bodyId((await get(`${gatewayUrl}/`)).body) === web, {
      timeoutMs: 30_000,
      what: `web (${web}) through the gateway`,
    });
    const res = await waitFor(
      async () => {
        const r = await get(`${gatewayUrl}/api/users`);
        return bodyId(r.body) === api && r;
      },
      { timeoutMs: 30_000, what: `api (${api}) through the gateway` },
    );
    expect(res.body.trim()).to.equal(`${api} /api/users`);
    // Ready (the image's health check) once the first config is applied everywhere.
    await waitFor(async () => (await get(`${statusUrl}/readyz`)).status === 200, {
      what: 'the gateway /readyz',
    });
  });

  it("runs the gateway in lua mode (the image's Debian nginx has the lua module)", async () => {
    expect(await gatewayMode(statusUrl)).to.equal('lua');
  });

  it('scales web to three replicas and all three serve', async () => {
    await stack.run('up', '-d', '--no-build', '--no-recreate', '--scale', 'web=3');
    const ids = await shortIds('web');
    expect(ids).to.have.length(3);
    const seen = new Set<string>();
    await waitFor(
      async () => {
        seen.add(bodyId((await get(`${gatewayUrl}/`)).body));
        return ids.every((id) => seen.has(id));
      },
      { timeoutMs: 60_000, what: `all of ${ids.join(', ')} to answer (seen ${[...seen]})` },
    );
  });

  it('stops one replica under load without a failed request', async () => {
    const ids = await shortIds('web');
    const victim = (await stack.containers('web')).find((c) => c.State === 'running')!;
    const load = startLoad({
      url: `${gatewayUrl}/`,
      rate: 40,
      maxDurationMs: 60_000,
      keepBodies: true,
    });
    await waitFor(() => load.samples.length >= 40, { timeoutMs: 10_000, what: 'load running' });
    await engine!.docker.getContainer(victim.Id).stop({ t: 10 });
    // The stopped replica is gone from the upstreams, then a further second of traffic.
    await waitFor(
      async () => {
        const status = JSON.parse((await get(`${statusUrl}/status`)).body) as {
          routes: { path: string; servers: { target: string }[] }[];
        };
        const root = status.routes.find((r) => r.path === '/');
        return root !== undefined && root.servers.length === 2;
      },
      { timeoutMs: 15_000, what: 'the stopped replica out of the gateway' },
    );
    const mark = load.samples.length;
    await waitFor(() => load.samples.length >= mark + 40, { timeoutMs: 10_000, what: 'more load' });
    const samples = await load.stop();
    const summary = summarize(samples);
    expect(summary.failed, JSON.stringify(summary.statuses)).to.equal(0);
    const served = new Set(samples.map((s) => bodyId(s.body)));
    expect(
      [...served].every((id) => ids.includes(id)),
      [...served].join(','),
    ).to.equal(true);
    expect(served.has(victim.Id.slice(0, 12)), 'the victim served before it stopped').to.equal(
      true,
    );
  });

  it('tears down leaving no containers, networks or volumes', async () => {
    expect((await stack.leftovers()).volumes, 'volumes while up').to.have.length.greaterThan(0);
    await stack.down();
    const none = { containers: [], networks: [], volumes: [] };
    expect(await stack.leftovers()).to.deep.equal(none);
    // The engine is this stack's alone: nothing at all is left on it.
    expect(await stack.engineLeftovers()).to.deep.equal(none);
  });
});
