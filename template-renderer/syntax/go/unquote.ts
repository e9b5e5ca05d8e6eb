import { LexError } from './lexer.js';

const SIMPLE: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** Go's strconv.Unquote for "...", `...` and '.' literals (the lexer checked the quotes). */
export function unquote(literal: string, pos: number): string {
  const q = literal[0];
  const body = literal.slice(1, -1);
  if (q === '`') return body.replaceAll('\r', '');
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i] ?? '';
    if (SIMPLE[e] !== undefined && (e !== "'" || q === "'") && (e !== '"' || q === '"')) {
      out += SIMPLE[e];
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex))
        throw new LexError(`invalid escape in ${literal}`, pos);
      const code = Number.parseInt(hex, 16);
      out +=
        e === 'x'
          ? Buffer.from([code]).toString('latin1')
          : String.fromCodePoint(Math.min(code, 0x10ffff));
      i += len;
    } else if (/[0-7]/.test(e)) {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) throw new LexError(`invalid escape in ${literal}`, pos);
      out += String.fromCharCode(Number.parseInt(oct, 8));
      i += 2;
    } else throw new LexError(`invalid escape \\${e} in ${literal}`, pos);
  }
  return out;
}
