import { expect } from 'chai';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultTemplatePath } from '../../../gateway/index.js';
import { freePort } from '../../helpers/ports.js';
import { waitFor } from '../../helpers/wait-for.js';
import { fetchText, waitServed, type TestGateway } from './harness.js';
import { useGatewaySuite } from './suite.js';

/** The pool's membership without reloads (Debian's libnginx-mod-http-lua), and its fallback. */
describe('gateway upstream pool, lua mode (real nginx + real Consul)', function () {
  this.timeout(60_000);
  const suite = useGatewaySuite();
  const { backend, register, metric, status } = suite;
  let gw: TestGateway | undefined;
  const poolReloads = () => metric('gateway_reloads_total{tier="pool",result="success"}');
  const edgeReloads = () => metric('gateway_reloads_total{tier="edge",result="success"}');
  const luaUpdates = () => metric('gateway_pool_updates_total{mode="lua",result="success"}');
  const poolMode = async (): Promise<string> => String((await status()).pool.mode);

  it('membership and route changes without a reload: join, leave, empty (503), new route', async () => {
    const [a, b] = await Promise.all([backend('a'), backend('b')]);
    await register('a', 'web', a.port, ['urlprefix-/app']);
    // A critical instance keeps the service in the catalog when the healthy ones leave.
    await suite.agent.client.registerService({
      ID: 'sick',
      Name: 'web',
      Address: '127.0.0.1',
      Port: 1,
      Tags: ['urlprefix-/app'],
      Checks: [{ TTL: '60s' }],
    });
    gw = await suite.start(['--pool-mode', 'lua']);
    expect(await poolMode()).to.equal('lua');
    await waitServed(`${gw.url}/app/`, ['a']);
    const reloads = await poolReloads();
    const updates = await luaUpdates();

    await register('b', 'web', b.port, ['urlprefix-/app']);
    await waitServed(`${gw.url}/app/`, ['a', 'b']);
    await suite.agent.client.deregisterService('a');
    await waitServed(`${gw.url}/app/`, ['b']);
    await suite.agent.client.deregisterService('b');
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

    // A new route is matched by the pool too: still no reload of either nginx.
    await register('a', 'web', a.port, ['urlprefix-/app']);
    await register('b2', 'api', b.port, ['urlprefix-/api']);
    await waitServed(`${gw.url}/api/`, ['b']);
    await waitServed(`${gw.url}/app/`, ['a']);
    expect(await poolReloads()).to.equal(reloads);
    expect(await edgeReloads()).to.equal(1);
  });

  it('routes by host (exact, then the longest wildcard) and path, and a new route needs no reload', async () => {
    const [a, b, c, d] = await Promise.all([
      backend('a'),
      backend('b'),
      backend('c'),
      backend('d'),
    ]);
    await register('a', 'any', a.port, ['urlprefix-/a']);
    await register('b', 'wild', b.port, ['urlprefix-*.example.com/']);
    gw = await suite.start(['--pool-mode', 'lua']);
    await waitServed(`${gw.url}/`, ['b'], 'x.y.example.com');
    const served = async (host: string, path = '/'): Promise<string> => {
      const r = await fetchText(`${gw!.url}${path}`, host);
      return r.status === 200 ? (r.body.split(' ')[0] ?? '') : `${r.status} ${r.body.trim()}`;
    };
    expect(await served('www.example.com')).to.equal('b');
    expect(await served('www.example.com', '/a/x')).to.equal('a'); // host-less route, longer
    expect(await served('example.com')).to.equal('404 no route'); // "*.example.com" excludes it
    expect(await served('other.test', '/a')).to.equal('a');
    // New routes while requests flow: a longer wildcard, an exact host, a path on it.
    await register('c', 'deep', c.port, ['urlprefix-*.deep.example.com/']);
    await register('d', 'exact', d.port, ['urlprefix-www.deep.example.com/only']);
    await waitServed(`${gw.url}/only/x`, ['d'], 'www.deep.example.com');
    expect(await served('x.deep.example.com')).to.equal('c');
    expect(await served('www.deep.example.com', '/elsewhere')).to.equal('404 no route');
    expect(await served('www.deep.example.com', '/a')).to.equal('a');
    expect(await served('www.example.com', '/only')).to.equal('b');
    // The same path host-less and on a host: the host's own route wins there, and only there.
    await register('p', 'plain', a.port, ['urlprefix-/only']);
    await waitServed(`${gw.url}/only`, ['a'], 'other.test');
    expect(await served('www.deep.example.com', '/only/x')).to.equal('d');
    await register('s', 'strip', a.port, ['urlprefix-/s/ strip=/s']);
    await waitServed(`${gw.url}/s/a/`, ['a']);
    // An encoded control character cannot be part of a stripped path: 400, nothing logged.
    expect(await fetchText(`${gw.url}/s/a%0Ab`)).to.deep.equal({
      status: 400,
      body: 'bad request path\n',
    });
    expect(await poolReloads()).to.equal(0);
    expect(await edgeReloads()).to.equal(1); // the first configuration only
    // Ordinary requests make nginx log nothing (a line per request would cost the gateway CPU).
    expect(gw.logs.filter((l) => l.nginx)).to.deep.equal([]);
    // The last instance gone: its remembered route (--route-grace) explains itself.
    await suite.agent.client.deregisterService('a');
    await waitFor(
      async () => (await served('other.test', '/a')) === '503 no instance of any for /a',
      {
        what: 'the remembered route answering 503',
      },
    );
  });

  it('a template with per-route locations names the route itself (X-Gateway-Route)', async () => {
    const a = await backend('a');
    await register('a', 'web', a.port, ['urlprefix-/app strip=/app']);
    const dir = mkdtempSync(join(tmpdir(), 'gw-tpl-'));
    const template = join(dir, 'per-route.hbs');
    // The default template with the pool's own matching turned off: one location per route.
    writeFileSync(
      template,
      readFileSync(defaultTemplatePath(), 'utf8').replace('{{#if pool.routing}}', '{{#if false}}'),
    );
    gw = await suite.start(['--pool-mode', 'lua', '--template', template]);
    await waitServed(`${gw.url}/app/x`, ['a']);
    expect((await fetchText(`${gw.url}/app/x?y=1`)).body).to.match(/^a \/x\?y=1 /);
    expect(readFileSync(join(gw.workDir, 'routes.conf'), 'utf8')).to.match(
      /location \/app \{\n {8}set \$gateway_route route_[0-9a-f]{12};/,
    );
    const edge = await edgeReloads();
    await register('b', 'other', a.port, ['urlprefix-/other']);
    await waitServed(`${gw.url}/other`, ['a']);
    // A new route changes this template's output: the edge reloads, the pool does not.
    expect(await edgeReloads()).to.equal(edge + 1);
    expect(await poolReloads()).to.equal(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('retries on the next peer when one refuses connections', async () => {
    const a = await backend('a');
    const refused = await freePort();
    await register('a', 'web', a.port, ['urlprefix-/r']);
    await register('dead', 'web', refused, ['urlprefix-/r']);
    gw = await suite.start(['--pool-mode', 'lua']);
    await waitServed(`${gw.url}/r/`, ['a']);
    for (let i = 0; i < 12; i++) {
      const r = await fetchText(`${gw.url}/r/`);
      expect(r.status, r.body).to.equal(200);
      expect(r.body.split(' ')[0]).to.equal('a');
    }
  });

  it('balances to IPv6 instances too ([::1]:port peers)', async () => {
    const six = await backend('six', '::1');
    const four = await backend('four');
    await suite.agent.client.registerService({
      ID: 'six',
      Name: 'web',
      Address: '::1',
      Port: six.port,
      Tags: ['urlprefix-/v6'],
    });
    await register('four', 'web', four.port, ['urlprefix-/v6']);
    gw = await suite.start(['--pool-mode', 'lua']);
    await waitServed(`${gw.url}/v6/`, ['six', 'four']);
    expect(readFileSync(join(gw.workDir, 'pool-members.txt'), 'utf8')).to.include(
      `[::1]:${six.port}`,
    );
    expect(gw.logs.filter((l) => l.nginx)).to.deep.equal([]);
  });

  it('a pool nginx killed outright restarts with the last table (loaded from its file)', async () => {
    const [a, b] = await Promise.all([backend('a'), backend('b')]);
    await register('a', 'web', a.port, ['urlprefix-/app']);
    gw = await suite.start(['--pool-mode', 'lua']);
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

  it('a table update the pool did not confirm is sent again without a new change', async () => {
    const a = await backend('a');
    await register('a', 'web', a.port, ['urlprefix-/app']);
    gw = await suite.start(['--pool-mode', 'lua']);
    await waitServed(`${gw.url}/app/`, ['a']);
    const failures = () => metric('gateway_pool_updates_total{mode="lua",result="failure"}');
    // Hide the pool's control socket: the PUT of the next table finds nothing to connect to.
    const control = join(gw.workDir, 'pool-control.sock');
    renameSync(control, `${control}.away`);
    try {
      await register('b', 'api', a.port, ['urlprefix-/api']);
      await waitFor(async () => (await failures()) >= 1, { what: 'an unconfirmed update' });
    } finally {
      renameSync(`${control}.away`, control);
    }
    // No further Consul change: the retry alone brings the new route.
    await waitServed(`${gw.url}/api/`, ['a']);
  });

  it('--pool-mode reload reloads the pool per membership change', async () => {
    const [a, b] = await Promise.all([backend('a'), backend('b')]);
    await register('a', 'web', a.port, ['urlprefix-/app']);
    gw = await suite.start(['--pool-mode', 'reload']);
    expect(await poolMode()).to.equal('reload');
    await waitServed(`${gw.url}/app/`, ['a']);
    const reloads = await poolReloads();
    await register('b', 'web', b.port, ['urlprefix-/app']);
    await waitServed(`${gw.url}/app/`, ['a', 'b']);
    await waitFor(async () => (await poolReloads()) > reloads, { what: 'a pool reload' });
    expect(await luaUpdates()).to.equal(0);
  });
});
