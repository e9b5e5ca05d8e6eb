import { ToolkitError } from '../../common/errors.js';

/** One top-level object of a JSON array, by position in the answer's text. */
export interface TextEntry {
  start: number;
  /** One past its closing brace. */
  end: number;
}

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;

/** The closing quote of the string opened at `open` (-1 if none): indexOf, then its escapes. */
function stringEnd(text: string, open: number): number {
  let at = text.indexOf('"', open + 1);
  while (at > 0) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return -1;
}

function malformed(what: string): ToolkitError {
  return new ToolkitError(`consul: the catalog summary is not a JSON array (${what})`, {
    code: 'E_CONSUL_UNAVAILABLE',
    retryable: true,
  });
}

/**
 * The objects of a JSON array answer, found by one pass over its characters (strings and their
 * escapes skipped, nesting counted) without building them: a 5,000-service summary is 1 MB of
 * text, and parsing it whole at every catalog change made most of the feed's garbage. `null`
 * (no services) is an empty list; anything not bracketed as an array throws, retryably.
 */
export function arrayEntries(text: string): TextEntry[] {
  const body = text.trim();
  if (body === 'null' || body === '') return [];
  const open = text.indexOf('[');
  if (body.charCodeAt(0) !== OPEN_ARRAY) throw malformed('no opening bracket');
  const out: TextEntry[] = [];
  let depth = 0;
  let start = -1;
  const length = text.length;
  for (let i = open; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i);
      if (i < 0) break;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
      if (depth === 2 && c === OPEN_OBJECT) start = i;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      if (depth === 1 && c === CLOSE_OBJECT && start >= 0) {
        out.push({ start, end: i + 1 });
        start = -1;
      } else if (depth === 0 && c === CLOSE_ARRAY) {
        if (text.slice(i + 1).trim() !== '') throw malformed('text after the array');
        return out;
      } else if (depth <= 0) throw malformed('unbalanced brackets');
    }
  }
  throw malformed('truncated');
}

const NAME_KEY = '"Name":"';

/**
 * The `Name` of the summary entry at `e`. Fast path: the first `"Name":"` in it is the entry's
 * own (Consul writes Kind and Name before any nested object, and a quote inside a string is
 * always escaped). Any other shape (spaces, escapes, no such key) parses the entry. Undefined
 * when the entry has no string Name.
 */
export function entryName(text: string, e: TextEntry): string | undefined {
  const at = text.indexOf(NAME_KEY, e.start);
  if (at >= 0 && at < e.end) {
    const from = at + NAME_KEY.length;
    const to = text.indexOf('"', from);
    const name = to >= 0 && to < e.end ? text.slice(from, to) : '\\';
    if (!name.includes('\\')) return name;
  }
  try {
    const name: unknown = (JSON.parse(text.slice(e.start, e.end)) as { Name?: unknown }).Name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}
