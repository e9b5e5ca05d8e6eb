#!/usr/bin/env -S node --max-semi-space-size=4 --expose-gc
// gateway CLI: argv/env -> typed config -> gateway. The only file that reads process.env/argv
// and exits.
import { tmpdir } from 'node:os';
import { EXIT_CODES, failAndExit, printHelpIfAsked } from '../common/cli/run-cli.js';
import { describeError } from '../common/errors.js';
import { createLogger, type Logger } from '../common/log.js';
import { startHeapTrim } from '../common/process/heap-trim.js';
import { flagSpecs, resolveConfig, type GatewayConfig } from './config.js';
import { createGateway } from './index.js';

const FOOTER = `Routing: tag a service urlprefix-/api, urlprefix-example.com/, urlprefix-/api strip=/api.
Options: redirect=https, proto=https|grpc (gRPC over HTTP/2: --h2c-listen or --https-listen),
timeout=10m (idle WebSockets and gRPC calls). WebSockets pass through; a template edit keeps
open ones up to --shutdown-timeout.
Consul over TLS: --consul-addr https://host:8501, with CONSUL_CACERT, CONSUL_CLIENT_CERT and
CONSUL_CLIENT_KEY (PEM files) as for the consul CLI. An HTTPS agent is spoken to over HTTP/2:
every watch is a stream, so a catalog of thousands fits --consul-max-conns (README).
Example:
  gateway --listen 0.0.0.0:80 --consul-addr 127.0.0.1:8500 --status-addr 127.0.0.1:9180

Signals: SIGHUP re-reads the template, re-renders and reloads nginx; SIGTERM/SIGINT drain nginx
gracefully and exit.
Exit codes: 0 ok, 1 failure (nginx would not start), 2 usage, 3 config.`;

function fail(error: unknown, log?: Logger): never {
  failAndExit('gateway', error, log);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const help = {
    usage: 'gateway [options]',
    description:
      'Runs nginx as the front door, routing to healthy Consul services by their urlprefix- tags.',
    flags: flagSpecs,
    footer: FOOTER,
  };
  if (printHelpIfAsked(argv, help)) return;
  let config: GatewayConfig;
  try {
    config = resolveConfig(argv, process.env, { tmpDir: tmpdir(), cwd: process.cwd() });
  } catch (error) {
    fail(error);
  }
  const log = createLogger({ name: 'gateway', level: config.logLevel });
  // A full collection after each 64 MB of heap growth (--expose-gc above), checked right after
  // each change is applied and every 10 s: common/process/heap-trim.ts.
  const trim = startHeapTrim({ intervalMs: 10_000 });
  const gateway = createGateway(config, { logger: log, afterChange: () => trim.check() });
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info('stopping: draining nginx');
    await gateway.stop().catch((e: unknown) => log.error({ err: describeError(e) }, 'stop failed'));
    process.exit(EXIT_CODES.ok);
  };
  process.on('exit', () => gateway.kill());
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('SIGHUP', () => {
    if (!stopping) void gateway.reload();
  });
  try {
    await gateway.start();
  } catch (error) {
    await gateway.stop().catch(() => undefined);
    fail(error, log);
  }
}

void main();
