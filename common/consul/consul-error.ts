import { ToolkitError } from '../errors.js';

/** A failure as either transport reports it (the `consul` package's errors have this shape). */
export interface TransportFailure {
  statusCode?: number;
  code?: string;
  isTimeout?: boolean;
  message?: string;
  response?: { body?: unknown };
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOENT',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'EADDRNOTAVAIL',
  // HTTP/2: the session went away (agent restarting) or a stream was refused or reset.
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_INVALID_SESSION',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_STREAM_CANCEL',
  'ERR_HTTP2_ERROR',
  'ERR_HTTP2_OUT_OF_STREAMS',
]);

/**
 * One ToolkitError for a failed request, whichever transport carried it: E_ABORTED when the
 * caller aborted; E_CONSUL_UNAVAILABLE (retryable) for 5xx, 429, timeouts and lost connections;
 * E_CONSUL_REQUEST for other statuses (our request is wrong).
 */
export function consulError(
  error: unknown,
  where: string,
  aborted: boolean | undefined,
): ToolkitError {
  const err = (error ?? {}) as TransportFailure;
  if (aborted)
    return new ToolkitError(`consul: ${where} aborted`, { code: 'E_ABORTED', cause: error });
  const status = err.statusCode;
  if (status !== undefined) {
    // 5xx (no leader, agent restarting) and 429 clear up by themselves; 4xx do not.
    const retryable = status >= 500 || status === 429;
    const body = String(err.response?.body ?? err.message).slice(0, 300);
    return new ToolkitError(`consul: ${where} answered ${status}: ${body.trim()}`, {
      code: retryable ? 'E_CONSUL_UNAVAILABLE' : 'E_CONSUL_REQUEST',
      retryable,
      cause: error,
      details: { status },
    });
  }
  const code = err.code ?? (err.isTimeout ? 'ETIMEDOUT' : undefined);
  const retryable = code === undefined || CONNECTION_CODES.has(code) || err.isTimeout === true;
  return new ToolkitError(`consul: ${where} failed: ${code ?? err.message}`, {
    code: 'E_CONSUL_UNAVAILABLE',
    retryable,
    cause: error,
  });
}
