import { parseArgs, usageError, type FlagSpec } from '../common/cli/argv.js';
import { configError } from '../common/errors.js';
import { parseLogLevel } from '../common/log.js';
import { applyTlsEnv, parseConsulAddress, type ConsulConfig } from '../common/consul/config.js';
import {
  duration,
  normalize,
  parseConfigFile,
  parseTemplateEntry,
  parseTemplateFlag,
  parseWait,
} from './config-values.js';
import type { TemplateConfig } from './types.js';
import { DEFAULT_MAX_CONNS, parseMaxConns } from './watch/budget.js';

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
    name: 'consul-max-conns',
    kind: 'string',
    value: '<n>',
    description: 'most connections to the Consul agent (see README: connection budget)',
    default: String(DEFAULT_MAX_CONNS),
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
    fileConsul = normalize(file.consul as Record<string, unknown>, 'consul', [
      'address',
      'token',
      'maxConns',
    ]);
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
  const maxConns = flags['consul-max-conns'] ?? file.consulMaxConns ?? fileConsul.maxConns;
  if (maxConns !== undefined) consul.maxConns = parseMaxConns(maxConns, '-consul-max-conns');
  applyTlsEnv(consul, env);
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
