import { describeError, isToolkitError, type ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { formatHelp, wantsHelp, type FlagSpec } from './argv.js';

/**
 * The exit-code table shared by every CLI (documented in each program's README), and the CLIs'
 * shared scaffolding. Only the programs' cli.ts files and this module call process.exit, with a
 * value from here.
 */
export const EXIT_CODES = {
  ok: 0,
  failure: 1, // unexpected internal error
  usage: 2, // bad flags or arguments
  config: 3, // bad configuration value or file
  template: 4, // template error in -once / -dry mode
  command: 5, // a command failed in -once mode
  unavailable: 6, // a dependency stayed unreachable past the configured retries
  interrupted: 130, // stopped by SIGINT before finishing a -once run
} as const;

export function exitCodeFor(error: unknown): number {
  if (!isToolkitError(error)) return EXIT_CODES.failure;
  const table: Partial<Record<ErrorCode, number>> = {
    E_USAGE: EXIT_CODES.usage,
    E_CONFIG: EXIT_CODES.config,
    E_TEMPLATE: EXIT_CODES.template,
    E_WRITE: EXIT_CODES.failure,
    E_COMMAND: EXIT_CODES.command,
    E_NGINX: EXIT_CODES.failure,
    E_CONSUL_UNAVAILABLE: EXIT_CODES.unavailable,
    E_DOCKER_UNAVAILABLE: EXIT_CODES.unavailable,
    E_ABORTED: EXIT_CODES.interrupted,
  };
  return table[error.code] ?? EXIT_CODES.failure;
}

/** What every CLI prints for --help. */
export interface CliHelp {
  usage: string;
  description: string;
  flags: readonly FlagSpec[];
  footer: string;
}

/** Prints the help and returns true when argv asks for it (`-h`, `--help`). */
export function printHelpIfAsked(argv: readonly string[], help: CliHelp): boolean {
  if (!wantsHelp(argv)) return false;
  process.stdout.write(formatHelp(help.usage, help.description, help.flags, help.footer) + '\n');
  return true;
}

/**
 * Reports a fatal error (through the logger once there is one, else on stderr) and exits with
 * the code the table gives it.
 */
export function failAndExit(program: string, error: unknown, log?: Logger): never {
  const message = describeError(error);
  if (log)
    log.fatal(
      { err: message, code: isToolkitError(error) ? error.code : undefined },
      `${program} failed`,
    );
  else process.stderr.write(`${program}: ${message}\n`);
  process.exit(exitCodeFor(error));
}
