import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startConsulAgent, type ConsulAgent } from '../../helpers/consul-agent.js';
import { freePort } from '../../helpers/ports.js';
import { waitFor } from '../../helpers/wait-for.js';
import {
  fetchText,
  startBackend,
  startTestGateway,
  waitServed,
  type Backend,
  type TestGateway,
} from './harness.js';

/** The pool's membership without reloads (Debian's libnginx-mod-http-lua), and its fallback. */
describe('gateway upstream pool, lua mode (real nginx + real Consul)', function () {
  this.timeout(60_000);
  let agent: ConsulAgent;
  let gw: TestGateway | undefined;
  const backends: Backend[] = [];
  const backend = async (name: string): Promise<Backend> => {
    const b = await startBackend(name);
    backends.push(b);
    return b;
  };
  const register = (id: string, name: string, port: number, tags: string[]) =>
    agent.client.registerService({
      ID: id,
      Name: name,
      Address: '127.0.0.1',
      Port: port,
      Tags: tags,
    });
  const metric = async (name: string): Promise<number> => {
    const text = (await fetchText(`${gw!.statusUrl}/metrics`)).body;
    const line = text.split('\n').find((l) => l.startsWith(name));
    return Number(line?.split(' ').pop() ?? NaN);
  };
  const poolReloads = () => metric('gateway_reloads_total{tier="pool",result="success"}');
  const luaUpdates = () => metric('gateway_pool_updates_total{mode="lua",result="success"}');
  const poolMode = async (): Promise<string> =>
    (JSON.parse((await fetchText(`${gw!.statusUrl}/status`)).body) as { pool: { mode: string } })
      .pool.mode;

  before(async () => {
    agent = await startConsulAgent();
  });
  afterEach(async () => {
    await gw?.stop();
    gw = undefined;
    await Promise.all(backends.splice(0).map((b) => b.close()));
    for (const id of Object.keys(await agent.client.agentServices()))
      await agent.client.deregisterService(id);
  });
  after(async () => {
    await agent?.stop();
  });

  it('membership changes without a reload: join, leave, empty (503), route changes reload', async () => {
    const [a, b] = await Promise.all([backend('a'), backend('b')]);
    await register('a', 'web', a.port, ['urlprefix-/app']);
    // A critical instance keeps the service in the catalog when the healthy ones leave.
    await agent.client.registerService({
      ID: 'sick',
      Name: 'web',
      Address: '127.0.0.1',
      Port: 1,
      Tags: ['urlprefix-/app'],
      Checks: [{ TTL: '60s' }],
    });
    gw = await startTestGateway(agent, ['--pool-mode', 'lua']);
    expect(await poolMode()).to.equal('lua');
    await waitServed(`${gw.url}/app/`, ['a']);
    const reloads = await poolReloads();
    const updates = await luaUpdates();

    await register('b', 'web', b.port, ['urlprefix-/app']);
    await waitServed(`${gw.url}/app/`, ['a', 'b']);
    await agent.client.deregisterService('a');
    await waitServed(`${gw.url}/app/`, ['b']);
    await agent.client.deregisterService('b');
    const empty = await waitFor(
      async () => {
        const r = await fetchText(`${gw!.url}/app/`);
        return r.status === 503 ? r : undefined;
      },
      { what: '503 without instances' },
    );
    expect(empty.body).to.equal('no healthy instance of web for /app\n');
    expect(await poolReloads()).to.equal(reloads);
    await waitFor(async () => (await luaUpdates()) >= updates + 3, { what: 'three lua updates' });

    // A new route changes the pool config: reload, and the table is still there afterwards.
    await register('a', 'web', a.port, ['urlprefix-/app']);
    await register('b2', 'api', b.port, ['urlprefix-/api']);
    await waitServed(`${gw.url}/api/`, ['b']);
    await waitServed(`${gw.url}/app/`, ['a']);
    expect(await poolReloads()).to.be.greaterThan(reloads);
  });

  it('retries on the next peer when one refuses connections', async () => {
    const a = await backend('a');
    const refused = await freePort();
    await register('a', 'web', a.port, ['urlprefix-/r']);
    await register('dead', 'web', refused, ['urlprefix-/r']);
    gw = await startTestGateway(agent, ['--pool-mode', 'lua']);
    await waitServed(`${gw.url}/r/`, ['a']);
    for (let i = 0; i < 12; i++) {
      const r = await fetchText(`${gw.url}/r/`);
      expect(r.status, r.body).to.equal(200);
      expect(r.body.split(' ')[0]).to.equal('a');
    }
  });

  it('a pool nginx killed outright restarts with the last table (loaded from its file)', async () => {
    const [a, b] = await Promise.all([backend('a'), backend('b')]);
    await register('a', 'web', a.port, ['urlprefix-/app']);
    gw = await startTestGateway(agent, ['--pool-mode', 'lua']);
    await waitServed(`${gw.url}/app/`, ['a']);
    await register('b', 'web', b.port, ['urlprefix-/app']);
    await waitServed(`${gw.url}/app/`, ['a', 'b']);
    const pid = Number(readFileSync(join(gw.workDir, 'pool.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await waitFor(
      async () => {
        const now = Number(readFileSync(join(gw!.workDir, 'pool.pid'), 'utf8').trim() || 0);
        return now > 0 && now !== pid;
      },
      { what: 'pool nginx restarted' },
    );
    // No membership change since: both instances come from pool-members.txt.
    await waitServed(`${gw.url}/app/`, ['a', 'b']);
  });

  it('--pool-mode reload reloads the pool per membership change', async () => {
    const [a, b] = await Promise.all([backend('a'), backend('b')]);
    await register('a', 'web', a.port, ['urlprefix-/app']);
    gw = await startTestGateway(agent, ['--pool-mode', 'reload']);
    expect(await poolMode()).to.equal('reload');
    await waitServed(`${gw.url}/app/`, ['a']);
    const reloads = await poolReloads();
    await register('b', 'web', b.port, ['urlprefix-/app']);
    await waitServed(`${gw.url}/app/`, ['a', 'b']);
    await waitFor(async () => (await poolReloads()) > reloads, { what: 'a pool reload' });
    expect(await luaUpdates()).to.equal(0);
  });
});
