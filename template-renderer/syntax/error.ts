import { ToolkitError } from '../../common/errors.js';

/** Where a template error is: 1-based line and column in the template's own text. */
export interface TemplatePosition {
  line: number;
  column: number;
}

/** The position of a character offset in `text` (1-based line and column). */
export function positionAt(text: string, offset: number): TemplatePosition {
  let line = 1;
  let start = 0;
  const end = Math.max(0, Math.min(offset, text.length));
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: end - start + 1 };
}

/** The offending line and a caret under the column, indented for a log or terminal. */
export function excerpt(text: string, pos: TemplatePosition): string {
  const lines = text.split('\n');
  const raw = lines[pos.line - 1] ?? '';
  // Tabs keep their width in the caret line, so the caret stays under the character.
  const pad = [...raw.slice(0, Math.max(0, pos.column - 1))]
    .map((c) => (c === '\t' ? '\t' : ' '))
    .join('');
  const gutter = String(pos.line);
  return `  ${gutter} | ${raw}\n  ${' '.repeat(gutter.length)} | ${pad}^`;
}

/**
 * A template error that names the file, line and column, shows the line with a caret and says
 * what was expected: `template nginx.hbs:3:10: unexpected "}}}"; expected "}}"`.
 */
export function templateSyntaxError(
  name: string,
  text: string,
  pos: TemplatePosition,
  message: string,
  cause?: unknown,
): ToolkitError {
  const where = `${name || 'template'}:${pos.line}:${pos.column}`;
  const shown = excerpt(text, pos);
  return new ToolkitError(`template ${where}: ${message}\n${shown}`, {
    code: 'E_TEMPLATE',
    cause,
    details: { template: name, line: pos.line, column: pos.column, excerpt: shown },
  });
}

/** The excerpt (line and caret) of a positioned template error, for a log field. */
export function errorExcerpt(error: unknown): { excerpt?: string } {
  const e = (error as { details?: { excerpt?: unknown } } | undefined)?.details?.excerpt;
  return typeof e === 'string' ? { excerpt: e } : {};
}
