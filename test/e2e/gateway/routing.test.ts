import { expect } from 'chai';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultTemplatePath } from '../../../gateway/index.js';
import { TestContainers } from '../../helpers/containers.js';
import { launchChromium } from '../../helpers/chromium.js';
import { get } from '../../helpers/http.js';
import { ROOT } from '../../helpers/paths.js';
import { waitServedBy } from '../../helpers/routing.js';
import { waitFor } from '../../helpers/wait-for.js';
import { fetchText } from '../../integration/gateway/harness.js';
import { routedEnv, startE2eStack, waitServedExactly, type E2eStack } from './e2e-stack.js';

describe('gateway end to end (real Docker, registrator, Consul, nginx)', function () {
  this.timeout(300_000);
  const containers = new TestContainers('e2e-gateway');
  let stack: E2eStack;
  let template: string;
  let web: string[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- status JSON
  const status = async (): Promise<Record<string, any>> =>
    JSON.parse((await get(`${stack.statusUrl}/status`)).body);
  const run = async (service: string, tags: string, extra: Record<string, string> = {}) => {
    const id = containers.uniqueName(service);
    await containers.run({
      name: id,
      publish: { '80': '' },
      env: routedEnv(service, id, tags, extra),
    });
    return id;
  };

  before(async () => {
    await containers.cleanup();
    template = join(ROOT, 'test-results', `gateway-e2e-${containers.suiteId}.hbs`);
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    copyFileSync(defaultTemplatePath(), template);
    stack = await startE2eStack(containers, ['--template', template]);
    web = [await run('e2e-web', 'urlprefix-/app/'), await run('e2e-web', 'urlprefix-/app/')];
  });
  after(async () => {
    await containers.cleanup();
    await stack?.stop();
  });

  it('two backends tagged urlprefix-/app both get requests; a stopped one leaves and returns', async () => {
    const url = `${stack.url}/app/`;
    await waitServedExactly(url, web).catch((e: Error) => {
      throw new Error(`${e.message}\n${stack.tail()}`);
    });
    const victim = containers.docker.getContainer(web[1]!);
    await victim.stop({ t: 5 });
    await waitServedExactly(url, [web[0]!]);
    await victim.start();
    await waitServedExactly(url, web);
  });

  it('a service with no healthy instance, or none at all, answers 503 with an explanation', async () => {
    // The check fails (404) and starts critical: registered, never healthy.
    const id = containers.uniqueName('e2e-none');
    await containers.run({
      name: id,
      publish: { '80': '' },
      env: {
        BACKEND_ID: id,
        SERVICE_NAME: 'e2e-none',
        SERVICE_TAGS: 'urlprefix-/none/',
        SERVICE_80_CHECK_HTTP: '/missing',
        SERVICE_80_CHECK_INTERVAL: '1s',
      },
    });
    const res = await waitFor(
      async () => {
        const r = await get(`${stack.url}/none/`);
        return r.status === 503 ? r : undefined;
      },
      { timeoutMs: 30_000, what: '503 on /none/' },
    );
    expect(res.body).to.equal('no healthy instance of e2e-none for /none/\n');
    // A service whose only container stopped (registrator deregisters it: zero instances).
    const solo = await run('e2e-solo', 'urlprefix-/solo/', { PATHS: 'solo' });
    await waitServedExactly(`${stack.url}/solo/`, [solo]);
    await containers.docker.getContainer(solo).stop({ t: 5 });
    const gone = await waitFor(
      async () => {
        const r = await get(`${stack.url}/solo/`);
        return r.status === 503 ? r : undefined;
      },
      { timeoutMs: 30_000, what: '503 on /solo/ after its only container stopped' },
    );
    expect(gone.body).to.equal('no instance of e2e-solo for /solo/\n');
  });

  it('a host route and a stripped prefix route work', async () => {
    const site = await run(
      'e2e-site',
      'urlprefix-example.com/,urlprefix-example.com/api strip=/api',
      { PATHS: 'v1' },
    );
    await waitFor(
      async () =>
        (await fetchText(`${stack.url}/api/v1/`, 'example.com')).body === `${site} /v1/\n`,
      {
        timeoutMs: 30_000,
        what: 'stripped route on example.com',
      },
    );
    expect((await fetchText(`${stack.url}/`, 'example.com')).body).to.equal(`${site}\n`);
    // The host-less /app/ route also serves example.com; the host routes are not on the default server.
    expect((await fetchText(`${stack.url}/app/`, 'example.com')).status).to.equal(200);
    expect((await fetchText(`${stack.url}/api/v1/`)).status).to.equal(404);
  });

  it('an injected hostile tag is rejected, naming the service, while other routes keep working', async () => {
    const evil = await run(
      'e2e-evil',
      'urlprefix-/evil/,urlprefix-/x;} location /pwn { return 200 pwned; } #',
      { PATHS: 'evil' },
    );
    await waitServedBy(`${stack.url}/evil/`, [evil], { timeoutMs: 30_000 }).catch((e: Error) => {
      throw new Error(`${e.message}\n${stack.tail(30)}`);
    });
    const s = await waitFor(
      async () => {
        const x = await status();
        return x.routeErrors.length > 0 ? x : undefined;
      },
      { what: 'route error in /status' },
    );
    expect(s.routeErrors).to.deep.include({
      service: 'e2e-evil',
      message: 'tag "urlprefix-/x;} location /pwn { return 200 pwned; } #" dropped: invalid path',
    });
    expect((await get(`${stack.url}/pwn`)).body).not.to.include('pwned');
    expect(readFileSync(join(stack.workDir, 'routes.conf'), 'utf8')).not.to.include('pwned');
    await waitServedExactly(`${stack.url}/app/`, web);
  });

  it('the status page in headless Chromium shows routes and instances (screenshot saved)', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${stack.statusUrl}/`);
      await page.locator('#instances tbody tr td code').first().waitFor({ timeout: 15_000 });
      const routes = await page.locator('#routes tbody').innerText();
      expect(routes).to.include('*/app/');
      expect(routes).to.include('example.com/api');
      expect(routes).to.include('503: no healthy instance');
      expect(routes).to.include('HTTP, WebSocket');
      const instances = await page.locator('#instances tbody').innerText();
      for (const id of web) expect(instances).to.include(id);
      expect(await page.locator('#summary').innerText()).to.include('ready');
      expect(await page.locator('#errors tbody').innerText()).to.include('e2e-evil');
      // It updates by itself: a new instance appears without a reload.
      const extra = await run('e2e-web', 'urlprefix-/app/');
      await page.locator('#instances tbody', { hasText: extra }).waitFor({ timeout: 30_000 });
      mkdirSync(join(ROOT, 'test-results'), { recursive: true });
      const shot = join(ROOT, 'test-results', 'gateway-status-page.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`      screenshot: ${shot}`);
      await containers.docker.getContainer(extra).remove({ force: true });
    } finally {
      await browser.close();
    }
  });

  it('a template edit that nginx rejects leaves the old config serving', async () => {
    const before = await status();
    const failures = async (): Promise<number> => {
      const m = /^gateway_config_validation_failures_total (\d+)/m.exec(
        (await get(`${stack.statusUrl}/metrics`)).body,
      );
      return Number(m?.[1] ?? -1);
    };
    const f0 = await failures();
    writeFileSync(
      template,
      readFileSync(template, 'utf8').replace(
        'server_tokens off;',
        'server_tokens off;\nproxy_buffers nonsense;',
      ),
    );
    await waitFor(async () => (await failures()) > f0, {
      timeoutMs: 30_000,
      what: 'validation failure',
    });
    const s = await status();
    expect(s.lastValidation.ok).to.equal(false);
    expect(s.lastValidation.error).to.match(/proxy_buffers/);
    expect(s.generation).to.equal(before.generation);
    await waitServedExactly(`${stack.url}/app/`, web);
    expect(readFileSync(join(stack.workDir, 'routes.conf'), 'utf8')).not.to.include('nonsense');
    // Instances still come and go meanwhile: they live in the upstream pool, not in the template.
    const victim = containers.docker.getContainer(web[1]!);
    await victim.stop({ t: 5 });
    await waitServedExactly(`${stack.url}/app/`, [web[0]!]);
    await victim.start();
    await waitServedExactly(`${stack.url}/app/`, web);
  });
});
