/**
 * Go text/template's lexer (text/template/parse/lex.go, Go 1.19): text and actions, trim
 * markers `{{- ` / ` -}}`, comments, custom delimiters. Every item carries its offset in the
 * template text, so errors can name the line and column.
 */
export type ItemType =
  | 'text'
  | 'left'
  | 'right'
  | 'space'
  | 'identifier'
  | 'keyword'
  | 'field'
  | 'variable'
  | 'dot'
  | 'string'
  | 'rawString'
  | 'char'
  | 'number'
  | 'bool'
  | 'nil'
  | 'pipe'
  | 'leftParen'
  | 'rightParen'
  | 'declare'
  | 'assign'
  | 'comma'
  | 'comment'
  | 'eof';

export interface Item {
  type: ItemType;
  value: string;
  pos: number;
}

export const KEYWORDS = new Set([
  'if',
  'else',
  'end',
  'range',
  'with',
  'define',
  'template',
  'block',
  'break',
  'continue',
]);

/** A lexing error: what was found at `pos` and what was expected there. */
export class LexError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

const SPACE = /[ \t\r\n]/;
const ALNUM = /[\p{L}\p{Nd}_]/u;

export function lex(text: string, left = '{{', right = '}}'): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let trimNext = false;
  while (pos <= text.length) {
    const open = text.indexOf(left, pos);
    const end = open < 0 ? text.length : open;
    let chunk = text.slice(pos, end);
    const trimLeft = open >= 0 && isTrimOpen(text, open + left.length);
    if (trimNext) chunk = chunk.replace(/^[ \t\r\n]+/, '');
    if (trimLeft) chunk = chunk.replace(/[ \t\r\n]+$/, '');
    if (chunk) items.push({ type: 'text', value: chunk, pos });
    if (open < 0) break;
    const after = lexAction(text, open, left, right, trimLeft, items);
    pos = after.pos;
    trimNext = after.trimRight;
  }
  items.push({ type: 'eof', value: '', pos: text.length });
  return items;
}

function isTrimOpen(text: string, at: number): boolean {
  return text[at] === '-' && SPACE.test(text[at + 1] ?? '');
}

function isTrimClose(text: string, at: number, right: string): boolean {
  return SPACE.test(text[at] ?? '') && text[at + 1] === '-' && text.startsWith(right, at + 2);
}

/** Lexes one action from its left delimiter; returns where the text resumes. */
function lexAction(
  text: string,
  open: number,
  left: string,
  right: string,
  trimLeft: boolean,
  items: Item[],
): { pos: number; trimRight: boolean } {
  let pos = open + left.length + (trimLeft ? 2 : 0);
  if (text.startsWith('/*', pos)) return lexComment(text, open, pos, right);
  items.push({ type: 'left', value: left, pos: open });
  let depth = 0;
  for (;;) {
    if (isTrimClose(text, pos, right)) {
      items.push({ type: 'right', value: right, pos: pos + 2 });
      return { pos: pos + 2 + right.length, trimRight: true };
    }
    if (text.startsWith(right, pos)) {
      if (depth > 0) throw new LexError('unclosed left paren', pos);
      items.push({ type: 'right', value: right, pos });
      return { pos: pos + right.length, trimRight: false };
    }
    const c = text[pos];
    if (c === undefined) throw new LexError('unclosed action', open);
    const start = pos;
    if (SPACE.test(c)) {
      while (SPACE.test(text[pos] ?? '') && !isTrimClose(text, pos, right)) pos++;
      if (pos === start) pos++;
      items.push({ type: 'space', value: text.slice(start, pos), pos: start });
      continue;
    }
    const token = lexToken(text, pos, right);
    if (token.type === 'leftParen') depth++;
    if (token.type === 'rightParen' && --depth < 0)
      throw new LexError(`unexpected right paren`, pos);
    items.push(token);
    pos += token.value.length;
  }
}

function lexComment(
  text: string,
  open: number,
  pos: number,
  right: string,
): { pos: number; trimRight: boolean } {
  const close = text.indexOf('*/', pos + 2);
  if (close < 0) throw new LexError('unclosed comment', open);
  let at = close + 2;
  let trimRight = false;
  if (isTrimClose(text, at, right)) {
    trimRight = true;
    at += 2;
  }
  if (!text.startsWith(right, at)) throw new LexError('comment ends before closing delimiter', at);
  return { pos: at + right.length, trimRight };
}

const SINGLE: Record<string, ItemType> = {
  '|': 'pipe',
  '(': 'leftParen',
  ')': 'rightParen',
  ',': 'comma',
  '=': 'assign',
};

function lexToken(text: string, pos: number, right: string): Item {
  const c = text[pos] as string;
  const item = (type: ItemType, end: number): Item => ({
    type,
    value: text.slice(pos, end),
    pos,
  });
  if (c === ':') {
    if (text[pos + 1] !== '=') throw new LexError('expected :=', pos);
    return item('declare', pos + 2);
  }
  if (SINGLE[c]) return item(SINGLE[c] as ItemType, pos + 1);
  if (c === '"') return item('string', quoted(text, pos, '"'));
  if (c === "'") return item('char', quoted(text, pos, "'"));
  if (c === '`') {
    const close = text.indexOf('`', pos + 1);
    if (close < 0) throw new LexError('unterminated raw quoted string', pos);
    return item('rawString', close + 1);
  }
  if (c === '$') return item('variable', alnumEnd(text, pos + 1));
  if (c === '.') {
    if (/[0-9]/.test(text[pos + 1] ?? '')) return item('number', numberEnd(text, pos));
    const end = alnumEnd(text, pos + 1);
    return end === pos + 1 ? item('dot', end) : item('field', end);
  }
  if (/[0-9+-]/.test(c)) return item('number', numberEnd(text, pos));
  if (ALNUM.test(c)) {
    const end = alnumEnd(text, pos);
    const word = text.slice(pos, end);
    if (KEYWORDS.has(word)) return item('keyword', end);
    if (word === 'true' || word === 'false') return item('bool', end);
    if (word === 'nil') return item('nil', end);
    return item('identifier', end);
  }
  if (text.startsWith(right, pos)) return item('right', pos + right.length);
  if (right.startsWith(c))
    throw new LexError(`unexpected ${JSON.stringify(c)} in action; expected "${right}"`, pos);
  throw new LexError(
    `unrecognized character in action: ${JSON.stringify(c)}; expected an operand or "${right}"`,
    pos,
  );
}

function alnumEnd(text: string, pos: number): number {
  let end = pos;
  while (end < text.length) {
    const cp = text.codePointAt(end) as number;
    const ch = String.fromCodePoint(cp);
    if (!ALNUM.test(ch)) break;
    end += ch.length;
  }
  return end;
}

function quoted(text: string, pos: number, quote: string): number {
  for (let i = pos + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '\n') break;
    else if (c === quote) return i + 1;
  }
  throw new LexError(`unterminated ${quote === '"' ? 'quoted string' : 'character constant'}`, pos);
}

function numberEnd(text: string, pos: number): number {
  const m =
    /^[+-]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][+-]?[0-9_]+)?)/.exec(
      text.slice(pos, pos + 400),
    );
  const len = m?.[0].length ?? 0;
  const end = pos + len;
  if (len === 0 || /^[+-]?$/.test(m?.[0] ?? '') || ALNUM.test(text[end] ?? ''))
    throw new LexError(
      `bad number syntax: ${JSON.stringify(text.slice(pos, Math.max(end, pos + 1)))}`,
      pos,
    );
  return end;
}
