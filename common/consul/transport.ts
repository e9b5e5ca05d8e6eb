import { EventEmitter } from 'node:events';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import Consul from 'consul';
import { ToolkitError } from '../errors.js';
import { describeConsul, type ConsulConfig } from './config.js';
import { consulError } from './consul-error.js';
import { bodyText, gzipAwareDecoders } from './decode.js';
import { H2Pool } from './h2-pool.js';
import { h2Request, queryOf } from './h2-request.js';
import { negotiateH2, type H2Target } from './h2-sessions.js';
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

/**
 * Two transports behind one `request`. Plain HTTP and unix sockets: the `consul` package (its
 * keep-alive agent, cancellation), used through its raw request pipeline: its typed helpers
 * re-map field names and drop some (TLSSkipVerify, Status, DeregisterCriticalServiceAfter), and
 * hide the X-Consul-Index header a blocking loop needs. HTTPS: the first request asks the agent
 * for HTTP/2 (ALPN); Consul's HTTPS port speaks it, and then every request is a stream of a few
 * multiplexed sessions, so thousands of blocking queries fit in the connection bound. An agent
 * that answers HTTP/1.1 gets the `consul` package's HTTPS agent instead.
 */
export class ConsulTransport {
  readonly address: string;
  readonly traffic: ConsulTraffic = emptyTraffic();
  private readonly client: PapiClient;
  /** Sent with every request (built once: over HTTP/2 thousands of requests are in flight). */
  private readonly headers: Readonly<Record<string, string>>;
  private readonly h2Target: H2Target | undefined;
  private h2: H2Pool | undefined;
  private negotiated: boolean;
  private negotiating: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly config: ConsulConfig) {
    this.address = describeConsul(config);
    this.headers = {
      'accept-encoding': 'gzip',
      ...(config.token ? { 'x-consul-token': config.token } : {}),
    };
    const secure = config.scheme === 'https';
    const tls = {
      ca: config.tls?.ca,
      cert: config.tls?.cert,
      key: config.tls?.key,
      rejectUnauthorized: !config.tls?.insecureSkipVerify,
    };
    const { host, port, pingMs } = config;
    this.h2Target = secure ? { host, port, tls, ...(pingMs ? { pingMs } : {}) } : undefined;
    this.negotiated = !secure;
    // The bound is the agent's own: a request beyond it waits for a socket instead of opening one.
    const max = config.maxConns ?? Infinity;
    const bound = {
      keepAlive: true,
      maxSockets: max,
      maxTotalSockets: max,
      maxFreeSockets: Math.min(max, 256),
    };
    const agent = secure ? new HttpsAgent({ ...bound, ...tls }) : new HttpAgent(bound);
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

  /**
   * How many requests one connection carries at once: the agent's HTTP/2 stream limit (250 for
   * Consul) once an HTTPS agent agreed to HTTP/2, else 1. Known after `negotiate()`.
   */
  get requestsPerConnection(): number {
    return this.h2?.streamsPerSession ?? 1;
  }

  /**
   * Settles which protocol an HTTPS agent speaks (at once for plain HTTP and unix sockets, and
   * once settled). Throws the connection's error, retryably, when the agent cannot be reached.
   */
  async negotiate(): Promise<void> {
    if (this.negotiated) return;
    this.negotiating ??= this.tryNegotiate()
      .catch((error: unknown) => {
        throw consulError(error, `connect to ${this.address}`, false);
      })
      .finally(() => (this.negotiating = undefined));
    await this.negotiating;
  }

  async request(req: RawRequest): Promise<RawResponse> {
    const where = `${req.method} ${req.path} on ${this.address}`;
    try {
      req.signal?.throwIfAborted();
      if (!this.negotiated) await this.negotiate();
      return await (this.h2 ? this.viaH2(this.h2, req) : this.viaHttp1(req));
    } catch (error) {
      throw error instanceof ToolkitError ? error : consulError(error, where, req.signal?.aborted);
    } finally {
      this.traffic.requests++;
    }
  }

  close(): void {
    this.closed = true;
    this.client.destroy();
    this.h2?.close();
  }

  private async tryNegotiate(): Promise<void> {
    const target = this.h2Target as H2Target;
    const first = await negotiateH2(target);
    if (first) {
      const pool = new H2Pool(target, this.config.maxConns ?? 10_000, this.traffic, first);
      if (this.closed) pool.close();
      this.h2 = pool;
    }
    this.negotiated = true;
  }

  private async viaH2(pool: H2Pool, req: RawRequest): Promise<RawResponse> {
    const slot = await pool.acquire(req.signal);
    try {
      req.signal?.throwIfAborted(); // aborted while a session was being opened
      return await h2Request(slot, req, this.headers, this.traffic);
    } finally {
      pool.release(slot);
    }
  }

  private async viaHttp1(req: RawRequest): Promise<RawResponse> {
    const ctx = new EventEmitter();
    const onAbort = (): void => void ctx.emit('cancel');
    req.signal?.addEventListener('abort', onAbort, { once: true });
    const opts = {
      name: `consul ${req.method} ${req.path}`,
      path: req.path,
      query: queryOf(req),
      headers: this.headers,
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
    } finally {
      req.signal?.removeEventListener('abort', onAbort);
    }
  }
}
