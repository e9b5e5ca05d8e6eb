import { parse as parseYaml } from 'yaml';
import { configError } from '../common/errors.js';
import { parseDuration } from '../common/duration.js';
import { SYNTAXES, type Syntax } from './syntax/engine.js';
import type { TemplateConfig } from './types.js';

// The values of -template/-wait flags and of config files, parsed and checked one by one.

/** `min[:max]` ("2s:10s", "500ms"); max defaults to 4 x min as in consul-template. */
export function parseWait(value: unknown, option = '-wait'): { minMs: number; maxMs: number } {
  if (value && typeof value === 'object') {
    const o = normalize(value as Record<string, unknown>, option, ['min', 'max']);
    const minMs = parseDuration(String(o.min ?? '0'), `${option}.min`);
    const maxMs = o.max === undefined ? minMs * 4 : parseDuration(String(o.max), `${option}.max`);
    return checkWait(minMs, maxMs, option, value);
  }
  const [min, max, extra] = String(value).split(':');
  if (extra !== undefined || !min) throw configError(option, 'min or min:max durations', value);
  const minMs = parseDuration(min, option);
  const maxMs = max === undefined ? minMs * 4 : parseDuration(max, option);
  return checkWait(minMs, maxMs, option, value);
}

function checkWait(
  minMs: number,
  maxMs: number,
  option: string,
  value: unknown,
): { minMs: number; maxMs: number } {
  if (maxMs < minMs) throw configError(option, 'max >= min', value);
  return { minMs, maxMs };
}

/** `src:dst[:command]`: the first two colons split; the command keeps the rest (colons, spaces). */
export function parseTemplateFlag(value: string): TemplateConfig {
  const first = value.indexOf(':');
  if (first <= 0) throw configError('-template', '"source:destination[:command]"', value);
  const rest = value.slice(first + 1);
  const second = rest.indexOf(':');
  const destination = second === -1 ? rest : rest.slice(0, second);
  const command = second === -1 ? '' : rest.slice(second + 1).trim();
  if (!destination) throw configError('-template', '"source:destination[:command]"', value);
  return { source: value.slice(0, first), destination, ...(command ? { command } : {}) };
}

/** Keys compare without case, dashes or underscores: `create_dest_dirs` = `createDestDirs`. */
export function normalize(
  obj: Record<string, unknown>,
  where: string,
  allowed: string[],
): Record<string, unknown> {
  const byNorm = new Map(allowed.map((k) => [k.toLowerCase().replace(/[-_]/g, ''), k]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const name = byNorm.get(k.toLowerCase().replace(/[-_]/g, ''));
    if (!name) throw configError(`${where}.${k}`, `one of ${allowed.join(', ')}`, 'an unknown key');
    out[name] = v;
  }
  return out;
}

const TEMPLATE_KEYS = [
  'source',
  'contents',
  'destination',
  'command',
  'commandTimeout',
  'perms',
  'backup',
  'createDestDirs',
  'syntax',
  'leftDelimiter',
  'rightDelimiter',
  'errorOnMissingKey',
  'wait',
];
const TOP_KEYS = [
  'consul',
  'consulAddr',
  'consulToken',
  'consulMaxConns',
  'template',
  'templates',
  'wait',
  'maxStale',
  'outageHold',
  'once',
  'dry',
  'logLevel',
  'pidFile',
];

function str(v: unknown, option: string): string {
  if (typeof v !== 'string' || v === '') throw configError(option, 'a non-empty string', v);
  return v;
}

export function duration(v: unknown, option: string): number {
  return typeof v === 'number' ? v : parseDuration(String(v), option);
}

function bool(v: unknown, option: string): boolean {
  if (typeof v !== 'boolean') throw configError(option, 'true or false', v);
  return v;
}

/** perms: "0644" (octal text) or a number (0o644 = 420). */
export function parsePerms(v: unknown, option: string): number {
  const n =
    typeof v === 'number'
      ? v
      : /^0?[0-7]{3,4}$/.test(String(v))
        ? Number.parseInt(String(v), 8)
        : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0o7777)
    throw configError(option, 'a file mode such as "0644"', v);
  return n;
}

export function parseTemplateEntry(raw: unknown, where: string): TemplateConfig {
  if (typeof raw === 'string') return parseTemplateFlag(raw);
  if (!raw || typeof raw !== 'object')
    throw configError(where, 'an object or "src:dst[:cmd]"', raw);
  const o = normalize(raw as Record<string, unknown>, where, TEMPLATE_KEYS);
  const t: TemplateConfig = { destination: str(o.destination, `${where}.destination`) };
  if (o.source !== undefined) t.source = str(o.source, `${where}.source`);
  if (o.contents !== undefined) t.contents = String(o.contents);
  if (t.source === undefined && t.contents === undefined)
    throw configError(`${where}.source`, 'a template file (or contents)', 'neither');
  if (o.command !== undefined) t.command = str(o.command, `${where}.command`);
  if (o.commandTimeout !== undefined)
    t.commandTimeoutMs = duration(o.commandTimeout, `${where}.command_timeout`);
  if (o.perms !== undefined) t.perms = parsePerms(o.perms, `${where}.perms`);
  if (o.backup !== undefined) t.backup = bool(o.backup, `${where}.backup`);
  if (o.createDestDirs !== undefined)
    t.createDestDirs = bool(o.createDestDirs, `${where}.create_dest_dirs`);
  if (o.syntax !== undefined) {
    if (!(SYNTAXES as readonly unknown[]).includes(o.syntax))
      throw configError(`${where}.syntax`, 'handlebars or go', o.syntax);
    t.syntax = o.syntax as Syntax;
  }
  if (o.leftDelimiter !== undefined)
    t.leftDelimiter = str(o.leftDelimiter, `${where}.left_delimiter`);
  if (o.rightDelimiter !== undefined)
    t.rightDelimiter = str(o.rightDelimiter, `${where}.right_delimiter`);
  if (o.errorOnMissingKey !== undefined)
    t.errorOnMissingKey = bool(o.errorOnMissingKey, `${where}.error_on_missing_key`);
  if (o.wait !== undefined) t.wait = parseWait(o.wait, `${where}.wait`);
  return t;
}

/** Parses a JSON or YAML config file's text (JSON is YAML, so one parser reads both). */
export function parseConfigFile(text: string, file: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw configError(
      `-config ${file}`,
      'valid JSON or YAML',
      (error as Error).message.split('\n')[0],
    );
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data))
    throw configError(`-config ${file}`, 'a mapping at the top level', typeof data);
  return normalize(data as Record<string, unknown>, file, TOP_KEYS);
}
