import type { ToolkitError } from '../../../common/errors.js';
import { positionAt, templateSyntaxError, type TemplatePosition } from '../error.js';
import { originalOffset, type BraceFix } from './braces.js';

const TOKENS: Record<string, string> = {
  CLOSE: '"}}"',
  CLOSE_UNESCAPED: '"}}}"',
  CLOSE_RAW_BLOCK: '"}}}}"',
  CLOSE_SEXPR: '")"',
  OPEN_SEXPR: '"("',
  OPEN: '"{{"',
  OPEN_BLOCK: '"{{#"',
  OPEN_ENDBLOCK: '"{{/"',
  OPEN_INVERSE: '"{{^"',
  OPEN_INVERSE_CHAIN: '"{{else"',
  INVERSE: '"{{else}}"',
  OPEN_PARTIAL: '"{{>"',
  OPEN_BLOCK_PARAMS: '"as |"',
  CLOSE_BLOCK_PARAMS: '"|"',
  EQUALS: '"="',
  SEP: '"." or "/"',
  ID: 'a name',
  STRING: 'a string',
  NUMBER: 'a number',
  BOOLEAN: 'true or false',
  UNDEFINED: 'undefined',
  NULL: 'null',
  DATA: 'an @variable',
  CONTENT: 'text',
  COMMENT: 'a comment',
  EOF: 'the end of the template',
  INVALID: 'an invalid character',
};

function token(name: string): string {
  return TOKENS[name] ?? name;
}

/** "Expecting 'CLOSE', 'ID', got 'CLOSE_UNESCAPED'" -> "unexpected "}}}"; expected "}}" or a name". */
export function describeParseMessage(
  message: string,
  text?: string,
  loc?: { first_line: number; first_column: number },
): string {
  const m = /Expecting (.*), got '([^']+)'/.exec(message);
  if (!m) return message.split('\n')[0] ?? message;
  if (m[2] === 'INVALID' && text !== undefined && loc) {
    // Name the character itself: `{{/each}` -> unexpected "}".
    const line = text.split('\n')[loc.first_line - 1] ?? '';
    const ch = line[loc.first_column];
    if (ch !== undefined) return `unexpected ${JSON.stringify(ch)}; expected "}}"`;
  }
  const expected = [...(m[1] ?? '').matchAll(/'([^']+)'/g)].map((x) => token(x[1] ?? ''));
  const unique = [...new Set(expected)];
  const list =
    unique.length <= 1
      ? (unique[0] ?? '')
      : `${unique.slice(0, -1).join(', ')} or ${unique[unique.length - 1]}`;
  return `unexpected ${token(m[2] ?? '')}; expected ${list}`;
}

interface Located {
  lineNumber?: number;
  column?: number;
}

/** Handlebars' own error (parse, block mismatch, strict lookup) as a positioned template error. */
export function handlebarsError(
  error: unknown,
  name: string,
  original: string,
  fix: BraceFix,
  lexerLoc?: { first_line: number; first_column: number },
): ToolkitError {
  const message = (error as Error).message ?? String(error);
  const located = error as Located;
  let line: number;
  let column0: number;
  let text = message;
  if (/^Parse error/.test(message) && lexerLoc) {
    line = lexerLoc.first_line;
    column0 = lexerLoc.first_column;
    text = describeParseMessage(message, fix.text, lexerLoc);
  } else if (typeof located.lineNumber === 'number') {
    line = located.lineNumber;
    column0 = located.column ?? 0;
    text = message.replace(/ - \d+:\d+$/, '');
  } else {
    line = 1;
    column0 = 0;
  }
  const pos: TemplatePosition = positionAt(original, mapBack(fix, line, column0));
  return templateSyntaxError(name, original, pos, text, error);
}

function mapBack(fix: BraceFix, line: number, column0: number): number {
  // The split comments never contain a newline: find the line start in the fixed text.
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = fix.text.indexOf('\n', offset);
    if (nl < 0) break;
    offset = nl + 1;
  }
  return originalOffset(fix, offset + column0);
}
