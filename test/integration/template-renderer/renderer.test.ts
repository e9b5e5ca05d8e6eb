import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRenderer,
  type Renderer,
  type TemplateConfig,
} from '../../../template-renderer/index.js';
import { startConsulAgent, type ConsulAgent } from '../../helpers/consul-agent.js';
import { waitFor } from '../../helpers/wait-for.js';

const WEB = '{{#each (service "web")}}{{Address}}:{{Port}}\n{{/each}}';

describe('template-renderer (library, real Consul)', function () {
  this.timeout(30_000);
  let agent: ConsulAgent;
  let dir: string;
  const renderers: Renderer[] = [];

  const read = (f: string): string | undefined =>
    existsSync(f) ? readFileSync(f, 'utf8') : undefined;
  const lines = (f: string): string[] => (read(f) ?? '').split('\n').filter(Boolean);
  const make = (templates: TemplateConfig[], extra = {}): Renderer => {
    const r = createRenderer({ consul: agent.config, templates, minDelayMs: 10, ...extra });
    renderers.push(r);
    return r;
  };
  const register = (id: string, name: string, port: number, extra = {}) =>
    agent.client.registerService({ ID: id, Name: name, Address: '10.0.0.1', Port: port, ...extra });

  before(async () => {
    agent = await startConsulAgent();
    dir = mkdtempSync(join(tmpdir(), 'tr-int-'));
  });
  afterEach(async () => {
    await Promise.all(renderers.splice(0).map((r) => r.stop()));
    for (const id of Object.keys(await agent.client.agentServices()))
      await agent.client.deregisterService(id);
  });
  after(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('first render waits for complete nested data, then change -> re-render -> command', async () => {
    // A fresh dev agent lists its own `consul` service a moment after electing itself.
    await waitFor(async () => 'consul' in (await agent.client.catalogServices()).data, {
      what: 'the consul service in the catalog',
    });
    await register('web-1', 'web', 8001);
    await register('api-1', 'api', 9001);
    const out = join(dir, 'all.conf');
    const log = join(dir, 'all.log');
    const r = make([
      {
        contents:
          '{{#each (services)}}{{Name}}:{{#each (service Name)}} {{Port}}{{/each}}\n{{/each}}',
        destination: out,
        command: `echo ran >> ${log}`,
      },
    ]);
    await r.start();
    await r.firstRender;
    // The very first write already has every service's instances: no partial config.
    expect(read(out)).to.match(/^api: 9001\nconsul: \d+\nweb: 8001\n$/);
    expect(lines(log)).to.have.length(1);
    await register('web-2', 'web', 8002);
    await waitFor(() => read(out)?.includes('web: 8001 8002'), { what: 're-render' });
    await waitFor(() => lines(log).length === 2, { what: 'command after change' });
    const keys = r.status().queries.map((q) => q.key);
    expect(keys).to.deep.equal([
      'catalog.services()',
      'health.service(api)',
      'health.service(consul)',
      'health.service(web)',
    ]);
  });

  it('runs no command when the output did not change', async () => {
    await register('web-1', 'web', 8001);
    const out = join(dir, 'same.conf');
    const log = join(dir, 'same.log');
    const renders: boolean[] = [];
    const r = make([{ contents: WEB, destination: out, command: `echo ran >> ${log}` }]);
    r.on('render', (e) => renders.push(e.changed));
    await r.start();
    await r.firstRender;
    await register('other-1', 'other', 1); // not used by the template
    await register('web-1', 'web', 8001, { Tags: ['x'] }); // used, but rendered fields are equal
    await waitFor(() => renders.length >= 2, { what: 'a second render' });
    await r.rerender();
    expect(renders[0]).to.equal(true);
    expect(renders.slice(1).every((c) => c === false)).to.equal(true);
    expect(lines(log)).to.have.length(1);
  });

  it('waits for quiescence: several changes, one render and one command', async () => {
    await register('web-1', 'web', 8001);
    const out = join(dir, 'q.conf');
    const log = join(dir, 'q.log');
    const r = make([
      {
        contents: WEB,
        destination: out,
        command: `echo ran >> ${log}`,
        wait: { minMs: 400, maxMs: 3000 },
      },
    ]);
    await r.start();
    await r.firstRender;
    const t0 = Date.now();
    for (const p of [8002, 8003, 8004]) {
      await register(`web-${p}`, 'web', p);
      await new Promise((res) => setTimeout(res, 100)); // spacing the changes is the point here
    }
    await waitFor(() => lines(out).length === 4, { what: 'settled render' });
    expect(Date.now() - t0).to.be.greaterThan(600);
    await waitFor(() => lines(log).length === 2, { what: 'one command after settling' });
    expect(r.status().templates[0]?.renders).to.equal(2);
  });

  it('KV helpers: key, keyOrDefault, keyExists, ls, tree', async () => {
    await agent.client.kvPut('cfg/a', '1');
    await agent.client.kvPut('cfg/sub/b', '2');
    const out = join(dir, 'kv.conf');
    const r = make([
      {
        contents:
          '{{key "cfg/a"}} {{keyOrDefault "cfg/none" "dflt"}} {{keyExists "cfg/a"}} {{keyExists "cfg/none"}}|{{#each (ls "cfg")}}{{Key}}={{Value}};{{/each}}|{{#each (tree "cfg")}}{{Key}}={{Value}};{{/each}}',
        destination: out,
      },
    ]);
    await r.start();
    await r.firstRender;
    expect(read(out)).to.equal('1 dflt true false|a=1;|a=1;sub/b=2;');
    await agent.client.kvPut('cfg/none', 'set');
    await waitFor(() => read(out)?.startsWith('1 set true true'), { what: 'kv re-render' });
    await agent.client.kvDelete('cfg', true);
  });

  it('filters by tag and health status; shares one watch between templates', async () => {
    await register('web-a', 'web', 8001, { Tags: ['v2'] });
    await register('web-b', 'web', 8002, {
      Checks: [{ CheckID: 'web-b-ttl', TTL: '30s', Status: 'critical' }],
    });
    const a = join(dir, 'healthy.conf');
    const b = join(dir, 'any.conf');
    const c = join(dir, 'tag.conf');
    const d = join(dir, 'healthy2.conf');
    const r = make([
      { contents: WEB, destination: a },
      { contents: '{{#each (service "web|any")}}{{Port}}:{{Status}}\n{{/each}}', destination: b },
      {
        contents:
          '{{#each (service "web" tag="v2")}}{{Port}}\n{{/each}}{{#each (service "v2.web")}}{{Port}}{{/each}}',
        destination: c,
      },
      { contents: '{{#each (service "web")}}{{ID}}\n{{/each}}', destination: d },
    ]);
    await r.start();
    await r.firstRender;
    expect(lines(a)).to.deep.equal(['10.0.0.1:8001']);
    expect(lines(b)).to.deep.equal(['8001:passing', '8002:critical']);
    expect(lines(c)).to.deep.equal(['8001', '8001']);
    expect(lines(d)).to.deep.equal(['web-a']);
    expect(r.status().queries.filter((q) => q.key === 'health.service(web)')).to.have.length(1);
    await agent.client.updateTtlCheck('web-b-ttl', 'pass');
    await waitFor(() => lines(a).length === 2 && lines(d).length === 2, {
      what: 'instance turning healthy',
    });
  });

  it('re-renders an edited template; a syntax error keeps the previous template', async () => {
    await register('web-1', 'web', 8001);
    const src = join(dir, 'edit.hbs');
    const out = join(dir, 'edit.conf');
    writeFileSync(src, 'v1 {{#each (service "web")}}{{Port}}{{/each}}');
    const errors: Error[] = [];
    const r = make([{ source: src, destination: out }]);
    r.on('error', (e) => errors.push(e));
    await r.start();
    await r.firstRender;
    expect(read(out)).to.equal('v1 8001');
    writeFileSync(src, 'v2 {{#each (service "web")}}{{Port}}{{/each}}');
    await waitFor(() => read(out) === 'v2 8001', { what: 'edited template rendered' });
    writeFileSync(src, 'v3 {{#each (service "web")}}{{Port}}');
    await waitFor(() => r.status().templates[0]?.lastError, { what: 'syntax error reported' });
    expect(errors[0]?.message).to.match(/edit\.hbs/);
    await register('web-2', 'web', 8002);
    await waitFor(() => read(out) === 'v2 80018002', { what: 'previous template still rendering' });
  });

  it('-dry prints instead of writing and runs no command; once stops by itself', async () => {
    await register('web-1', 'web', 8001);
    const out = join(dir, 'dry.conf');
    let printed = '';
    const stdout = {
      write: (s: string) => ((printed += s), true),
    } as unknown as NodeJS.WritableStream;
    const r = make(
      [{ contents: WEB, destination: out, command: `touch ${join(dir, 'dry.ran')}` }],
      { dry: true, once: true, stdout },
    );
    await r.start();
    await r.firstRender;
    expect(printed).to.equal(`> ${out}\n10.0.0.1:8001\n\n`);
    expect(existsSync(out)).to.equal(false);
    expect(existsSync(join(dir, 'dry.ran'))).to.equal(false);
    await waitFor(() => !r.status().running, { what: 'once stopping' });
  });

  it('awaits exec callbacks after a change and records their failure', async () => {
    await register('web-1', 'web', 8001);
    const seen: string[] = [];
    const r = make([
      {
        contents: WEB,
        destination: join(dir, 'exec.conf'),
        exec: async (e) => {
          seen.push(e.contents);
          if (seen.length === 2) throw new Error('reload refused');
        },
      },
    ]);
    r.on('error', () => undefined);
    await r.start();
    await r.firstRender;
    await register('web-2', 'web', 8002);
    await waitFor(() => r.status().templates[0]?.lastError?.includes('reload refused'), {
      what: 'exec failure recorded',
    });
    expect(seen).to.have.length(2);
  });
});

describe('template-renderer: Consul outage and recovery', function () {
  this.timeout(60_000);
  it('keeps the last output while Consul is down and resumes when it is back', async () => {
    const agent = await startConsulAgent();
    const dir = mkdtempSync(join(tmpdir(), 'tr-outage-'));
    const out = join(dir, 'o.conf');
    const r = createRenderer({
      consul: agent.config,
      templates: [{ contents: WEB, destination: out }],
      minDelayMs: 10,
    });
    try {
      await agent.client.registerService({
        ID: 'web-1',
        Name: 'web',
        Address: '10.0.0.1',
        Port: 8001,
      });
      await r.start();
      await r.firstRender;
      expect(read(out)).to.equal('10.0.0.1:8001\n');
      await agent.kill();
      await waitFor(() => r.status().queries.some((q) => q.error), {
        what: 'watch errors during outage',
      });
      expect(read(out)).to.equal('10.0.0.1:8001\n');
      await agent.restart(); // a dev agent comes back empty, with lower indexes
      await agent.client.registerService({
        ID: 'web-9',
        Name: 'web',
        Address: '10.0.0.9',
        Port: 8009,
      });
      await waitFor(() => read(out) === '10.0.0.9:8009\n', {
        timeoutMs: 20_000,
        what: 'render after recovery',
      });
      expect(r.status().queries.every((q) => !q.error)).to.equal(true);
    } finally {
      await r.stop();
      await agent.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    function read(f: string): string | undefined {
      return existsSync(f) ? readFileSync(f, 'utf8') : undefined;
    }
  });
});
