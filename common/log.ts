import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { configError } from './errors.js';

export type { Logger } from 'pino';

export const LOG_LEVELS: readonly LevelWithSilent[] = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
  'silent',
];

/** pino's single-defaults-object style: every program builds its root logger from this. */
export const logDefaults = {
  level: 'info' as LevelWithSilent,
  // Tokens must never reach a log line, whatever object carries them.
  redact: {
    paths: [
      'token',
      '*.token',
      'config.consul.token',
      'headers["x-consul-token"]',
      'headers.authorization',
    ],
    censor: '[redacted]',
  },
};

export interface LogOptions {
  name: string;
  level?: string;
  destination?: DestinationStream;
}

export function parseLogLevel(value: string, option = '--log-level'): LevelWithSilent {
  const level = value.toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LevelWithSilent;
  if (level === 'warning') return 'warn';
  if (level === 'err') return 'error';
  throw configError(option, `one of ${LOG_LEVELS.join(', ')}`, value);
}

export function createLogger(options: LogOptions): Logger {
  const level = options.level === undefined ? logDefaults.level : parseLogLevel(options.level);
  const opts = { ...logDefaults, name: options.name, level };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}
