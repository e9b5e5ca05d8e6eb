import { expect } from 'chai';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/ports.js';
import { waitFor } from '../../helpers/wait-for.js';
import { fetchText, waitServed, type TestGateway } from './harness.js';
import { useGatewaySuite } from './suite.js';

/** A template with one location per route that still balances in lua. */
const PER_ROUTE_TEMPLATE = `{{#with (gatewayRoutes)}}
proxy_http_version 1.1;
proxy_set_header Connection "";
proxy_set_header Host $host;
{{#each hosts}}
server {
    listen {{../listen}} default_server;
{{#each routes}}
    location {{path}} {
{{#if stripPattern}}
        rewrite {{stripPattern}} /$1 break;
{{/if}}
        access_by_lua_block { require("gateway_pool").access("{{upstream}}") }
        proxy_pass http://gateway_pool;
    }
{{/each}}
    location / {
        return 404;
    }
}
{{/each}}
{{/with}}
`;

/** Pids of nginx masters started with this work dir as prefix. */
function nginxMasters(workDir: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return cmd.startsWith('nginx: master process') && cmd.includes(` ${workDir}/ `);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Lua mode: one nginx, routes and instances without reloads (Debian's libnginx-mod-http-lua). */
describe('gateway lua mode: one nginx (real nginx + real Consul)', function () {
  this.timeout(60_000);
  const suite = useGatewaySuite();
  const { backend, register, metric, status } = suite;
  let gw: TestGateway | undefined;
  const poolReloads = () => metric('gateway_reloads_total{tier="pool",result="success"}');
  const edgeReloads = () => metric('gateway_reloads_total{tier="edge",result="success"}');
  const luaUpdates = () => metric('gateway_pool_updates_total{mode="lua",result="success"}');
  const mode = async (): Promise<string> => String((await status()).mode);

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
    gw = await suite.start(['--mode', 'lua']);
    expect(await mode()).to.equal('lua');
    expect((await status()).pool).to.equal(undefined);
    // One nginx master for this gateway: no pool nginx.
    expect(nginxMasters(gw.workDir)).to.have.length(1);
    expect(existsSync(join(gw.workDir, 'pool.pid'))).to.equal(false);
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
    // Instances of an existing route went as patches (the changed route only), not whole tables.
    expect(gw.logs.filter((l) => l.msg === 'pool applied' && l.patched === 1)).to.have.length.gte(
      3,
    );

    // A new route is matched in lua too: still no reload.
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
    gw = await suite.start(['--mode', 'lua']);
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

  it('a template with per-route locations names the route itself (access("<upstream>"))', async () => {
    const a = await backend('a');
    await register('a', 'web', a.port, ['urlprefix-/app strip=/app']);
    const dir = mkdtempSync(join(tmpdir(), 'gw-tpl-'));
    const template = join(dir, 'per-route.hbs');
    writeFileSync(template, PER_ROUTE_TEMPLATE);
    gw = await suite.start(['--mode', 'lua', '--template', template]);
    await waitServed(`${gw.url}/app/x`, ['a']);
    expect((await fetchText(`${gw.url}/app/x?y=1`)).body).to.match(/^a \/x\?y=1 /);
    expect(readFileSync(join(gw.workDir, 'routes.conf'), 'utf8')).to.match(
      /location \/app \{\n {8}rewrite [^\n]+\n {8}access_by_lua_block \{ require\("gateway_pool"\)\.access\("route_[0-9a-f]{12}"\) \}/,
    );
    expect((await fetchText(`${gw.url}/elsewhere`)).status).to.equal(404);
    const edge = await edgeReloads();
    await register('b', 'other', a.port, ['urlprefix-/other']);
    await waitServed(`${gw.url}/other`, ['a']);
    // A new route changes this template's output: nginx reloads.
    expect(await edgeReloads()).to.equal(edge + 1);
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts requests per route and status class inside nginx: exact on /metrics', async () => {
    const a = await backend('a');
    await register('a', 'web', a.port, ['urlprefix-/a']);
    await register('dead', 'dead', await freePort(), ['urlprefix-/dead']);
    gw = await suite.start(['--mode', 'lua']);
    await waitServed(`${gw.url}/a/`, ['a']);
    const read = async (name: string): Promise<number> => (await metric(name)) || 0;
    const names = {
      ok: 'gateway_route_requests_total{route="/a",service="web",code_class="2xx"}',
      bad: 'gateway_route_requests_total{route="/dead",service="dead",code_class="5xx"}',
      failed: 'gateway_route_upstream_failures_total{route="/dead",service="dead"}',
      none: 'gateway_unrouted_requests_total{code_class="4xx"}',
    };
    const before = await Promise.all(Object.values(names).map(read));
    const send = async (path: string, n: number, status: number): Promise<void> => {
      for (let i = 0; i < n; i++)
        expect((await fetchText(`${gw!.url}${path}`)).status).to.equal(status);
    };
    await send('/a/x', 7, 200);
    await send('/dead/', 3, 502);
    await send('/nowhere', 4, 404);
    const after = await Promise.all(Object.values(names).map(read));
    expect(after.map((v, i) => v - (before[i] ?? 0))).to.deep.equal([7, 3, 3, 4]);
    // Client data never becomes a label: only routes and services.
    const text = (await fetchText(`${gw.statusUrl}/metrics`)).body;
    expect(text).not.to.include('nowhere');
  });

  it('retries on the next peer when one refuses connections', async () => {
    const a = await backend('a');
    const refused = await freePort();
    await register('a', 'web', a.port, ['urlprefix-/r']);
    await register('dead', 'web', refused, ['urlprefix-/r']);
    gw = await suite.start(['--mode', 'lua']);
    await waitServed(`${gw.url}/r/`, ['a']);
    for (let i = 0; i < 12; i++) {
      const r = await fetchText(`${gw.url}/r/`);
      expect(r.status, r.body).to.equal(200);
      expect(r.body.split(' ')[0]).to.equal('a');
    }
    // Every refused try since the start was retried on the other peer (the balancer counts
    // tries; every answer was a 200). Each worker adds its counts every 0.25 s.
    await new Promise((r) => setTimeout(r, 600));
    const read = async (name: string): Promise<number> =>
      (await metric(`gateway_route_upstream_${name}_total{route="/r",service="web"}`)) || 0;
    const failed = await read('failures');
    expect(failed).to.be.at.least(1);
    expect(await read('retries')).to.equal(failed);
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
    gw = await suite.start(['--mode', 'lua']);
    await waitServed(`${gw.url}/v6/`, ['six', 'four']);
    expect(readFileSync(join(gw.workDir, 'members.txt'), 'utf8')).to.include(`[::1]:${six.port}`);
    expect(gw.logs.filter((l) => l.nginx)).to.deep.equal([]);
  });

  it('nginx killed outright restarts with the last table (its file: table, then patches)', async () => {
    const [a, b] = await Promise.all([backend('a'), backend('b')]);
    await register('a', 'web', a.port, ['urlprefix-/app']);
    gw = await suite.start(['--mode', 'lua']);
    await waitServed(`${gw.url}/app/`, ['a']);
    await register('b', 'web', b.port, ['urlprefix-/app']);
    await waitServed(`${gw.url}/app/`, ['a', 'b']);
    // The new instance went as a patch, appended to the file after its whole table.
    expect(readFileSync(join(gw.workDir, 'members.txt'), 'utf8')).to.match(/\nd \d+ \d+\n/);
    const pid = Number(readFileSync(join(gw.workDir, 'nginx.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await waitFor(
      async () => {
        const text = readFileSync(join(gw!.workDir, 'nginx.pid'), 'utf8').trim();
        return Number(text || 0) > 0 && Number(text) !== pid;
      },
      { what: 'nginx restarted' },
    );
    // No membership change since: both instances come from members.txt.
    await waitServed(`${gw.url}/app/`, ['a', 'b']);
  });

  it('a table update the pool did not confirm is sent again without a new change', async () => {
    const a = await backend('a');
    await register('a', 'web', a.port, ['urlprefix-/app']);
    gw = await suite.start(['--mode', 'lua']);
    await waitServed(`${gw.url}/app/`, ['a']);
    const failures = () => metric('gateway_pool_updates_total{mode="lua",result="failure"}');
    // Hide the control socket: the PUT of the next table finds nothing to connect to.
    const control = join(gw.workDir, 'control.sock');
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

  it('--mode reload: a second nginx (the pool) reloads per membership change', async () => {
    const [a, b] = await Promise.all([backend('a'), backend('b')]);
    await register('a', 'web', a.port, ['urlprefix-/app']);
    gw = await suite.start(['--mode', 'reload']);
    expect(await mode()).to.equal('reload');
    expect(nginxMasters(gw.workDir)).to.have.length(2);
    await waitServed(`${gw.url}/app/`, ['a']);
    const reloads = await poolReloads();
    await register('b', 'web', b.port, ['urlprefix-/app']);
    await waitServed(`${gw.url}/app/`, ['a', 'b']);
    await waitFor(async () => (await poolReloads()) > reloads, { what: 'a pool reload' });
    expect(await luaUpdates()).to.equal(0);
  });
});
