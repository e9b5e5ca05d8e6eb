import { isAbsolute, resolve } from 'node:path';
import { parseArgs, usageError, type FlagSpec } from '../common/cli/argv.js';
import { applyTlsEnv, parseConsulAddress, type ConsulConfig } from '../common/consul/config.js';
import { parseDuration } from '../common/duration.js';
import { configError } from '../common/errors.js';
import { parseLogLevel } from '../common/log.js';
import { DEFAULT_MAX_CONNS, parseMaxConns } from '../template-renderer/index.js';
import { resolveTlsFlags, tlsFlagSpecs, type TlsConfig } from './certs/config.js';
import { protocolFlagSpecs, resolveProtocols, type ProtocolConfig } from './config-protocols.js';
import { parseHostPort, parseListen, parseWait } from './listen.js';

export { parseHostPort, parseListen, parseWait };

export interface GatewayConfig {
  /** nginx `listen` value for public traffic ("127.0.0.1:8080", "[::]:80", "80"). */
  listen: string;
  consul: ConsulConfig;
  status: { host: string; port: number };
  workDir: string;
  nginxBin: string;
  /** Template path; undefined: the shipped templates/gateway-default.hbs. */
  template?: string;
  wait?: { minMs: number; maxMs: number };
  logLevel: string;
  /** `off` or a file for the JSON access log. */
  accessLog: string;
  workerProcesses: string;
  shutdownTimeoutMs: number;
  reloadTimeoutMs: number;
  /** How membership changes reach the upstream pool (auto: lua when nginx has the lua module). */
  mode: 'auto' | 'lua' | 'reload';
  /** How long a route outlives its last instance (answering 503); 0 disables. */
  routeGraceMs: number;
  /** After Consul was unreachable, how long the last config stays once it answers again. */
  outageHoldMs: number;
  /** The HTTPS listener and its certificate sources (--https-listen and the --cert-* flags). */
  tls?: TlsConfig;
  /** CA bundle of `proto=https` routes (--upstream-ca). */
  upstreamCa: string;
  /** WebSocket, streaming and gRPC settings (config-protocols.ts). */
  protocols: ProtocolConfig;
}

export const flagSpecs: FlagSpec[] = [
  {
    name: 'listen',
    kind: 'string',
    value: '<addr>',
    default: '0.0.0.0:80',
    env: 'GATEWAY_LISTEN',
    description: 'address nginx serves traffic on',
  },
  {
    name: 'consul-addr',
    kind: 'string',
    value: '<addr>',
    default: '127.0.0.1:8500',
    env: 'CONSUL_HTTP_ADDR',
    description: 'Consul agent address',
  },
  {
    name: 'consul-token',
    kind: 'string',
    value: '<token>',
    env: 'CONSUL_HTTP_TOKEN',
    description: 'Consul ACL token',
  },
  {
    name: 'consul-max-conns',
    kind: 'string',
    value: '<n>',
    default: String(DEFAULT_MAX_CONNS),
    env: 'GATEWAY_CONSUL_MAX_CONNS',
    description: 'most connections to the Consul agent (README: connection budget)',
  },
  {
    name: 'status-addr',
    kind: 'string',
    value: '<addr>',
    default: '127.0.0.1:9180',
    env: 'GATEWAY_STATUS_ADDR',
    description: 'status API, page and metrics',
  },
  {
    name: 'work-dir',
    kind: 'string',
    value: '<dir>',
    default: '<tmp>/gateway-<listen port>',
    env: 'GATEWAY_WORK_DIR',
    description: 'folder the gateway owns (nginx.conf, routes, pid, socket)',
  },
  {
    name: 'nginx-bin',
    kind: 'string',
    value: '<path>',
    default: 'nginx (from PATH)',
    env: 'GATEWAY_NGINX_BIN',
    description: 'nginx binary',
  },
  {
    name: 'template',
    kind: 'string',
    value: '<file>',
    default: 'templates/gateway-default.hbs',
    env: 'GATEWAY_TEMPLATE',
    description: 'template for the http {} routing config (Handlebars; Go for .ctmpl/.tmpl)',
  },
  {
    name: 'wait',
    kind: 'string',
    value: '<min[:max]>',
    env: 'GATEWAY_WAIT',
    description: 'quiescence before applying a change (e.g. 200ms:1s)',
  },
  {
    name: 'log-level',
    kind: 'string',
    value: '<level>',
    default: 'info',
    env: 'GATEWAY_LOG_LEVEL',
    description: 'trace, debug, info, warn, error, fatal or silent',
  },
  {
    name: 'access-log',
    kind: 'string',
    value: '<file|off>',
    default: '<work-dir>/access.log',
    env: 'GATEWAY_ACCESS_LOG',
    description: 'JSON access log',
  },
  {
    name: 'worker-processes',
    kind: 'string',
    value: '<n|auto>',
    default: 'auto',
    description: 'nginx worker_processes',
  },
  {
    name: 'shutdown-timeout',
    kind: 'string',
    value: '<duration>',
    default: '10s',
    description: 'how long old workers may drain (worker_shutdown_timeout, SIGTERM)',
  },
  {
    name: 'route-grace',
    kind: 'string',
    value: '<duration>',
    default: '10m',
    description: 'how long a route whose last instance left keeps answering 503 (0 = drop at once)',
  },
  {
    name: 'outage-hold',
    kind: 'string',
    value: '<duration>',
    default: '5s',
    description:
      'after Consul was unreachable, keep the last config this long once it answers (a restarted agent is empty until registrators re-register)',
  },
  {
    name: 'reload-timeout',
    kind: 'string',
    value: '<duration>',
    default: '10s',
    description: 'how long a reload may take to come live',
  },
  {
    name: 'mode',
    kind: 'string',
    value: 'auto|lua|reload',
    default: 'auto',
    env: 'GATEWAY_MODE',
    description:
      'lua: one nginx, routes and instances in a shared dict, no reload; reload: a second nginx holds the instances and reloads; auto: lua if nginx loads the lua module',
  },
  ...tlsFlagSpecs,
  ...protocolFlagSpecs,
];

/** argv + env -> typed config; pure (the CLI passes process.argv/env and the temp dir). */
export function resolveConfig(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  defaults: { tmpDir: string; cwd: string },
): GatewayConfig {
  const { flags, positionals } = parseArgs(argv, flagSpecs);
  if (positionals.length > 0) throw usageError(`unexpected argument: ${positionals[0]}`);
  const pick = (name: string, envName?: string): string | undefined => {
    const v = flags[name];
    if (typeof v === 'string') return v;
    return envName ? env[envName] || undefined : undefined;
  };
  const listen = parseListen(pick('listen', 'GATEWAY_LISTEN') ?? '0.0.0.0:80');
  const consul = parseConsulAddress(
    pick('consul-addr', 'CONSUL_HTTP_ADDR') ?? '127.0.0.1:8500',
    '--consul-addr',
  );
  const token = pick('consul-token', 'CONSUL_HTTP_TOKEN');
  if (token) consul.token = token;
  applyTlsEnv(consul, env);
  const maxConns = pick('consul-max-conns', 'GATEWAY_CONSUL_MAX_CONNS');
  consul.maxConns = parseMaxConns(maxConns ?? DEFAULT_MAX_CONNS, '--consul-max-conns');
  const status = parseHostPort(
    pick('status-addr', 'GATEWAY_STATUS_ADDR') ?? '127.0.0.1:9180',
    '--status-addr',
  );
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(defaults.cwd, p));
  const port = listen.replace(/^.*:/, '');
  const workDir = abs(
    pick('work-dir', 'GATEWAY_WORK_DIR') ?? resolve(defaults.tmpDir, `gateway-${port}`),
  );
  if (/[\s"'\\$;{}]/.test(workDir))
    throw configError('--work-dir', 'a path without spaces, quotes, $, ; or braces', workDir);
  const logLevel = parseLogLevel(pick('log-level', 'GATEWAY_LOG_LEVEL') ?? 'info');
  const template = pick('template', 'GATEWAY_TEMPLATE');
  const waitText = pick('wait', 'GATEWAY_WAIT');
  const accessLog = pick('access-log', 'GATEWAY_ACCESS_LOG') ?? resolve(workDir, 'access.log');
  if (accessLog !== 'off' && /[\s"'\\$;{}]/.test(accessLog))
    throw configError('--access-log', 'off or a plain file path', accessLog);
  const workerProcesses = pick('worker-processes') ?? 'auto';
  if (!/^(auto|[1-9]\d{0,2})$/.test(workerProcesses))
    throw configError('--worker-processes', 'auto or a number', workerProcesses);
  const mode = pick('mode', 'GATEWAY_MODE') ?? 'auto';
  if (mode !== 'auto' && mode !== 'lua' && mode !== 'reload')
    throw configError('--mode', 'auto, lua or reload', mode);
  return {
    listen,
    consul,
    status: { host: status.host || '127.0.0.1', port: status.port },
    workDir,
    nginxBin: pick('nginx-bin', 'GATEWAY_NGINX_BIN') ?? 'nginx',
    ...(template ? { template: abs(template) } : {}),
    ...(waitText ? { wait: parseWait(waitText) } : {}),
    logLevel,
    accessLog: accessLog === 'off' ? 'off' : abs(accessLog),
    workerProcesses,
    shutdownTimeoutMs: parseDuration(pick('shutdown-timeout') ?? '10s', '--shutdown-timeout'),
    reloadTimeoutMs: parseDuration(pick('reload-timeout') ?? '10s', '--reload-timeout'),
    mode,
    routeGraceMs: parseDuration(pick('route-grace') ?? '10m', '--route-grace'),
    outageHoldMs: parseDuration(pick('outage-hold') ?? '5s', '--outage-hold'),
    ...resolveTlsFlags(flags, env, { listen, abs }),
    protocols: resolveProtocols(pick, listen),
  };
}
