import { parse as parseYaml } from 'yaml';
import { parseArgs, usageError, type FlagSpec } from '../common/cli/argv.js';
import { configError } from '../common/errors.js';
import { parseDuration } from '../common/duration.js';
import { parseLogLevel } from '../common/log.js';
import { loadTls, parseConsulAddress, type ConsulConfig } from '../common/consul/config.js';
import type { TemplateConfig } from './types.js';

export const flagSpecs: FlagSpec[] = [
  {
    name: 'consul-addr',
    kind: 'string',
    value: '<addr>',
    description: 'Consul agent address',
    default: '127.0.0.1:8500',
    env: 'CONSUL_HTTP_ADDR',
  },
  {
    name: 'consul-token',
    kind: 'string',
    value: '<token>',
    description: 'Consul ACL token',
    env: 'CONSUL_HTTP_TOKEN',
  },
  {
    name: 'template',
    kind: 'list',
    value: '"src:dst[:cmd]"',
    description: 'template file, output file and optional command (may contain spaces)',
  },
  {
    name: 'wait',
    kind: 'string',
    value: '<min[:max]>',
    description: 'quiescence: wait for changes to settle (max defaults to 4x min)',
    default: '0',
  },
  { name: 'once', kind: 'boolean', description: 'render every template once, run commands, exit' },
  {
    name: 'dry',
    kind: 'boolean',
    description: 'print renders to stdout, write no files, run no commands',
  },
  {
    name: 'max-stale',
    kind: 'string',
    value: '<duration>',
    description: 'allow stale reads from any server up to this age',
    default: '0',
  },
  {
    name: 'outage-hold',
    kind: 'string',
    value: '<duration>',
    description: 'after Consul was unreachable, keep the last output this long once it answers',
    default: '0',
  },
  {
    name: 'config',
    kind: 'string',
    value: '<file>',
    description: 'JSON or YAML configuration file',
  },
  {
    name: 'log-level',
    kind: 'string',
    value: '<level>',
    description: 'trace, debug, info, warn, error',
    default: 'info',
  },
  {
    name: 'pid-file',
    kind: 'string',
    value: '<file>',
    description: 'write the process id to this file',
  },
];

/** Everything the CLI needs, resolved from flags, environment and config file. */
export interface ResolvedConfig {
  consul: ConsulConfig;
  templates: TemplateConfig[];
  wait?: { minMs: number; maxMs: number };
  maxStaleMs: number;
  outageHoldMs: number;
  once: boolean;
  dry: boolean;
  logLevel: string;
  pidFile?: string;
  configFile?: string;
}

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
function normalize(
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
  'leftDelimiter',
  'rightDelimiter',
  'errorOnMissingKey',
  'wait',
];
const TOP_KEYS = [
  'consul',
  'consulAddr',
  'consulToken',
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

function duration(v: unknown, option: string): number {
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

/**
 * argv + environment + config file -> typed config. Flags win over the file, the file over the
 * environment; templates from the file and from -template flags are all used.
 */
export function resolveConfig(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  readFile: (path: string) => string,
): ResolvedConfig {
  const { flags, positionals } = parseArgs(argv, flagSpecs);
  if (positionals.length > 0) throw usageError(`unexpected argument: ${positionals[0]}`);
  const configFile = flags.config as string | undefined;
  let file: Record<string, unknown> = {};
  if (configFile) {
    let text: string;
    try {
      text = readFile(configFile);
    } catch (error) {
      throw configError(
        '-config',
        'a readable file',
        `${configFile} (${(error as Error).message})`,
      );
    }
    file = parseConfigFile(text, configFile);
  }
  let fileConsul: Record<string, unknown> = {};
  if (typeof file.consul === 'string') fileConsul = { address: file.consul };
  else if (file.consul && typeof file.consul === 'object')
    fileConsul = normalize(file.consul as Record<string, unknown>, 'consul', ['address', 'token']);
  const address =
    (flags['consul-addr'] as string | undefined) ??
    (file.consulAddr as string | undefined) ??
    (fileConsul.address as string | undefined) ??
    env.CONSUL_HTTP_ADDR ??
    '127.0.0.1:8500';
  const consul = parseConsulAddress(address, '-consul-addr');
  const token =
    (flags['consul-token'] as string | undefined) ??
    (file.consulToken as string | undefined) ??
    (fileConsul.token as string | undefined) ??
    env.CONSUL_HTTP_TOKEN;
  if (token) consul.token = token;
  if (env.CONSUL_CACERT || env.CONSUL_CLIENT_CERT || env.CONSUL_CLIENT_KEY) {
    consul.tls = loadTls({
      caFile: env.CONSUL_CACERT,
      certFile: env.CONSUL_CLIENT_CERT,
      keyFile: env.CONSUL_CLIENT_KEY,
    });
    if (consul.scheme === 'http') consul.scheme = 'https';
  }
  const fileTemplates = [file.templates, file.template].flatMap((v) =>
    v === undefined ? [] : Array.isArray(v) ? v : [v],
  );
  const templates = [
    ...fileTemplates.map((t, i) => parseTemplateEntry(t, `templates[${i}]`)),
    ...((flags.template as string[] | undefined) ?? []).map(parseTemplateFlag),
  ];
  if (templates.length === 0)
    throw usageError(
      'at least one -template "src:dst[:cmd]" (or a config file with templates) is required',
    );
  const waitValue = flags.wait ?? file.wait;
  const wait = waitValue === undefined ? undefined : parseWait(waitValue, '-wait');
  const maxStaleValue = flags['max-stale'] ?? file.maxStale;
  const holdValue = flags['outage-hold'] ?? file.outageHold;
  const logLevel = String(flags['log-level'] ?? file.logLevel ?? 'info');
  parseLogLevel(logLevel, '-log-level');
  return {
    consul,
    templates,
    ...(wait ? { wait } : {}),
    maxStaleMs: maxStaleValue === undefined ? 0 : duration(maxStaleValue, '-max-stale'),
    outageHoldMs: holdValue === undefined ? 0 : duration(holdValue, '-outage-hold'),
    once: Boolean(flags.once ?? file.once ?? false),
    dry: Boolean(flags.dry ?? file.dry ?? false),
    logLevel,
    ...((flags['pid-file'] ?? file.pidFile)
      ? { pidFile: String(flags['pid-file'] ?? file.pidFile) }
      : {}),
    ...(configFile ? { configFile } : {}),
  };
}
