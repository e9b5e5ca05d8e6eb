#!/usr/bin/env -S node --max-semi-space-size=4 --expose-gc
// template-renderer CLI: argv/env/config file -> typed config -> renderer. The only file that
// reads process.env/argv and exits.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { destination } from 'pino';
import { EXIT_CODES, failAndExit, printHelpIfAsked } from '../common/cli/run-cli.js';
import { describeError, isToolkitError } from '../common/errors.js';
import { createLogger, type Logger } from '../common/log.js';
import { startHeapTrim } from '../common/process/heap-trim.js';
import { flagSpecs, resolveConfig, type ResolvedConfig } from './config.js';
import { createRenderer, type Renderer } from './index.js';

const HELP_FOOTER = `Examples:
  template-renderer -consul-addr consul:8500 \\
    -template "/etc/templates/nginx.hbs:/etc/nginx/conf.d/app.conf:nginx -s reload"
  template-renderer -template "/etc/consul-templates/nginx.conf.ctmpl:/etc/nginx/conf.d/app.conf"
  template-renderer -config renderer.yaml -once

Signals: SIGHUP reloads the configuration and templates; SIGTERM/SIGINT stop.
Exit codes: 0 ok, 1 failure, 2 usage, 3 config, 4 template (-once/-dry), 5 command (-once).`;

function fail(error: unknown, log?: Logger): never {
  // A template error's message goes on to show the line with a caret: print it whole for people.
  if (isToolkitError(error, 'E_TEMPLATE') && error.message.includes('\n'))
    process.stderr.write(`${error.message}\n`);
  failAndExit('template-renderer', error, log);
}

function load(): ResolvedConfig {
  return resolveConfig(process.argv.slice(2), process.env, (p) => readFileSync(p, 'utf8'));
}

function build(config: ResolvedConfig, log: Logger): Renderer {
  return createRenderer({
    consul: config.consul,
    templates: config.templates,
    ...(config.wait ? { wait: config.wait } : {}),
    maxStaleMs: config.maxStaleMs,
    outageHoldMs: config.outageHoldMs,
    once: config.once,
    dry: config.dry,
    logger: log,
    env: process.env,
    stdout: process.stdout,
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const help = {
    usage: 'template-renderer [options]',
    description:
      'Renders templates (Handlebars, or Go for .ctmpl/.tmpl) from Consul data and runs a command when the output changes.',
    flags: flagSpecs,
    footer: HELP_FOOTER,
  };
  if (printHelpIfAsked(argv, help)) return;
  let config: ResolvedConfig;
  try {
    config = load();
  } catch (error) {
    fail(error);
  }
  // Logs go to stderr: stdout carries the renders in -dry mode.
  const log = createLogger({
    name: 'template-renderer',
    level: config.logLevel,
    destination: destination({ dest: 2, sync: true }),
  });
  if (config.pidFile) writeFileSync(config.pidFile, `${process.pid}\n`);
  const cleanup = (): void => {
    if (config.pidFile) rmSync(config.pidFile, { force: true });
  };

  let renderer = build(config, log);
  let stopping = false;
  const stop = async (code: number): Promise<never> => {
    stopping = true;
    await renderer.stop().catch(() => undefined);
    cleanup();
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop(EXIT_CODES.ok));
  process.on('SIGINT', () => void stop(config.once ? EXIT_CODES.interrupted : EXIT_CODES.ok));
  process.on('SIGHUP', () => {
    void (async () => {
      if (stopping) return;
      log.info('SIGHUP: reloading configuration and templates');
      let next: ResolvedConfig;
      try {
        next = load();
      } catch (error) {
        log.error({ err: describeError(error) }, 'reload failed; previous configuration kept');
        return;
      }
      if (JSON.stringify(next) === JSON.stringify(config)) {
        await renderer.reload();
        return;
      }
      // The configuration changed: a fresh renderer renders complete data before writing, and
      // writes only changed bytes, so the swap itself never triggers a needless command.
      const fresh = build(next, log);
      try {
        await fresh.start();
      } catch (error) {
        log.error({ err: describeError(error) }, 'reload failed; previous configuration kept');
        return;
      }
      await renderer.stop();
      renderer = fresh;
      config = next;
    })();
  });

  // A full collection after each 64 MB of heap growth (--expose-gc above): common/process/heap-trim.ts.
  startHeapTrim();
  try {
    await renderer.start();
  } catch (error) {
    cleanup();
    fail(error, log);
  }
  if (config.once) {
    try {
      await renderer.firstRender;
    } catch (error) {
      await renderer.stop().catch(() => undefined);
      cleanup();
      fail(error, log);
    }
    await stop(EXIT_CODES.ok);
  }
}

void main();
