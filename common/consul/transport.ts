import { isAscii } from 'node:buffer';
import { EventEmitter } from 'node:events';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { gunzipSync } from 'node:zlib';
import Consul from 'consul';
import { ToolkitError } from '../errors.js';
import { describeConsul, type ConsulConfig } from './config.js';
import { countConnections, emptyTraffic, type ConsulTraffic } from './traffic.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface RawRequest {
  method: 'GET' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Request timeout in ms (a blocking query needs its wait plus a margin). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Answer 404 as a response instead of an error (KV reads of missing keys). */
  allowNotFound?: boolean;
  /** The body as text, not parsed (a caller that reads a large answer its own way). */
  text?: boolean;
}

/**
 * papi decodes by content type only; these first undo gzip (magic bytes 1f 8b) when present.
 * ASCII (nearly every answer) is decoded as latin1, the same characters: Node's UTF-8 decoder
 * took 5-6 ms for the 1 MB catalog summary of 5,000 services, latin1 0.3 ms.
 */
function gunzipped(body: Buffer): string {
  const plain = body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body;
  return isAscii(plain) ? plain.toString('latin1') : plain.toString('utf8');
}
/** The body as text, its bytes (as received) counted as read. */
function bodyText(traffic: ConsulTraffic, body: Buffer): string {
  traffic.bytesRead += body.length;
  return gunzipped(body);
}
function gzipAwareDecoders(traffic: ConsulTraffic): Record<string, (body: Buffer) => unknown> {
  const text = (body: Buffer): string => bodyText(traffic, body);
  return {
    'application/json': (body) => JSON.parse(text(body)),
    'text/json': (body) => JSON.parse(text(body)),
    'text/plain': (body) => text(body),
  };
}

type PapiTransform = (
  request: PapiRequest,
  next: (stop: false, err?: unknown, value?: unknown) => void,
) => void;
interface PapiRequest {
  err?: Error & { statusCode?: number; code?: string };
  res?: { statusCode: number; headers: RawResponse['headers']; body: unknown };
}
interface PapiClient {
  _get(opts: object, transform: PapiTransform): Promise<RawResponse>;
  _put(opts: object, transform: PapiTransform): Promise<RawResponse>;
  _delete(opts: object, transform: PapiTransform): Promise<RawResponse>;
  destroy(): void;
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
]);

/**
 * The `consul` package is the transport (its keep-alive agent, TLS, unix sockets, cancellation),
 * used through its raw request pipeline: its typed helpers re-map field names and drop some
 * (TLSSkipVerify, Status, DeregisterCriticalServiceAfter), and hide the X-Consul-Index header
 * a blocking loop needs.
 */
export class ConsulTransport {
  readonly address: string;
  readonly traffic: ConsulTraffic = emptyTraffic();
  private readonly client: PapiClient;
  private readonly token: string | undefined;

  constructor(config: ConsulConfig) {
    this.address = describeConsul(config);
    this.token = config.token;
    const secure = config.scheme === 'https';
    // The bound is the agent's own: a request beyond it waits for a socket instead of opening one.
    const max = config.maxConns ?? Infinity;
    const bound = {
      keepAlive: true,
      maxSockets: max,
      maxTotalSockets: max,
      maxFreeSockets: Math.min(max, 256),
    };
    const agent = secure
      ? new HttpsAgent({
          ...bound,
          ca: config.tls?.ca,
          cert: config.tls?.cert,
          key: config.tls?.key,
          rejectUnauthorized: !config.tls?.insecureSkipVerify,
        })
      : new HttpAgent(bound);
    countConnections(agent, this.traffic);
    // Consul gzips answers when asked: a blocking read of /catalog/services with 1000 services is
    // 41 KB plain and under 3 KB compressed, and watchers re-read it on every catalog change.
    const opts: Record<string, unknown> = { agent, decoders: gzipAwareDecoders(this.traffic) };
    if (config.scheme === 'unix') {
      opts.baseUrl = 'http://localhost/v1';
      opts.socketPath = config.socketPath;
    } else {
      opts.host = config.host;
      opts.port = config.port;
      opts.secure = secure;
    }
    this.client = new Consul(
      opts as ConstructorParameters<typeof Consul>[0],
    ) as unknown as PapiClient;
  }

  async request(req: RawRequest): Promise<RawResponse> {
    req.signal?.throwIfAborted();
    const ctx = new EventEmitter();
    const onAbort = (): void => void ctx.emit('cancel');
    req.signal?.addEventListener('abort', onAbort, { once: true });
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.query ?? {}))
      if (v !== undefined && v !== false) query[k] = v === true ? '' : String(v);
    const opts = {
      name: `consul ${req.method} ${req.path}`,
      path: req.path,
      query,
      headers: {
        'accept-encoding': 'gzip',
        ...(this.token ? { 'x-consul-token': this.token } : {}),
      },
      type: 'json',
      ...(req.body === undefined ? {} : { body: req.body }),
      ...(req.timeoutMs === undefined ? {} : { timeout: req.timeoutMs }),
      ...(req.text ? { buffer: true } : {}),
      ctx,
    };
    const transform: PapiTransform = (request, next) => {
      const res = request.res;
      if (request.err && !(req.allowNotFound && res?.statusCode === 404))
        return next(false, request.err);
      const body = res?.body;
      next(false, undefined, {
        status: res?.statusCode ?? 0,
        headers: res?.headers ?? {},
        body: req.text ? (Buffer.isBuffer(body) ? bodyText(this.traffic, body) : '') : body,
      });
    };
    try {
      const method = req.method === 'GET' ? '_get' : req.method === 'PUT' ? '_put' : '_delete';
      return await this.client[method](opts, transform);
    } catch (error) {
      throw this.toError(error, req);
    } finally {
      this.traffic.requests++;
      req.signal?.removeEventListener('abort', onAbort);
    }
  }

  close(): void {
    this.client.destroy();
  }

  private toError(error: unknown, req: RawRequest): ToolkitError {
    const err = error as Error & {
      statusCode?: number;
      code?: string;
      isAbort?: boolean;
      isTimeout?: boolean;
    };
    const where = `${req.method} ${req.path} on ${this.address}`;
    if (req.signal?.aborted)
      return new ToolkitError(`consul: ${where} aborted`, { code: 'E_ABORTED', cause: error });
    const status = err.statusCode;
    if (status !== undefined) {
      // 5xx (no leader, agent restarting) and 429 clear up by themselves; 4xx do not.
      const retryable = status >= 500 || status === 429;
      const body = String(
        (err as { response?: { body?: unknown } }).response?.body ?? err.message,
      ).slice(0, 300);
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
}
