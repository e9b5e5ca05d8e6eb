/**
 * nginx configs are full of braces, and our templates never escape HTML, so `}}}` after a
 * mustache opened with `{{` can only mean "close, then a brace". Handlebars' lexer reads it as
 * the close of a triple-stash and fails; an empty comment `{{!}}` after the `}}` splits the two
 * (it renders nothing and is never "standalone", since a brace follows it on the line).
 * Triple-stash `{{{x}}}`, comments, raw blocks and escaped `\{{` are left as they are.
 */
export const SPLIT = '{{!}}';

export interface BraceFix {
  text: string;
  /** Offsets in the original text after which SPLIT was inserted, ascending. */
  inserts: number[];
}

export function splitClosingBraces(text: string): BraceFix {
  const inserts: number[] = [];
  let out = '';
  let last = 0;
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open < 0) break;
    if (open > 0 && text[open - 1] === '\\') {
      i = open + 2;
      continue;
    }
    const end = mustacheEnd(text, open);
    if (!end) break;
    if (end.close && text[end.at] === '}') {
      out += text.slice(last, end.at) + SPLIT;
      last = end.at;
      inserts.push(end.at);
    }
    i = end.at;
  }
  return { text: out + text.slice(last), inserts };
}

/** Where the mustache opened at `open` ends, and whether it closes with a plain `}}`. */
function mustacheEnd(text: string, open: number): { at: number; close: boolean } | null {
  const find = (s: string, from: number): number => {
    const at = text.indexOf(s, from);
    return at < 0 ? -1 : at + s.length;
  };
  if (text.startsWith('{{{{', open)) return wrap(find('}}}}', open + 4), false);
  if (text.startsWith('{{{', open)) return wrap(find('}}}', open + 3), false);
  const body = open + 2 + (text[open + 2] === '~' ? 1 : 0);
  if (text.startsWith('!--', body)) return wrap(find('--}}', body + 3), false);
  if (text[body] === '!') return wrap(find('}}', body + 1), false);
  let quote = '';
  for (let i = body; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '}' && text[i + 1] === '}') return { at: i + 2, close: true };
  }
  return null;
}

function wrap(at: number, close: boolean): { at: number; close: boolean } | null {
  return at < 0 ? null : { at, close };
}

/** Maps an offset in the fixed text back to the original text. */
export function originalOffset(fix: BraceFix, offset: number): number {
  let shift = 0;
  for (const at of fix.inserts) {
    const fixedAt = at + shift;
    if (offset < fixedAt) break;
    shift += offset < fixedAt + SPLIT.length ? offset - fixedAt : SPLIT.length;
  }
  return offset - shift;
}
