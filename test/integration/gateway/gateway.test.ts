import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultTemplatePath } from '../../../gateway/index.js';
import { ROOT } from '../../helpers/paths.js';
import { waitFor } from '../../helpers/wait-for.js';
import { fetchText, startTestGateway, waitServed, type TestGateway } from './harness.js';
import { useGatewaySuite } from './suite.js';

describe('gateway (library, real nginx + real Consul)', function () {
  this.timeout(60_000);
  const suite = useGatewaySuite();
  const { backend, register, metric, status } = suite;
  let gw: TestGateway | undefined;

  // lua: the pool matches routes itself (the edge has one catch-all location); reload: per-route
  // locations in the edge, upstream blocks in the pool. The same behaviour either way.
  for (const mode of ['lua', 'reload'])
    it(`routes urlprefix- tags to healthy instances: rotation, 503, host route, strip, longest prefix (${mode} mode)`, async () => {
      const [a, b, api, site] = await Promise.all([
        backend('a'),
        backend('b'),
        backend('api'),
        backend('site'),
      ]);
      await register('a', 'web', a.port, ['urlprefix-/app']);
      await register('b', 'web', b.port, ['urlprefix-/app']);
      await register('api', 'api', api.port, [
        'urlprefix-/app/api',
        'urlprefix-example.com/v1 strip=/v1',
      ]);
      await register('site', 'site', site.port, ['urlprefix-example.com/']);
      await register('dead', 'dead', 1, ['urlprefix-/dead'], { Check: { TTL: '60s' } }); // critical
      gw = await suite.start(['--mode', mode]);
      await waitServed(`${gw.url}/app/x`, ['a', 'b']);
      const s0 = await status();
      // longest prefix wins
      expect((await fetchText(`${gw.url}/app/api/z`)).body).to.match(/^api \/app\/api\/z/);
      // host route with strip, host route at /, host-less route still served on the named host
      expect((await fetchText(`${gw.url}/v1/users?q=1`, 'example.com')).body).to.match(
        /^api \/users\?q=1 host=example\.com/,
      );
      expect((await fetchText(`${gw.url}/other`, 'example.com')).body).to.match(/^site \/other/);
      // strip keeps the rest of the path as the client encoded it, and the query; dot segments
      // are resolved and the host lower-cased first, as nginx does for locations
      expect((await fetchText(`${gw.url}/v1/a%20b/c?q=1`, 'EXAMPLE.com')).body).to.match(
        /^api \/a%20b\/c\?q=1 host=example\.com/,
      );
      expect((await fetchText(`${gw.url}/v1/x/%2e%2E/c`, 'example.com')).body).to.match(
        /^api \/c /,
      );
      expect((await fetchText(`${gw.url}/v1`, 'example.com.')).body).to.match(/^api \/ /);
      expect((await fetchText(`${gw.url}/app/x`, 'example.com')).body).to.match(/^[ab] /);
      // not on the default server
      expect((await fetchText(`${gw.url}/v1/users`)).status).to.equal(404);
      // no healthy instance: 503 with a short explanation
      const dead = await fetchText(`${gw.url}/dead`);
      expect(dead.status).to.equal(503);
      expect(dead.body).to.equal('no healthy instance of dead for /dead\n');
      // forwarded headers
      expect((await fetchText(`${gw.url}/app/`)).body).to.include('xff=127.0.0.1');
      // A client cannot pick an upstream with the pool's route header.
      const spoof = await fetchText(`${gw.url}/dead`, undefined, {
        'x-gateway-route': s0.routes.find((r: { path: string }) => r.path === '/app').upstream,
      });
      expect(spoof.status).to.equal(503);
      // JSON access log (buffered; flushed within a second)
      const accessLog = join(gw.workDir, 'access.log');
      const entry = await waitFor(
        () =>
          readFileSync(accessLog, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>)
            .find((l) => l.uri === '/v1/users?q=1'),
        { what: 'access log entry' },
      );
      expect(entry).to.include({ host: 'example.com', status: 200, method: 'GET' });

      // leaves the rotation, comes back
      await suite.agent.client.deregisterService('b');
      await waitServed(`${gw.url}/app/x`, ['a']);
      await register('b', 'web', b.port, ['urlprefix-/app']);
      await waitServed(`${gw.url}/app/x`, ['a', 'b']);
      const s = await status();
      expect(
        s.routes.map((r: { host: string; path: string }) => r.host + r.path),
      ).to.include.members(['/app', '/app/api', 'example.com/v1', 'example.com/', '/dead']);
      expect(s.instances.find((i: { id: string }) => i.id === 'dead')).to.include({
        healthy: false,
      });
      // nginx may serve the new generation a moment before the confirmation lands in status.
      await waitFor(async () => (await metric('gateway_healthy_instances{service="web"}')) === 2, {
        what: 'two healthy web instances in metrics',
      });
      // Instances came and went: only the pool reloaded; the client-facing nginx kept its config.
      expect(await metric('gateway_reloads_total{tier="edge",result="success"}')).to.equal(1);
      // Lua mode (auto where nginx has the module) updates the pool without reloading it.
      const poolChanges =
        (await metric('gateway_reloads_total{tier="pool",result="success"}')) +
        (await metric('gateway_pool_updates_total{mode="lua",result="success"}'));
      expect(poolChanges).to.be.at.least(3);
    });

  it('a service whose last instance left answers 503 for --route-grace, then 404', async () => {
    const a = await backend('a');
    await register('a', 'gone', a.port, ['urlprefix-/gone']);
    gw = await suite.start(['--route-grace', '2s']);
    await waitServed(`${gw.url}/gone/`, ['a']);
    const edgeReloads = await metric('gateway_reloads_total{tier="edge",result="success"}');
    await suite.agent.client.deregisterService('a');
    const res = await waitFor(
      async () => {
        // The instance may leave the health query a moment before the service leaves the
        // catalog: "no healthy instance" first (visible at once in lua pool mode), then this.
        const r = await fetchText(`${gw!.url}/gone/`);
        return r.status === 503 && r.body.startsWith('no instance') ? r : undefined;
      },
      { what: '503 once the last instance left' },
    );
    expect(res.body).to.equal('no instance of gone for /gone\n');
    // Only the pool changed; the client-facing nginx kept its routes.
    expect(await metric('gateway_reloads_total{tier="edge",result="success"}')).to.equal(
      edgeReloads,
    );
    await waitFor(async () => (await fetchText(`${gw!.url}/gone/`)).status === 404, {
      what: '404 after the grace period',
    });
  });

  it('a hostile tag is dropped with an error naming the service; other routes keep working', async () => {
    const ok = await backend('ok');
    await register('ok', 'ok', ok.port, ['urlprefix-/ok']);
    gw = await suite.start();
    await waitServed(`${gw.url}/ok/`, ['ok']);
    await register('evil', 'evil', ok.port, [
      'urlprefix-/x;} server { listen 1; location / { return 200 pwned; } } #',
      'urlprefix-/evil',
    ]);
    await waitFor(async () => (await status()).routeErrors.length > 0, {
      what: 'route error in status',
    });
    const s = await status();
    expect(s.routeErrors[0]).to.include({ service: 'evil' });
    expect(s.routeErrors[0].message).to.match(/dropped: invalid path/);
    await waitServed(`${gw.url}/evil`, ['ok']);
    await waitServed(`${gw.url}/ok/`, ['ok']);
    expect(readFileSync(join(gw.workDir, 'routes.conf'), 'utf8')).not.to.include('pwned');
    expect(
      gw.logs.some((l) => l.service === 'evil' && l.msg === 'routing value rejected'),
    ).to.equal(true);
    expect(await metric('gateway_route_errors')).to.equal(1);
  });

  it('a template nginx rejects is never applied: the last good config keeps serving', async () => {
    const ok = await backend('ok');
    await register('ok', 'ok', ok.port, ['urlprefix-/ok']);
    const template = join('/tmp', `tmpl-${process.pid}-${Date.now()}.hbs`);
    writeFileSync(template, readFileSync(defaultTemplatePath(), 'utf8'));
    gw = await suite.start(['--template', template]);
    await waitServed(`${gw.url}/ok/`, ['ok']);
    const before = await status();
    writeFileSync(
      template,
      readFileSync(defaultTemplatePath(), 'utf8').replace(
        'server_tokens off;',
        'server_tokens off;\nbogus_directive on;',
      ),
    );
    await waitFor(async () => (await metric('gateway_config_validation_failures_total')) === 1, {
      what: 'validation failure',
    });
    const s = await status();
    expect(s.lastValidation.ok).to.equal(false);
    expect(s.lastValidation.error).to.match(/unknown directive "bogus_directive"/);
    expect(s.errors[0]).to.include({ source: 'validation' });
    expect(s.generation).to.equal(before.generation);
    expect(readFileSync(join(gw.workDir, 'routes.conf'), 'utf8')).not.to.include('bogus');
    expect((await fetchText(`${gw.url}/ok/`)).body).to.match(/^ok /);
    // SIGHUP equivalent: still rejected, still serving
    await gw.gateway.reload();
    expect((await fetchText(`${gw.url}/ok/`)).status).to.equal(200);
    // fixing the template applies it
    writeFileSync(
      template,
      readFileSync(defaultTemplatePath(), 'utf8').replace(
        'server_tokens off;',
        'server_tokens on;',
      ),
    );
    await waitFor(async () => (await status()).generation > before.generation, {
      what: 'fixed template applied',
    });
    expect(readFileSync(join(gw.workDir, 'routes.conf'), 'utf8')).to.include('server_tokens on;');
  });

  it('a reload that passes nginx -t but does not come live is rolled back', async () => {
    const ok = await backend('ok');
    await register('ok', 'ok', ok.port, ['urlprefix-/ok']);
    const template = join('/tmp', `tmpl-busy-${process.pid}-${Date.now()}.hbs`);
    writeFileSync(template, readFileSync(defaultTemplatePath(), 'utf8'));
    gw = await suite.start(['--template', template, '--reload-timeout', '1s']);
    await waitServed(`${gw.url}/ok/`, ['ok']);
    const good = readFileSync(join(gw.workDir, 'routes.conf'), 'utf8');
    const before = await status();
    // nginx -t does not bind: a port in use only fails when the reload tries to listen on it.
    const busy = await backend('busy');
    writeFileSync(
      template,
      readFileSync(defaultTemplatePath(), 'utf8').replace(
        '{{/with}}',
        `server { listen 127.0.0.1:${busy.port}; }\n{{/with}}`,
      ),
    );
    await waitFor(async () => (await status()).lastReload?.result === 'failure', {
      what: 'failed reload',
    });
    const s = await status();
    expect(s.lastReload.error).to.match(/not confirmed/);
    expect(s.generation).to.equal(before.generation);
    expect(await metric('gateway_reloads_total{tier="edge",result="failure"}')).to.equal(1);
    expect(readFileSync(join(gw.workDir, 'routes.conf'), 'utf8')).to.equal(good);
    expect((await fetchText(`${gw.url}/ok/`)).body).to.match(/^ok /);
  });

  it('the reference template (templates/nginx-my-web-server.hbs) works unchanged', async () => {
    const [a, b] = await Promise.all([backend('a'), backend('b')]);
    await register('a', 'my-web-server', a.port, []);
    await register('b', 'my-web-server', b.port, []);
    gw = await suite.start(['--template', join(ROOT, 'templates/nginx-my-web-server.hbs')]);
    await waitServed(`${gw.url}/`, ['a', 'b']);
    await suite.agent.client.deregisterService('a');
    await waitServed(`${gw.url}/`, ['b']);
  });

  it("the reference deployment's nginx.conf.ctmpl (Go template) works unchanged", async () => {
    const [a, b] = await Promise.all([backend('a'), backend('b')]);
    await register('a', 'my-web-server', a.port, []);
    gw = await suite.start(['--template', join(ROOT, 'test/fixtures/templates/nginx.conf.ctmpl')]);
    await waitServed(`${gw.url}/`, ['a']);
    await register('b', 'my-web-server', b.port, []);
    await waitServed(`${gw.url}/`, ['a', 'b']);
    await suite.agent.client.deregisterService('a');
    await waitServed(`${gw.url}/`, ['b']);
  });

  it('the single-tier templates/gateway-direct.hbs routes and reloads the edge per change', async () => {
    const [a, b] = await Promise.all([backend('a'), backend('b')]);
    await register('a', 'web', a.port, ['urlprefix-/app']);
    await register('b', 'web', b.port, ['urlprefix-/app']);
    await register('dead', 'dead', 1, ['urlprefix-/dead'], { Check: { TTL: '60s' } });
    gw = await suite.start(['--template', join(ROOT, 'templates/gateway-direct.hbs')]);
    await waitServed(`${gw.url}/app/`, ['a', 'b']);
    expect((await fetchText(`${gw.url}/dead`)).status).to.equal(503);
    await suite.agent.client.deregisterService('a');
    await waitServed(`${gw.url}/app/`, ['b']);
    await waitFor(
      async () => (await metric('gateway_reloads_total{tier="edge",result="success"}')) >= 2,
      { what: 'an edge reload for the membership change' },
    );
  });

  for (const mode of ['lua', 'reload'] as const)
    it(`${mode} mode: reload() bumps the generation; nginx killed outright is restarted with the last good config`, async () => {
      const ok = await backend('ok');
      await register('ok', 'ok', ok.port, ['urlprefix-/']);
      gw = await suite.start(['--mode', mode]);
      await waitServed(`${gw.url}/`, ['ok']);
      const g0 = (await status()).generation;
      await gw.gateway.reload();
      expect((await status()).generation).to.equal(g0 + 1);
      const pid = (await status()).nginx.pid as number;
      process.kill(pid, 'SIGKILL');
      await waitFor(
        async () => {
          const s = await status();
          return s.nginx.running && s.nginx.pid !== pid && s.nginx.restarts === 1;
        },
        { what: 'nginx restarted' },
      );
      await waitServed(`${gw.url}/`, ['ok']);
      expect(await metric('gateway_nginx_restarts_total{tier="edge"}')).to.equal(1);
      // Changes still apply after the restart (no orphaned workers holding the port).
      const two = await backend('two');
      await register('two', 'ok', two.port, ['urlprefix-/']);
      await waitServed(`${gw.url}/`, ['ok', 'two']);
      if (mode === 'lua') return;
      // The same for the upstream pool's master.
      const poolPid = (await status()).pool?.pid as number;
      process.kill(poolPid, 'SIGKILL');
      await waitFor(
        async () => {
          const s = await status();
          return s.pool?.running && s.pool.pid !== poolPid && s.pool.restarts === 1;
        },
        { what: 'pool nginx restarted' },
      ).catch(async (e: Error) => {
        throw new Error(
          `${e.message}\n${JSON.stringify((await status()).pool)}\n${gw!.logs
            .slice(-8)
            .map((l) => JSON.stringify(l))
            .join('\n')}`,
        );
      });
      await waitServed(`${gw.url}/`, ['ok', 'two']);
      await suite.agent.client.deregisterService('ok');
      await waitServed(`${gw.url}/`, ['two']);
      expect(await metric('gateway_nginx_restarts_total{tier="pool"}')).to.equal(1);
    });

  it('a --work-dir that nginx workers (nobody) cannot reach fails at start, naming the fix', async function () {
    if (process.getuid?.() !== 0) this.skip();
    const parent = mkdtempSync(join(tmpdir(), 'gw-private-')); // mode 0700, as mktemp -d
    try {
      const error = await startTestGateway(suite.agent, ['--work-dir', join(parent, 'gw')]).then(
        () => undefined,
        (e: unknown) => e as { code?: string; message: string },
      );
      expect(error?.code).to.equal('E_CONFIG');
      expect(error?.message).to.include(`${parent} (mode 0700, owner uid 0)`);
      expect(error?.message).to.include(`chmod o+x ${parent}`);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
