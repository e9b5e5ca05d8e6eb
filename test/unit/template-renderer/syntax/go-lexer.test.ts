import { expect } from 'chai';
import { lex, LexError } from '../../../../template-renderer/syntax/go/lexer.js';

const shape = (text: string, l?: string, r?: string): string[] =>
  lex(text, l, r)
    .filter((i) => i.type !== 'space')
    .map((i) => `${i.type}:${i.value}`);

describe('Go template lexer', () => {
  it('splits text and actions, with offsets', () => {
    const items = lex('a {{ .B }} c');
    expect(items.map((i) => [i.type, i.value, i.pos])).to.deep.equal([
      ['text', 'a ', 0],
      ['left', '{{', 2],
      ['space', ' ', 4],
      ['field', '.B', 5],
      ['space', ' ', 7],
      ['right', '}}', 8],
      ['text', ' c', 10],
      ['eof', '', 12],
    ]);
  });

  it('lexes every kind of token', () => {
    expect(
      shape('{{ $x := .A.B | f "s" `r` \'c\' 1.5 -2 0x1F true nil . ( ) , $y = $ }}'),
    ).to.deep.equal([
      'left:{{',
      'variable:$x',
      'declare::=',
      'field:.A',
      'field:.B',
      'pipe:|',
      'identifier:f',
      'string:"s"',
      'rawString:`r`',
      "char:'c'",
      'number:1.5',
      'number:-2',
      'number:0x1F',
      'bool:true',
      'nil:nil',
      'dot:.',
      'leftParen:(',
      'rightParen:)',
      'comma:,',
      'variable:$y',
      'assign:=',
      'variable:$',
      'right:}}',
      'eof:',
    ]);
  });

  it('recognises keywords', () => {
    expect(shape('{{if}}{{else}}{{end}}{{range}}{{with}}{{define}}{{template}}{{block}}'))
      .to.include('keyword:if')
      .and.include('keyword:block');
  });

  it('trims spaces around {{- and -}}, but not for negative numbers', () => {
    expect(shape('a  \n {{- 1 -}} \n b')).to.deep.equal([
      'text:a',
      'left:{{',
      'number:1',
      'right:}}',
      'text:b',
      'eof:',
    ]);
    expect(shape('a {{-1}} b')).to.deep.equal([
      'text:a ',
      'left:{{',
      'number:-1',
      'right:}}',
      'text: b',
      'eof:',
    ]);
  });

  it('drops comments, with their trim markers', () => {
    expect(shape('a {{/* x }} */}} b {{- /* y */ -}} c')).to.deep.equal([
      'text:a ',
      'text: b',
      'text:c',
      'eof:',
    ]);
  });

  it('takes custom delimiters', () => {
    expect(shape('{{ x }} [[ .A ]]', '[[', ']]')).to.deep.equal([
      'text:{{ x }} ',
      'left:[[',
      'field:.A',
      'right:]]',
      'eof:',
    ]);
  });

  it('fails with the offset of the problem', () => {
    const at = (text: string): number => {
      try {
        lex(text);
      } catch (e) {
        expect(e).to.be.instanceOf(LexError);
        return (e as LexError).pos;
      }
      return -1;
    };
    expect(at('ab {{ "x }}')).to.equal(6);
    expect(at('ab {{ x')).to.equal(3);
    expect(at('{{ /* c */ }}')).to.equal(3);
    expect(at('{{ # }}')).to.equal(3);
    expect(at('{{/* c ')).to.equal(0);
  });
});
