import { expect } from 'chai';
import fc from 'fast-check';
import { ToolkitError } from '../../../../common/errors.js';
import { ScopeHolder } from '../../../../template-renderer/helpers/index.js';
import { renderTemplate } from '../../../../template-renderer/render.js';
import { Snapshot } from '../../../../template-renderer/snapshot.js';
import { createHandlebarsEngine } from '../../../../template-renderer/syntax/handlebars/engine.js';

const PIECES = [
  '{{',
  '}}',
  '}',
  '{',
  '{{{',
  '}}}',
  '{{/',
  '{{#',
  'each',
  'if',
  'x',
  ' ',
  '\n',
  '"',
  "'",
  '{{!',
  '{{!--',
  '--}}',
  '\\',
  '(',
  ')',
  '=',
  '{{else}}',
  '{{#if x}}',
  '{{/if}}',
  'env "A"',
  '@index',
];

describe('Handlebars templates: property', function () {
  this.timeout(60_000);
  it('random templates render or fail with a positioned E_TEMPLATE error', () => {
    const holder = new ScopeHolder();
    const engine = createHandlebarsEngine(holder);
    const snapshot = new Snapshot();
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 25 }), (parts) => {
        const text = parts.join('');
        try {
          renderTemplate(engine.compile(text, { name: 't.hbs' }), holder, snapshot, { A: 'a' });
        } catch (error) {
          expect(error).to.be.instanceOf(ToolkitError);
          expect((error as ToolkitError).code).to.equal('E_TEMPLATE');
          expect((error as Error).message).to.match(/^template t\.hbs:\d+:\d+: /);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('text and braces around mustaches render as written, the mustaches replaced by their values', () => {
    const holder = new ScopeHolder();
    const engine = createHandlebarsEngine(holder);
    const snapshot = new Snapshot();
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', '{', '}', ' ', '\n', '{{env "A"}}', '{{#if 1}}b{{/if}}'), {
          maxLength: 20,
        }),
        (parts) => {
          const text = parts.join('');
          const bare = text.replaceAll('{{env "A"}}', '').replaceAll('{{#if 1}}b{{/if}}', '');
          fc.pre(!bare.includes('{{') && !bare.includes('}}') && !text.includes('{{{'));
          const r = renderTemplate(engine.compile(text, { name: 't.hbs' }), holder, snapshot, {
            A: 'a',
          });
          expect(r.output).to.equal(
            text.replaceAll('{{env "A"}}', 'a').replaceAll('{{#if 1}}b{{/if}}', 'b'),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});
