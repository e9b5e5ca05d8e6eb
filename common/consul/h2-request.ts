import { constants, type IncomingHttpHeaders } from 'node:http2';
import type { TransportFailure } from './consul-error.js';
import { bodyText, decodeBody } from './decode.js';
import type { H2Slot } from './h2-sessions.js';
import type { ConsulTraffic } from './traffic.js';
import type { RawRequest, RawResponse } from './transport.js';

/** The request's query as both transports send it: flags as empty values; false, unset left out. */
export function queryOf(req: RawRequest): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.query ?? {}))
    if (v !== undefined && v !== false) query[k] = v === true ? '' : String(v);
  return query;
}

/** The request's path with the API prefix and its query, as Consul parses it. */
export function requestPath(req: RawRequest): string {
  const qs = new URLSearchParams(queryOf(req)).toString();
  return `/v1${req.path}${qs ? `?${qs}` : ''}`;
}

function encodeBody(body: unknown): { data?: Buffer; type?: string } {
  if (body === undefined) return {};
  if (Buffer.isBuffer(body)) return { data: body };
  return { data: Buffer.from(JSON.stringify(body)), type: 'application/json' };
}

/**
 * One request on one stream of an HTTP/2 session. Resolves with the answer (decoded as the
 * HTTP/1.1 transport decodes it); rejects with a TransportFailure (a status of 400 and above
 * unless `allowNotFound` and 404, a reset stream, the timeout) or, when `req.signal` aborts,
 * with the abort. An aborted stream is cancelled (RST_STREAM): the agent drops the request at
 * once and the session stays open.
 */
export function h2Request(
  slot: H2Slot,
  req: RawRequest,
  headers: Record<string, string>,
  traffic: ConsulTraffic,
): Promise<RawResponse> {
  const { data, type } = encodeBody(req.body);
  const stream = slot.session.request({
    ':method': req.method,
    ':path': requestPath(req),
    ...headers,
    ...(type ? { 'content-type': type } : {}),
  });
  return new Promise<RawResponse>((resolve, reject) => {
    let answer: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (error: TransportFailure | undefined, res?: RawResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', cancel);
      if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
      if (error) reject(error);
      else resolve(res as RawResponse);
    };
    const cancel = (): void => finish({ code: 'ECONNABORTED', message: 'aborted' });
    // Past its timeout (a blocking query's wait, Consul's jitter and 5 s), the connection is
    // taken for dead, as the HTTP/1.1 transport destroys its socket: every stream on it fails
    // retryably and the next requests open a new session.
    const expire = (): void => {
      finish({ code: 'ETIMEDOUT', isTimeout: true });
      slot.session.destroy();
    };
    const timer = req.timeoutMs === undefined ? undefined : setTimeout(expire, req.timeoutMs);
    req.signal?.addEventListener('abort', cancel, { once: true });
    stream.on('response', (h) => (answer = h));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', (error: Error & { code?: string }) => finish(error));
    stream.on('close', () => finish({ code: 'ERR_HTTP2_STREAM_ERROR', message: 'stream closed' }));
    stream.on('end', () => {
      const status = Number(answer[':status'] ?? 0);
      // A session destroyed under the stream ends it without an answer.
      if (status === 0) return finish({ code: 'ERR_HTTP2_STREAM_ERROR', message: 'no answer' });
      const body = Buffer.concat(chunks);
      if (status >= 400 && !(req.allowNotFound && status === 404))
        return finish({ statusCode: status, response: { body: bodyText(traffic, body) } });
      try {
        const type = answer['content-type'];
        const decoded = decodeBody(traffic, type, body, req.text === true);
        finish(undefined, { status, headers: answer, body: decoded });
      } catch (error) {
        finish({ message: `invalid answer: ${(error as Error).message}` });
      }
    });
    stream.end(data);
  });
}
