/**
 * One error class for the whole toolkit, in the style of execa: stable `code`, a `retryable`
 * mark that retry loops read, and the underlying `cause`. Programs map codes to exit codes in
 * their own CLI table; library code only throws.
 */
export type ErrorCode =
  | 'E_CONFIG' // bad flag, env or config file value
  | 'E_USAGE' // bad command line shape
  | 'E_CONSUL_UNAVAILABLE' // connection refused, reset, timeout, 5xx
  | 'E_CONSUL_REQUEST' // Consul answered 4xx: our request is wrong
  | 'E_DOCKER_UNAVAILABLE'
  | 'E_DOCKER_REQUEST'
  | 'E_TEMPLATE' // template parse or render error
  | 'E_WRITE' // writing an output file failed
  | 'E_COMMAND' // a command exited non-zero or timed out
  | 'E_NGINX' // nginx refused a config or failed to start
  | 'E_CERTIFICATE' // a TLS certificate or key was rejected (details.reason says why)
  | 'E_ABORTED'
  | 'E_INTERNAL';

export interface ToolkitErrorOptions {
  code: ErrorCode;
  retryable?: boolean;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class ToolkitError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(message: string, options: ToolkitErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ToolkitError';
    this.code = options.code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }
}

export function isToolkitError(error: unknown, code?: ErrorCode): error is ToolkitError {
  return error instanceof ToolkitError && (code === undefined || error.code === code);
}

/** Whether a retry loop should try again: toolkit errors say so; unknown errors do not. */
export function isRetryable(error: unknown): boolean {
  return error instanceof ToolkitError && error.retryable;
}

/** A short, single-line description for logs; never includes request headers (tokens). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}

/** A configuration error naming the option, what was expected and what was received. */
export function configError(option: string, expected: string, received: unknown): ToolkitError {
  const shown = typeof received === 'string' ? JSON.stringify(received) : String(received);
  return new ToolkitError(`${option}: expected ${expected}, received ${shown}`, {
    code: 'E_CONFIG',
    details: { option },
  });
}
