import { parseArgs, usageError, type FlagSpec } from '../common/cli/argv.js';
import { loadTls } from '../common/consul/config.js';
import { parseDockerHost, type DockerEndpoint } from '../common/docker/endpoint.js';
import { parseDuration } from '../common/duration.js';
import { configError } from '../common/errors.js';
import { parseLogLevel } from '../common/log.js';
import { parseListenAddr } from './metrics.js';
import { splitTags } from './metadata.js';
import { parseRegistryUri, type RegistryTarget } from './registry-uri.js';
import * as v from './validate.js';

export const flagSpecs: FlagSpec[] = [
  { name: 'ip', kind: 'string', value: '<ip>', description: 'IP for ports mapped to the host' },
  {
    name: 'internal',
    kind: 'boolean',
    description: 'use internal ports instead of published ones',
  },
  {
    name: 'explicit',
    kind: 'boolean',
    description: 'only register containers which have SERVICE_NAME set',
  },
  {
    name: 'tags',
    kind: 'string',
    value: '<a,b>',
    description: 'append tags for all registered services',
  },
  {
    name: 'resync',
    kind: 'string',
    value: '<seconds>',
    description: 'frequency with which services are resynchronized (0 = never; 30 or 30s)',
    default: '0',
  },
  {
    name: 'cleanup',
    kind: 'boolean',
    description: 'remove dangling services this host registered earlier',
  },
  {
    name: 'deregister',
    kind: 'string',
    value: '<mode>',
    description: 'deregister exited services "always" or "on-success"',
    default: 'always',
  },
  {
    name: 'ttl',
    kind: 'string',
    value: '<seconds>',
    description: 'TTL for services (accepted; no effect with Consul, as in the original)',
    default: '0',
  },
  {
    name: 'ttl-refresh',
    kind: 'string',
    value: '<seconds>',
    description: 'frequency with which service TTLs are refreshed',
    default: '0',
  },
  {
    name: 'retry-attempts',
    kind: 'string',
    value: '<n>',
    description: 'startup attempts to reach the registry (-1 or 0 = forever)',
    default: '-1',
  },
  {
    name: 'retry-interval',
    kind: 'string',
    value: '<ms>',
    description: 'longest pause between retries, in ms (backoff up to it)',
    default: '2000',
  },
  {
    name: 'useIpFromLabel',
    kind: 'string',
    value: '<label>',
    description: 'use the IP address in this container label',
  },
  {
    name: 'swarm-network',
    kind: 'string',
    value: '<name>',
    description:
      "Swarm tasks: register the address on this network (default: the task's only one besides ingress)",
    env: 'SWARM_NETWORK',
  },
  {
    name: 'require-label',
    kind: 'string',
    value: '<key[=value]>',
    description: 'only register containers carrying this label',
  },
  {
    name: 'drain-on-kill',
    kind: 'boolean',
    description: 'deregister on the stop signal (kill event), before the container exits',
    default: 'true',
  },
  {
    name: 'drain-timeout',
    kind: 'string',
    value: '<duration>',
    description: 'register a killed container again if it is still running after this long',
    default: '5m',
  },
  {
    name: 'registry-check',
    kind: 'string',
    value: '<duration>',
    description: 'how often to verify the agent still holds our services (0 = never)',
    default: '2s',
  },
  {
    name: 'metrics-addr',
    kind: 'string',
    value: '<host:port>',
    description: 'serve Prometheus metrics on http://<addr>/metrics',
  },
  {
    name: 'log-level',
    kind: 'string',
    value: '<level>',
    description: 'trace, debug, info, warn, error',
    default: 'info',
    env: 'LOG_LEVEL',
  },
];

/** Everything the CLI needs, resolved from argv and the environment. */
export interface ResolvedConfig {
  registry: RegistryTarget;
  docker: DockerEndpoint;
  hostIp?: string;
  internal: boolean;
  explicit: boolean;
  forceTags: string[];
  resyncMs: number;
  cleanup: boolean;
  deregister: 'always' | 'on-success';
  ttlMs: number;
  ttlRefreshMs: number;
  retryAttempts: number;
  retryIntervalMs: number;
  useIpFromLabel?: string;
  swarmNetwork?: string;
  requireLabel?: string;
  drainOnKill: boolean;
  drainTimeoutMs: number;
  registryCheckMs: number;
  metricsAddr?: { host: string; port: number };
  logLevel: string;
}

/** "30" (seconds, as the original's int flags) or a duration ("30s", "1m"). */
export function parseSeconds(value: string, option: string): number {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  try {
    return parseDuration(text, option);
  } catch {
    throw configError(option, 'seconds (30) or a duration (30s, 1m)', value);
  }
}

function parseInteger(value: string, option: string, min: number): number {
  const n = Number(value.trim());
  if (!/^-?\d+$/.test(value.trim()) || n < min)
    throw configError(option, `an integer >= ${min}`, value);
  return n;
}

export function resolveConfig(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  exists?: (path: string) => boolean,
): ResolvedConfig {
  const { flags, positionals } = parseArgs(argv, flagSpecs);
  if (positionals.length !== 1)
    throw usageError(
      positionals.length === 0
        ? 'missing registry URI (e.g. consul://127.0.0.1:8500)'
        : `expected one registry URI, received ${positionals.length} arguments: ${positionals.join(' ')}`,
    );
  const str = (name: string): string | undefined => flags[name] as string | undefined;
  const registry = parseRegistryUri(positionals[0] as string, env.CONSUL_HTTP_ADDR || undefined);
  const token = env.CONSUL_HTTP_TOKEN;
  if (token) registry.consul.token = token;
  if (registry.consul.scheme === 'https') {
    registry.consul.tls = loadTls({
      caFile: env.CONSUL_CACERT,
      certFile: env.CONSUL_CLIENT_CERT ?? env.CONSUL_TLSCERT,
      keyFile: env.CONSUL_CLIENT_KEY ?? env.CONSUL_TLSKEY,
    });
  }
  const ip = str('ip');
  if (ip !== undefined && ip !== '' && v.address(ip)) throw configError('-ip', 'an IP address', ip);
  const deregister = str('deregister') ?? 'always';
  if (deregister !== 'always' && deregister !== 'on-success')
    throw configError('-deregister', '"always" or "on-success"', deregister);
  const ttlMs = parseSeconds(str('ttl') ?? '0', '-ttl');
  const ttlRefreshMs = parseSeconds(str('ttl-refresh') ?? '0', '-ttl-refresh');
  if ((ttlMs === 0) !== (ttlRefreshMs === 0))
    throw usageError('-ttl and -ttl-refresh must be specified together or not at all');
  if (ttlMs > 0 && ttlMs <= ttlRefreshMs)
    throw usageError('-ttl must be greater than -ttl-refresh');
  const metrics = str('metrics-addr');
  const label = str('useIpFromLabel');
  const require = str('require-label');
  const swarmNetwork = (str('swarm-network') ?? env.SWARM_NETWORK ?? '').trim();
  const networkReason = swarmNetwork === '' ? undefined : v.identifier(swarmNetwork);
  if (networkReason) throw configError('-swarm-network', 'a Docker network name', swarmNetwork);
  return {
    registry,
    docker: parseDockerHost(env.DOCKER_HOST, exists),
    ...(ip ? { hostIp: ip } : {}),
    internal: flags.internal === true,
    explicit: flags.explicit === true,
    forceTags: splitTags(str('tags')),
    resyncMs: parseSeconds(str('resync') ?? '0', '-resync'),
    cleanup: flags.cleanup === true,
    deregister,
    ttlMs,
    ttlRefreshMs,
    retryAttempts: parseInteger(str('retry-attempts') ?? '-1', '-retry-attempts', -1),
    retryIntervalMs: parseInteger(str('retry-interval') ?? '2000', '-retry-interval', 1),
    ...(label ? { useIpFromLabel: label } : {}),
    ...(require ? { requireLabel: require } : {}),
    ...(swarmNetwork ? { swarmNetwork } : {}),
    drainOnKill: flags['drain-on-kill'] !== false,
    drainTimeoutMs: parseDuration(str('drain-timeout') ?? '5m', '-drain-timeout'),
    registryCheckMs: parseDuration(str('registry-check') ?? '2s', '-registry-check'),
    ...(metrics ? { metricsAddr: parseListenAddr(metrics) } : {}),
    logLevel: parseLogLevel(str('log-level') ?? env.LOG_LEVEL ?? 'info', '-log-level'),
  };
}
