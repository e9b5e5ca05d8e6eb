#!/usr/bin/env node
// registrator CLI: argv/env -> typed config -> registrator. The only file that reads
// process.env/argv and exits.
import { EXIT_CODES, failAndExit, printHelpIfAsked } from '../common/cli/run-cli.js';
import { createLogger, type Logger } from '../common/log.js';
import { flagSpecs, resolveConfig, type ResolvedConfig } from './config.js';
import { createRegistrator } from './index.js';

const HELP_FOOTER = `Registry URIs:
  consul://host:port            services on a Consul agent (empty host: CONSUL_HTTP_ADDR or 127.0.0.1:8500)
  consul-tls://host:port        the same over HTTPS (CONSUL_CACERT, CONSUL_CLIENT_CERT, CONSUL_CLIENT_KEY)
  consul-unix:///path/to.sock   the same over a unix socket
  consulkv://host:port/prefix   one KV pair per service: <prefix>/<name>/<id> = ip:port

Environment: CONSUL_HTTP_TOKEN (ACL token, never logged), DOCKER_HOST (default: /var/run/docker.sock,
then /tmp/docker.sock), LOG_LEVEL.

Example:
  registrator -ip 10.0.0.5 consul://10.0.0.5:8500

Signals: SIGTERM/SIGINT stop (services stay registered, as with the original).
Exit codes: 0 ok, 1 failure, 2 usage, 3 config, 6 registry unreachable after -retry-attempts.`;

function fail(error: unknown, log?: Logger): never {
  failAndExit('registrator', error, log);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const help = {
    usage: 'registrator [options] <registry-uri>',
    description:
      'Registers the published ports of running Docker containers as services, and keeps them in step.',
    flags: flagSpecs,
    footer: HELP_FOOTER,
  };
  if (printHelpIfAsked(argv, help)) return;
  let config: ResolvedConfig;
  try {
    config = resolveConfig(argv, process.env);
  } catch (error) {
    fail(error);
  }
  const log = createLogger({ name: 'registrator', level: config.logLevel });
  const registrator = createRegistrator({
    registry: config.registry,
    docker: config.docker,
    logger: log,
    ...(config.hostIp ? { hostIp: config.hostIp } : {}),
    internal: config.internal,
    explicit: config.explicit,
    forceTags: config.forceTags,
    ...(config.useIpFromLabel ? { useIpFromLabel: config.useIpFromLabel } : {}),
    ...(config.swarmNetwork ? { swarmNetwork: config.swarmNetwork } : {}),
    resyncMs: config.resyncMs,
    cleanup: config.cleanup,
    deregister: config.deregister,
    retryAttempts: config.retryAttempts,
    retryIntervalMs: config.retryIntervalMs,
    drainOnKill: config.drainOnKill,
    drainTimeoutMs: config.drainTimeoutMs,
    registryCheckMs: config.registryCheckMs,
    ...(config.requireLabel ? { requireLabel: config.requireLabel } : {}),
    ...(config.metricsAddr ? { metricsAddr: config.metricsAddr } : {}),
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping; registered services stay registered');
    void registrator.stop().finally(() => process.exit(EXIT_CODES.ok));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  log.info(
    {
      registry: `${config.registry.kind} ${config.registry.consul.scheme === 'unix' ? config.registry.consul.socketPath : `${config.registry.consul.host}:${config.registry.consul.port}`}`,
      hostIp: config.hostIp,
      internal: config.internal,
      drainOnKill: config.drainOnKill,
    },
    'starting',
  );
  try {
    await registrator.start();
  } catch (error) {
    if (stopping) return;
    await registrator.stop().catch(() => undefined);
    fail(error, log);
  }
}

void main();
