import { expect } from 'chai';
import { ScopeHolder } from '../../../template-renderer/helpers/index.js';
import { parseServiceQuery, serviceKey } from '../../../template-renderer/queries/service.js';
import { renderTemplate, usedQueries } from '../../../template-renderer/render.js';
import {
  createEnvironment,
  createHandlebarsEngine,
  translateDelimiters,
} from '../../../template-renderer/syntax/handlebars/engine.js';
import { Snapshot } from '../../../template-renderer/snapshot.js';
import type { ServiceEntry } from '../../../template-renderer/types.js';

function svc(id: string, address: string, port: number, tags: string[] = []): ServiceEntry {
  return {
    ID: id,
    Name: 'web',
    Node: 'n1',
    NodeAddress: address,
    Address: address,
    Port: port,
    Tags: tags,
    Meta: {},
    Status: 'passing',
    Checks: [],
  };
}

function setup(extra = {}) {
  const holder = new ScopeHolder();
  const hb = createHandlebarsEngine(holder, extra);
  const snapshot = new Snapshot();
  const render = (text: string, env: Record<string, string> = {}, opts = {}) =>
    renderTemplate(hb.compile(text, opts), holder, snapshot, env);
  return { holder, hb, snapshot, render };
}

describe('render', () => {
  it('records a missing query and renders empty data, then renders with data', () => {
    const { snapshot, render } = setup();
    const tpl = '{{#each (service "web")}}{{Address}}:{{Port}};{{/each}}';
    const first = render(tpl);
    expect(first.output).to.equal('');
    expect([...first.missing]).to.deep.equal(['health.service(web)']);
    snapshot.set('health.service(web)', [svc('a', '10.0.0.1', 80), svc('b', '10.0.0.2', 81)], 5);
    const second = render(tpl);
    expect(second.output).to.equal('10.0.0.1:80;10.0.0.2:81;');
    expect(second.missing.size).to.equal(0);
    expect([...usedQueries(second.reads).keys()]).to.deep.equal(['health.service(web)']);
  });

  it('discovers nested queries (services then one service watch per service)', () => {
    const { snapshot, render } = setup();
    const tpl = '{{#each (services)}}{{Name}}={{#each (service Name)}}{{Port}}{{/each}} {{/each}}';
    snapshot.set(
      'catalog.services()',
      [
        { Name: 'api', Tags: [] },
        { Name: 'web', Tags: [] },
      ],
      1,
    );
    const r = render(tpl);
    expect([...r.missing].sort()).to.deep.equal(['health.service(api)', 'health.service(web)']);
    snapshot.set('health.service(api)', [svc('x', '1.1.1.1', 1)], 1);
    snapshot.set('health.service(web)', [], 1);
    expect(render(tpl).output).to.equal('api=1 web= ');
  });

  it('supports hash options on service', () => {
    const { snapshot, render } = setup();
    const key = serviceKey(parseServiceQuery('web', { tag: 'v2', status: 'any' }));
    snapshot.set(key, [svc('a', '10.0.0.1', 80, ['v2'])], 1);
    expect(
      render('{{#each (service "web" tag="v2" status="any")}}{{ID}}{{/each}}').output,
    ).to.equal('a');
  });

  it('does not escape output (config, not HTML)', () => {
    const { snapshot, render } = setup();
    snapshot.set('kv.block(x)', { exists: true, value: '<a href="x">&' }, 1);
    expect(render('{{key "x"}}').output).to.equal('<a href="x">&');
  });

  it('keeps prototype access disabled', () => {
    const { render } = setup();
    expect(
      render('{{#with (services)}}[{{constructor}}]{{/with}}{{toJSON.constructor}}').output,
    ).to.not.match(/function|native/i);
    expect(render('{{lookup (split "a" ",") "constructor"}}').output).to.equal('');
  });

  it('reports syntax errors at compile time', () => {
    const { hb } = setup();
    expect(() => hb.compile('{{#each x}}', { name: 't' })).to.throw(/template t/);
  });

  it('supports custom delimiters and keeps literal braces', () => {
    expect(translateDelimiters('[[x]] {{y}}', '[[', ']]')).to.equal('{{x}} \\{{y}}');
    const { snapshot, render } = setup();
    snapshot.set('kv.block(k)', { exists: true, value: 'v' }, 1);
    const r = render('[[key "k"]] {{literal}}', {}, { leftDelimiter: '[[', rightDelimiter: ']]' });
    expect(r.output).to.equal('v {{literal}}');
  });

  it('fails on missing fields with errorOnMissingKey', () => {
    const { render } = setup();
    expect(render('{{nope}}').output).to.equal('');
    expect(() => render('{{nope}}', {}, { errorOnMissingKey: true })).to.throw(/nope/);
  });

  it('reads env only from the given map', () => {
    const { render } = setup();
    expect(render('{{env "HOME"}}|{{env "X"}}', { X: '1' }).output).to.equal('|1');
  });

  it('gives custom helpers the same dependency tracking', () => {
    const { snapshot, render } = setup({
      upstreams: (ctx: { service(q: string): ServiceEntry[] | undefined }) => (name: string) =>
        (ctx.service(name) ?? []).map((s) => `${s.Address}:${s.Port}`).join(','),
    });
    const r = render('{{upstreams "web"}}');
    expect([...r.missing]).to.deep.equal(['health.service(web)']);
    snapshot.set('health.service(web)', [svc('a', '10.0.0.1', 80)], 1);
    expect(render('{{upstreams "web"}}').output).to.equal('10.0.0.1:80');
  });

  it('has no helper that runs programs', () => {
    const hb = createEnvironment(new ScopeHolder());
    for (const name of Object.keys(hb.helpers))
      expect(name).to.not.match(/exec|run|shell|spawn|file/i);
  });
});
