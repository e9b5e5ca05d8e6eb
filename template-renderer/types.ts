import type { ConsulConfig } from '../common/consul/config.js';
import type { Logger } from '../common/log.js';
import type { Syntax } from './syntax/engine.js';

/** One template to render: where it comes from, where it goes, what runs when it changed. */
export interface TemplateConfig {
  /** Template file path (watched with chokidar). */
  source?: string;
  /** Inline template text instead of `source`. */
  contents?: string;
  destination: string;
  /** Shell command run (through /bin/sh) when the output changed. */
  command?: string;
  /** Library callers: awaited when output changed (after `command`); a throw is logged like a failed command. */
  exec?: (event: RenderEvent) => Promise<void>;
  commandTimeoutMs?: number;
  /** File mode of the destination (default: the existing file's mode, else 0o644). */
  perms?: number;
  /** Keep the previous output as `<destination>.bak`. */
  backup?: boolean;
  /** Create missing parent folders of the destination (default true). */
  createDestDirs?: boolean;
  /** Template language; default: Go's text/template for `.ctmpl`/`.tmpl` sources, else Handlebars. */
  syntax?: Syntax;
  leftDelimiter?: string;
  rightDelimiter?: string;
  /** Handlebars strict mode: a missing field is a render error instead of "". */
  errorOnMissingKey?: boolean;
  /** Per-template quiescence, overriding the renderer's. */
  wait?: { minMs: number; maxMs: number };
}

export interface RenderEvent {
  destination: string;
  changed: boolean;
  contents: string;
  durationMs: number;
}

/** A health-service instance as templates see it (consul-template's HealthService). */
export interface ServiceEntry {
  ID: string;
  Name: string;
  Node: string;
  NodeAddress: string;
  /** The node's ID, tagged addresses and metadata (consul-template's NodeID, NodeTaggedAddresses, NodeMeta). */
  NodeID?: string;
  NodeTaggedAddresses?: Record<string, string>;
  NodeMeta?: Record<string, string>;
  /** The service address, or the node's address when the service has none. */
  Address: string;
  Port: number;
  Tags: string[];
  Meta: Record<string, string>;
  /** Aggregate of the checks: critical > warning > passing (maintenance counts as critical). */
  Status: string;
  Checks: { CheckID: string; Name: string; Status: string; Output: string }[];
}

export interface CatalogService {
  Name: string;
  Tags: string[];
}

export interface CatalogNode {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string>;
  Meta: Record<string, string>;
}

export interface NodeServices {
  Node: CatalogNode;
  Services: {
    ID: string;
    Service: string;
    Tags: string[];
    Meta: Record<string, string>;
    Port: number;
    Address: string;
  }[];
}

export interface KeyPair {
  /** Key relative to the queried prefix (ls/tree) or the full key. */
  Key: string;
  /** Full key path. */
  Path: string;
  Value: string;
  Flags: number;
  CreateIndex: number;
  ModifyIndex: number;
}

/** What custom helpers (and the gateway) can read: the same store and dependency tracking as built-ins. */
export interface HelperContext {
  /** Healthy instances by default, same as the `service` helper; undefined while no data yet. */
  service(query: string): ServiceEntry[] | undefined;
  services(query?: string): CatalogService[] | undefined;
  /** Every key below a KV prefix (the `tree` helper's watch: blocking, within the budget). */
  tree(prefix: string): KeyPair[] | undefined;
}

export type HelperFactory = (ctx: HelperContext) => (...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface RendererOptions {
  consul: ConsulConfig;
  templates: TemplateConfig[];
  /** Default quiescence (0/0 like consul-template: render as soon as data changes). */
  wait?: { minMs: number; maxMs: number };
  /** Allow stale reads from any server while its last contact with the leader is below this. */
  maxStaleMs?: number;
  /** Render every template once (with complete data), run commands, then stop. */
  once?: boolean;
  /** Print renders to `stdout` instead of writing files; run no commands. */
  dry?: boolean;
  logger?: Logger;
  /** For the `env` helper; the library never reads process.env. */
  env?: Record<string, string | undefined>;
  stdout?: NodeJS.WritableStream;
  helpers?: Record<string, HelperFactory>;
  /** Longest time Consul may hold a blocking query (default 60 s; 5 min over HTTP/2). */
  blockWaitMs?: number;
  /** Minimum time between two requests of one watch (default 50 ms; protects Consul from hot loops). */
  minDelayMs?: number;
  /**
   * After Consul failed to answer, keep the last output this long once it answers again (default
   * 0). A restarted agent comes back with an empty catalog until registrators re-register: a
   * hold keeps that transient emptiness out of the output.
   */
  outageHoldMs?: number;
}

export interface TemplateStatus {
  destination: string;
  source?: string;
  lastRenderAt?: string;
  lastChangeAt?: string;
  renders: number;
  /** Whether every query the template used had data at its last render. */
  complete: boolean;
  lastError?: string;
}

export interface QueryStatus {
  key: string;
  /** How it is kept current: its own blocking query, a change feed, or polling (see README). */
  watch?: 'blocking' | 'shared' | 'polled';
  index: number;
  lastOkAt?: string;
  error?: string;
  hasData: boolean;
}

/** The connection budget and what the watches cost the agent so far. */
export interface ConsulUsage {
  maxConns: number;
  openConnections: number;
  peakConnections: number;
  requests: number;
  /** Response body bytes as received (gzipped). */
  bytesRead: number;
  /** Queries with a blocking connection of their own. */
  blocking: number;
  /** Queries followed by a change feed and read through the pool. */
  shared: number;
  /** Queries polled through the pool. */
  polled: number;
  /** Change feeds (one blocking connection each). */
  feeds: number;
}

export interface RendererStatus {
  running: boolean;
  templates: TemplateStatus[];
  queries: QueryStatus[];
  consul: ConsulUsage;
}

export interface Renderer {
  /** Returns once watching has begun. */
  start(): Promise<void>;
  /** Resolves when every template has rendered once with complete data. */
  firstRender: Promise<void>;
  /** Forces a render round now (runs exec/command only if output changed). */
  rerender(): Promise<void>;
  /** Re-reads template files. */
  reload(): Promise<void>;
  stop(): Promise<void>;
  status(): RendererStatus;
  /** The connection budget and traffic alone (cheap: no per-query list). */
  consulUsage(): ConsulUsage;
  on(event: 'render', fn: (e: RenderEvent) => void): this;
  on(event: 'error', fn: (e: Error) => void): this;
}
