import { expect } from 'chai';
import { ScopeHolder } from '../../../template-renderer/helpers/index.js';
import { renderTemplate } from '../../../template-renderer/render.js';
import { createHandlebarsEngine } from '../../../template-renderer/syntax/handlebars/engine.js';
import { Snapshot } from '../../../template-renderer/snapshot.js';

const holder = new ScopeHolder();
const hb = createHandlebarsEngine(holder);
const snapshot = new Snapshot();
const r = (text: string, data: Record<string, unknown> = {}): string => {
  for (const [k, v] of Object.entries(data)) snapshot.set(k, v, 1);
  return renderTemplate(hb.compile(text), holder, snapshot, {}).output;
};

describe('helpers', () => {
  it('strings', () => {
    expect(
      r('{{toUpper "ab"}} {{toLower "AB"}} {{toTitle "hello world"}} [{{trim "  x "}}]'),
    ).to.equal('AB ab Hello World [x]');
    expect(r('{{join (split "a,b,c" ",") "-"}}')).to.equal('a-b-c');
    expect(r('{{replaceAll "a.b.c" "." "_"}} {{regexReplaceAll "web-01" "[^a-z]" ""}}')).to.equal(
      'a_b_c web',
    );
    expect(r('{{#if (regexMatch "v12" "^v[0-9]+$")}}y{{/if}}')).to.equal('y');
    expect(r('{{toJSON (split "a,b" ",")}}')).to.equal('["a","b"]');
    expect(r('{{parseInt "42"}} {{#if (parseBool "true")}}t{{/if}}')).to.equal('42 t');
  });

  it('comparisons and logic', () => {
    expect(
      r(
        '{{#if (eq 1 "1")}}a{{/if}}{{#if (ne "x" "y")}}b{{/if}}{{#if (lt 2 10)}}c{{/if}}{{#if (ge "b" "a")}}d{{/if}}',
      ),
    ).to.equal('abcd');
    expect(r('{{#if (and 1 (or 0 "x") (not ""))}}yes{{/if}}')).to.equal('yes');
    expect(r('{{#if (and 1 (split "" ","))}}yes{{else}}no{{/if}}')).to.equal('no');
    expect(r('{{default "" "fallback"}}')).to.equal('fallback');
    expect(
      r('{{add 2 3}} {{subtract 5 2}} {{multiply 2 4}} {{divide 9 3}} {{modulo 7 4}}'),
    ).to.equal('5 3 8 3 3');
  });

  it('collections: byTag, contains, sort, len', () => {
    const list = [
      { Name: 'b', Port: 2, Tags: ['x', 'y'] },
      { Name: 'a', Port: 10, Tags: ['y'] },
    ];
    const data = { 'health.service(web)': list };
    expect(
      r(
        '{{#each (byTag (service "web"))}}{{@key}}:{{#each this}}{{Name}}{{/each}};{{/each}}',
        data,
      ),
    ).to.equal('x:b;y:ba;');
    expect(r('{{#each (sort (service "web") "Port")}}{{Port}},{{/each}}')).to.equal('2,10,');
    expect(r('{{#each (sort (service "web") by="Name" desc=true)}}{{Name}}{{/each}}')).to.equal(
      'ba',
    );
    expect(
      r('{{#each (sort (split "c,a,b" ","))}}{{this}}{{/each}} {{len (service "web")}}'),
    ).to.equal('abc 2');
    expect(
      r('{{#if (contains (split "a,b" ",") "b")}}1{{/if}}{{#if (contains "hello" "ell")}}2{{/if}}'),
    ).to.equal('12');
    expect(
      r(
        '{{#if (containsAny (split "a,b" ",") "z" "b")}}1{{/if}}{{#if (containsAll (split "a,b" ",") "a" "z")}}2{{/if}}',
      ),
    ).to.equal('1');
  });

  it('kv: key, keyOrDefault, keyExists, ls, tree', () => {
    const data = {
      'kv.block(a)': { exists: true, value: 'A' },
      'kv.block(missing)': { exists: false, value: '' },
      'kv.list(cfg)': [{ Key: 'x', Path: 'cfg/x', Value: '1' }],
      'kv.tree(cfg)': [
        { Key: 'x', Value: '1' },
        { Key: 's/y', Value: '2' },
      ],
    };
    expect(
      r(
        '{{key "a"}} {{keyOrDefault "missing" "d"}} {{keyOrDefault "a" "d"}} {{keyExists "a"}} {{keyExists "missing"}}',
        data,
      ),
    ).to.equal('A d A true false');
    expect(
      r('{{#each (ls "cfg")}}{{Key}}={{Value}};{{/each}}|{{#each (tree "cfg")}}{{Key}};{{/each}}'),
    ).to.equal('x=1;|x;s/y;');
  });
});
