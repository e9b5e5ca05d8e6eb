import { expect } from 'chai';
import fc from 'fast-check';
import { ToolkitError } from '../../../../common/errors.js';
import { KEYWORDS } from '../../../../template-renderer/syntax/go/lexer.js';
import { goSetup } from './go-helpers.js';

const PIECES = [
  '{{',
  '}}',
  '{{- ',
  ' -}}',
  ' ',
  '\n',
  'x',
  '{',
  '}',
  ...KEYWORDS,
  '"s"',
  '"a,b"',
  '`r`',
  "'c'",
  '1',
  '-2',
  '1.5',
  '0x1F',
  '.A',
  '.',
  '$x',
  '$',
  ':=',
  '=',
  '|',
  '(',
  ')',
  ',',
  'printf',
  '"%d %s"',
  'len',
  'index',
  'slice',
  'eq',
  'lt',
  'and',
  'or',
  'not',
  'nil',
  'true',
  '/*',
  '*/',
  'split',
  'print',
  'parseJSON',
  '`{"a":[1]}`',
  'toJSON',
  'loop',
  'scratch.Set',
  'scratch.Get',
  'add',
  'divide',
  '0',
  'executeTemplate',
  'key',
  'service',
  'env',
  '{{ end }}',
  '{{ else }}',
  '{{ if . }}',
  '{{ range $i, $v := split "," "a,b" }}',
  '{{ define "t" }}',
  '{{ template "t" . }}',
  '$v',
  '$i',
];

const template = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...PIECES) },
      { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
    ),
    {
      maxLength: 30,
    },
  )
  .map((parts) => parts.join(''));

describe('Go templates: property', function () {
  this.timeout(60_000);
  it('random templates either render or fail with a positioned template error, never anything else', () => {
    const { render } = goSetup({ A: 'a' });
    fc.assert(
      fc.property(template, (text) => {
        try {
          const r = render(text);
          expect(r.output).to.be.a('string');
        } catch (error) {
          expect(error).to.be.instanceOf(ToolkitError);
          const e = error as ToolkitError;
          expect(e.code).to.equal('E_TEMPLATE');
          expect(e.message).to.match(/^template t\.ctmpl:\d+:\d+: \S/);
          expect(e.details.line).to.be.a('number');
          expect(e.message.split('\n')[2]).to.match(/^ +\| [ \t]*\^$/);
        }
      }),
      { numRuns: 5000 },
    );
  });
});
