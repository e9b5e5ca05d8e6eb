import type { ConsulConfig } from './config.js';
import { ConsulTransport, type RawResponse } from './transport.js';
import type {
  Blocking,
  ConsulAgentService,
  ConsulCheck,
  ConsulHealthEntry,
  ConsulKvPair,
  ConsulNode,
  ConsulServiceDefinition,
  QueryOptions,
} from './types.js';

/** Consul adds up to wait/16 of jitter to a blocking query; allow that plus network slack. */
function blockingTimeout(waitMs: number | undefined): number {
  return waitMs === undefined ? 15_000 : waitMs + waitMs / 16 + 5_000;
}

function header(res: RawResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The one Consul client of the toolkit: blocking reads return `{data, index}`, agent writes
 * return nothing. Every failure is a ToolkitError (E_CONSUL_UNAVAILABLE is marked retryable).
 */
export class ConsulClient {
  readonly transport: ConsulTransport;

  constructor(config: ConsulConfig) {
    this.transport = new ConsulTransport(config);
  }

  get address(): string {
    return this.transport.address;
  }

  close(): void {
    this.transport.close();
  }

  /** A read at `path`, blocking when `opts.index` is set. */
  read<T>(
    path: string,
    query: Record<string, string | boolean | undefined>,
    opts: QueryOptions = {},
    fallback?: T,
  ): Promise<Blocking<T>> {
    return this.get<T>(path, query, opts, fallback, false);
  }

  /** `read`, the answer as text (unparsed; gzip undone): for callers that scan a large answer. */
  readText(
    path: string,
    query: Record<string, string | boolean | undefined>,
    opts: QueryOptions = {},
  ): Promise<Blocking<string>> {
    return this.get<string>(path, query, opts, undefined, true);
  }

  private async get<T>(
    path: string,
    query: Record<string, string | boolean | undefined>,
    opts: QueryOptions,
    fallback: T | undefined,
    text: boolean,
  ): Promise<Blocking<T>> {
    const blocking = opts.index !== undefined && opts.index > 0;
    const res = await this.transport.request({
      method: 'GET',
      path,
      query: {
        ...query,
        dc: opts.dc,
        stale: opts.stale,
        index: blocking ? String(opts.index) : undefined,
        wait: blocking && opts.waitMs !== undefined ? `${Math.round(opts.waitMs)}ms` : undefined,
      },
      timeoutMs: blocking ? blockingTimeout(opts.waitMs) : 15_000,
      signal: opts.signal,
      allowNotFound: fallback !== undefined,
      text,
    });
    const index = Number(header(res, 'x-consul-index') ?? 0);
    return {
      data: (res.status === 404 ? fallback : res.body) as T,
      index: Number.isFinite(index) ? index : 0,
      knownLeader: header(res, 'x-consul-knownleader') !== 'false',
      lastContactMs: Number(header(res, 'x-consul-lastcontact') ?? 0),
    };
  }

  // ---- catalog and health (template-renderer) ----

  healthService(
    name: string,
    filter: { tag?: string; passingOnly?: boolean; near?: string },
    opts?: QueryOptions,
  ): Promise<Blocking<ConsulHealthEntry[]>> {
    return this.read(
      `/health/service/${encodeURIComponent(name)}`,
      { tag: filter.tag, passing: filter.passingOnly, near: filter.near },
      opts,
    );
  }

  catalogServices(opts?: QueryOptions): Promise<Blocking<Record<string, string[]>>> {
    return this.read('/catalog/services', {}, opts);
  }

  catalogNodes(opts?: QueryOptions): Promise<Blocking<ConsulNode[]>> {
    return this.read('/catalog/nodes', {}, opts);
  }

  catalogNode(
    node: string,
    opts?: QueryOptions,
  ): Promise<Blocking<{ Node: ConsulNode; Services: Record<string, ConsulAgentService> } | null>> {
    return this.read(`/catalog/node/${encodeURIComponent(node)}`, {}, opts);
  }

  datacenters(opts?: QueryOptions): Promise<Blocking<string[]>> {
    return this.read('/catalog/datacenters', {}, opts);
  }

  /** Pairs under `key` (recursive) or the single pair; [] when none. */
  kvGet(key: string, recurse: boolean, opts?: QueryOptions): Promise<Blocking<ConsulKvPair[]>> {
    return this.read(`/kv/${encodeKey(key)}`, { recurse }, opts, []);
  }

  kvPut(key: string, value: string): Promise<RawResponse> {
    return this.transport.request({
      method: 'PUT',
      path: `/kv/${encodeKey(key)}`,
      body: Buffer.from(value),
    });
  }

  kvDelete(key: string, recurse = false): Promise<RawResponse> {
    return this.transport.request({
      method: 'DELETE',
      path: `/kv/${encodeKey(key)}`,
      query: { recurse },
    });
  }

  // ---- agent (registrator) ----

  async leader(): Promise<string> {
    const res = await this.transport.request({
      method: 'GET',
      path: '/status/leader',
      timeoutMs: 5_000,
    });
    return String(res.body ?? '');
  }

  async agentSelf(): Promise<{
    Config: { NodeName: string; Datacenter: string };
    Member?: { Addr: string };
  }> {
    const res = await this.transport.request({
      method: 'GET',
      path: '/agent/self',
      timeoutMs: 5_000,
    });
    return res.body as { Config: { NodeName: string; Datacenter: string } };
  }

  async agentServices(): Promise<Record<string, ConsulAgentService>> {
    return (await this.transport.request({ method: 'GET', path: '/agent/services' }))
      .body as Record<string, ConsulAgentService>;
  }

  async agentChecks(): Promise<Record<string, ConsulCheck>> {
    return (await this.transport.request({ method: 'GET', path: '/agent/checks' })).body as Record<
      string,
      ConsulCheck
    >;
  }

  async registerService(service: ConsulServiceDefinition): Promise<void> {
    await this.transport.request({ method: 'PUT', path: '/agent/service/register', body: service });
  }

  async deregisterService(id: string): Promise<void> {
    await this.transport.request({
      method: 'PUT',
      path: `/agent/service/deregister/${encodeURIComponent(id)}`,
    });
  }

  /** Sets a TTL check's state (`pass`, `warn`, `fail`) with an optional note. */
  async updateTtlCheck(
    checkId: string,
    state: 'pass' | 'warn' | 'fail',
    note?: string,
  ): Promise<void> {
    await this.transport.request({
      method: 'PUT',
      path: `/agent/check/${state}/${encodeURIComponent(checkId)}`,
      query: { note },
    });
  }
}

/** KV keys keep their slashes; every segment is escaped. */
function encodeKey(key: string): string {
  return key.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/');
}
