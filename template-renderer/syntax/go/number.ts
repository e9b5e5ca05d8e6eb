import { LexError } from './lexer.js';
import { unquote } from './unquote.js';
import { GoFloat } from './values.js';

/**
 * A numeric constant as Go's text/template types it for an `interface{}` parameter: a character
 * constant or integer text is an int; text with a `.`, an exponent or out of int64 range is a
 * float64.
 */
export function parseNumber(text: string, pos: number): number | GoFloat {
  if (text.startsWith("'")) {
    const s = unquote(text, pos);
    const cp = s.codePointAt(0);
    if (cp === undefined || [...s].length !== 1)
      throw new LexError(`malformed character constant: ${text}`, pos);
    return cp;
  }
  const clean = text.replaceAll('_', '');
  if (
    /^[+-]?0[xX][0-9a-fA-F]+$/.test(clean) ||
    /^[+-]?0[bB][01]+$/.test(clean) ||
    /^[+-]?0[oO][0-7]+$/.test(clean)
  ) {
    const neg = clean.startsWith('-');
    const body = clean.replace(/^[+-]/, '');
    const n = Number(body);
    return neg ? -n : n;
  }
  if (/^[+-]?[0-9]+$/.test(clean)) {
    // Leading zero: octal, as in Go.
    const neg = clean.startsWith('-');
    const body = clean.replace(/^[+-]/, '');
    const n = body.length > 1 && body.startsWith('0') ? Number.parseInt(body, 8) : Number(body);
    if (Number.isSafeInteger(n)) return neg ? -n : n;
    return new GoFloat(neg ? -n : n);
  }
  const f = Number(clean);
  if (!Number.isFinite(f) || clean === '' || /^[+-]?\.?$/.test(clean))
    throw new LexError(`illegal number syntax: ${JSON.stringify(text)}`, pos);
  return new GoFloat(f);
}
