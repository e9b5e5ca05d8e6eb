import { expect } from 'chai';
import { isToolkitError } from '../../../../common/errors.js';
import { ScopeHolder } from '../../../../template-renderer/helpers/index.js';
import { renderTemplate } from '../../../../template-renderer/render.js';
import { Snapshot } from '../../../../template-renderer/snapshot.js';
import {
  originalOffset,
  splitClosingBraces,
} from '../../../../template-renderer/syntax/handlebars/braces.js';
import { createHandlebarsEngine } from '../../../../template-renderer/syntax/handlebars/engine.js';

const holder = new ScopeHolder();
const engine = createHandlebarsEngine(holder);
const snapshot = new Snapshot();

function render(text: string, name = 'nginx.hbs'): string {
  return renderTemplate(engine.compile(text, { name }), holder, snapshot, { X: 'x' }).output;
}

function compileError(text: string, name = 'nginx.hbs'): Error {
  try {
    engine.compile(text, { name });
  } catch (error) {
    expect(isToolkitError(error, 'E_TEMPLATE')).to.equal(true);
    return error as Error;
  }
  throw new Error('expected a compile error');
}

describe('Handlebars for nginx: }}} after a {{ mustache', () => {
  it('renders {{x}}} as the value followed by a brace', () => {
    expect(render('location / { set $a {{env "X"}}}')).to.equal('location / { set $a x}');
  });

  it('renders {{/each}}} as the end of the block followed by a brace', () => {
    const text = 'upstream u {\n{{#each (split "a,b" ",")}}\n  server {{this}};\n{{/each}}}\n';
    expect(render(text)).to.equal('upstream u {\n  server a;\n  server b;\n}\n');
  });

  it('keeps the meaning of the triple-stash {{{x}}} and of }}}}', () => {
    expect(render('{{{env "X"}}}')).to.equal('x');
    expect(render('{ {{{env "X"}}} }')).to.equal('{ x }');
    expect(render('{{env "X"}}}}')).to.equal('x}}');
  });

  it('leaves comments, escaped mustaches and strings containing braces alone', () => {
    expect(render('{{! a }}}')).to.equal('}');
    expect(render('{{!-- }} --}}}')).to.equal('}');
    expect(render('\\{{x}}}')).to.equal('{{x}}}');
    expect(render('{{#if "}}}"}}a{{/if}}}')).to.equal('a}');
  });

  it('maps offsets of the fixed text back to the original', () => {
    const fix = splitClosingBraces('ab {{x}}} cd');
    expect(fix.text).to.equal('ab {{x}}{{!}}} cd');
    expect(originalOffset(fix, fix.text.indexOf('} cd'))).to.equal('ab {{x}}'.length);
    expect(originalOffset(fix, fix.text.indexOf('cd'))).to.equal('ab {{x}}} '.length);
  });
});

describe('template error messages', () => {
  it('names the file, line and column, shows the line with a caret and what was expected', () => {
    const error = compileError('a\nb {{#each x}}\n  {{foo bar=}}\n{{/each}}\n');
    const lines = error.message.split('\n');
    expect(lines[0]).to.equal(
      'template nginx.hbs:3:13: unexpected "}}"; expected "(", a name, a string, a number, true or false, undefined, null or an @variable',
    );
    expect(lines[1]).to.equal('  3 |   {{foo bar=}}');
    expect(lines[2]).to.equal('    |             ^');
  });

  it('reports a block closed by the wrong name', () => {
    const error = compileError('x\n{{#each x}}{{/if}}');
    expect(error.message).to.match(/^template nginx\.hbs:2:\d+: each doesn't match if\n {2}2 \| /);
  });

  it('reports an unclosed block at the end', () => {
    expect(compileError('{{#if x}}\nabc\n').message).to.match(
      /^template nginx\.hbs:\d+:\d+: unexpected the end of the template; expected/,
    );
  });

  it('positions the caret in the original text when a brace was split off before the error', () => {
    const error = compileError('{{x}}} {{y z=}}');
    expect(error.message.split('\n')[0]).to.match(/^template nginx\.hbs:1:14: unexpected "}}"/);
    expect(error.message.split('\n')[2]).to.equal('    |              ^');
  });

  it('positions strict-mode lookups at render time', () => {
    const compiled = engine.compile('ok\n  {{a.b}}', { name: 't.hbs', errorOnMissingKey: true });
    expect(() => renderTemplate(compiled, holder, snapshot, {})).to.throw(
      /^template t\.hbs:2:\d+: "\w" not defined/,
    );
  });
});

describe('Handlebars helper errors', () => {
  it('name the file, line and column of the failing helper call', () => {
    const compiled = engine.compile('a\n  {{#each (service "web|bogus")}}{{/each}}', {
      name: 'x.hbs',
    });
    let message = '';
    try {
      renderTemplate(compiled, holder, snapshot, {});
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n')[0]).to.match(
      /^template x\.hbs:2:11: error calling service: service: unknown status/,
    );
    expect(message.split('\n')[2]).to.equal('    |           ^');
  });
});
