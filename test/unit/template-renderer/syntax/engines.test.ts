import { expect } from 'chai';
import { isToolkitError } from '../../../../common/errors.js';
import { ScopeHolder } from '../../../../template-renderer/helpers/index.js';
import { kvKeyQuery } from '../../../../template-renderer/queries/kv.js';
import { parseServiceQuery, serviceKey } from '../../../../template-renderer/queries/service.js';
import { renderTemplate, usedQueries } from '../../../../template-renderer/render.js';
import { Snapshot } from '../../../../template-renderer/snapshot.js';
import { createEngines, type Syntax } from '../../../../template-renderer/syntax/index.js';
import type { ServiceEntry } from '../../../../template-renderer/types.js';

// One suite, both engines: the same behaviour through the one engine interface.
const CASES: Record<Syntax, Record<string, string>> = {
  handlebars: {
    upstream:
      'upstream web {\n{{#each (service "web")}}  server {{Address}}:{{Port}};\n{{/each}}}\n',
    key: '{{keyOrDefault "app/mode" "dflt"}}',
    env: '{{env "NAME"}}',
    delims: '{{ x }} [[env "NAME"]]',
    missingField: '{{nope.deeper}}',
    syntaxError: 'ok\n{{#each (service "web")}}\n{{/if}}\n',
  },
  go: {
    upstream: 'upstream web {\n{{range service "web"}}  server {{.Address}}:{{.Port}};\n{{end}}}\n',
    key: '{{keyOrDefault "app/mode" "dflt"}}',
    env: '{{env "NAME"}}',
    delims: '{{ x }} [[env "NAME"]]',
    missingField: '{{ $m := parseJSON `{}` }}{{ $m.nope }}',
    syntaxError: 'ok\n{{range service "web"}}\n{{end}\n',
  },
};

function svc(id: string, port: number): ServiceEntry {
  return {
    ID: id,
    Name: 'web',
    Node: 'n1',
    NodeAddress: '10.0.0.1',
    Address: '10.0.0.1',
    Port: port,
    Tags: [],
    Meta: {},
    Status: 'passing',
    Checks: [],
  };
}

for (const syntax of ['handlebars', 'go'] as const) {
  describe(`template engine: ${syntax}`, () => {
    const holder = new ScopeHolder();
    const engine = createEngines(holder)[syntax];
    const t = CASES[syntax];
    const render = (text: string, snapshot: Snapshot, opts = {}) =>
      renderTemplate(engine.compile(text, { name: 'x', ...opts }), holder, snapshot, { NAME: 'n' });

    it('records a missing query, then renders its data; nginx braces are text', () => {
      const snapshot = new Snapshot();
      const first = render(t.upstream as string, snapshot);
      expect([...first.missing]).to.deep.equal(['health.service(web)']);
      snapshot.set(serviceKey(parseServiceQuery('web')), [svc('a', 80), svc('b', 81)], 1);
      const r = render(t.upstream as string, snapshot);
      expect(r.missing.size).to.equal(0);
      expect(r.output).to.equal(
        'upstream web {\n  server 10.0.0.1:80;\n  server 10.0.0.1:81;\n}\n',
      );
    });

    it('shares query keys (and so watches) with the other engine', () => {
      const snapshot = new Snapshot();
      expect([...usedQueries(render(t.key as string, snapshot).reads).keys()]).to.deep.equal([
        kvKeyQuery('app/mode').key,
      ]);
      snapshot.set(kvKeyQuery('app/mode').key, { exists: false, value: '' }, 1);
      expect(render(t.key as string, snapshot).output).to.equal('dflt');
    });

    it('reads env from the given map only, and takes custom delimiters', () => {
      expect(render(t.env as string, new Snapshot()).output).to.equal('n');
      expect(
        render(t.delims as string, new Snapshot(), { leftDelimiter: '[[', rightDelimiter: ']]' })
          .output,
      ).to.equal('{{ x }} n');
    });

    it('fails on a missing field with errorOnMissingKey', () => {
      expect(() =>
        render(t.missingField as string, new Snapshot(), { errorOnMissingKey: true }),
      ).to.throw(/template x:1:\d+: /);
    });

    it('reports syntax errors at compile time with file, line, column and a caret', () => {
      try {
        engine.compile(t.syntaxError as string, { name: 'x' });
        expect.fail('no error');
      } catch (error) {
        expect(isToolkitError(error, 'E_TEMPLATE')).to.equal(true);
        const lines = (error as Error).message.split('\n');
        expect(lines[0]).to.match(/^template x:[23]:\d+: \S/);
        expect(lines[1]).to.match(/^ {2}[23] \| \{\{/);
        expect(lines[2]).to.match(/^ {4}\| +\^$/);
      }
    });
  });
}
