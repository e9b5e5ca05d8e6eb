import type { ConsulUsage, RendererStatus } from '../template-renderer/index.js';
import type { CertificateStatus } from './certs/store.js';
import type { Instance, Route, RouteError, RouteTable } from './routes.js';
import type { RouteRate } from './traffic-rates.js';

export interface RenderRecord {
  at: string;
  changed: boolean;
  durationMs: number;
}

export interface ReloadRecord {
  at: string;
  result: 'success' | 'failure';
  durationMs: number;
  generation: number;
  error?: string;
}

export interface ValidationRecord {
  at: string;
  ok: boolean;
  error?: string;
}

export interface ErrorRecord {
  at: string;
  source: 'validation' | 'reload' | 'nginx' | 'render' | 'routes' | 'consul';
  message: string;
}

export interface NginxState {
  running: boolean;
  pid?: number;
  restarts: number;
  startedAt?: string;
}

/**
 * A live route; `protocol`: how its instances are reached (`http`, `https`, `grpc`; http and https
 * carry WebSockets too); `traffic` (lua mode): request rate and 5xx share over the last interval.
 */
export type StatusRoute = Route & { protocol?: 'http' | 'https' | 'grpc'; traffic?: RouteRate };

/** What `/status` returns and the page shows. */
export interface GatewayStatus {
  ready: boolean;
  listen: string;
  consul: string;
  template: string;
  generation: number;
  /** How route and instance changes reach nginx: `lua` (shared dict, no reload) or `reload`. */
  mode?: 'lua' | 'reload';
  nginx: NginxState;
  /** Reload mode's upstream pool nginx (instances live there; changes reload only it). */
  pool?: NginxState & { generation: number };
  lastRender?: RenderRecord;
  lastReload?: ReloadRecord;
  lastValidation?: ValidationRecord;
  routes: StatusRoute[];
  instances: Instance[];
  routeErrors: RouteError[];
  /** Recent errors, newest first. */
  errors: ErrorRecord[];
  consulQueries: { key: string; error?: string; lastOkAt?: string; watch?: string }[];
  /** Connection budget and what the watches cost the agent (absent before the renderer runs). */
  consulUsage?: ConsulUsage;
  /** With --https-listen: every certificate of every source (never any PEM text). */
  certificates?: CertificateStatus[];
}

const MAX_ERRORS = 25;

/** The gateway's observable state; components record into it, the status app reads it. */
export class StatusStore {
  private readonly data: GatewayStatus;
  private traffic: () => ReadonlyMap<string, RouteRate> = () => new Map();

  constructor(base: { listen: string; consul: string; template: string }) {
    this.data = {
      ready: false,
      ...base,
      generation: 0,
      nginx: { running: false, restarts: 0 },
      pool: { running: false, restarts: 0, generation: 0 },
      routes: [],
      instances: [],
      routeErrors: [],
      errors: [],
      consulQueries: [],
    };
  }

  snapshot(): GatewayStatus {
    const s = structuredClone(this.data);
    const rates = this.traffic();
    for (const r of s.routes) {
      r.protocol = r.proto ?? 'http';
      const rate = rates.get(r.upstream);
      if (rate) r.traffic = rate;
    }
    return s;
  }

  /** The routes that are live now (no copy: read only). */
  liveRoutes(): readonly Route[] {
    return this.data.routes;
  }

  /** Where the per-route rates come from (the traffic monitor, lua mode). */
  bindTraffic(read: () => ReadonlyMap<string, RouteRate>): void {
    this.traffic = read;
  }

  get ready(): boolean {
    return this.data.ready;
  }

  get generation(): number {
    return this.data.generation;
  }

  setReady(ready: boolean): void {
    this.data.ready = ready;
  }

  nginx(update: Partial<NginxState>, tier: 'edge' | 'pool' = 'edge'): void {
    const target = tier === 'edge' ? this.data.nginx : this.data.pool;
    if (!target) return;
    Object.assign(target, update);
    if (!target.running) delete target.pid;
  }

  /** The mode in use; only reload mode has an upstream pool nginx. */
  setMode(mode: 'lua' | 'reload'): void {
    this.data.mode = mode;
    if (mode === 'lua') delete this.data.pool;
  }

  poolGeneration(generation: number): void {
    if (this.data.pool) this.data.pool.generation = generation;
  }

  render(record: RenderRecord): void {
    this.data.lastRender = record;
  }

  validation(record: ValidationRecord): void {
    this.data.lastValidation = record;
    if (!record.ok && record.error) this.error('validation', record.error);
  }

  reload(record: ReloadRecord): void {
    this.data.lastReload = record;
    if (record.result === 'success') this.data.generation = record.generation;
    else if (record.error) this.error('reload', record.error);
  }

  /** The table that is live now (set when its configuration was confirmed). */
  table(table: RouteTable): void {
    this.data.routes = table.routes;
    this.data.instances = table.instances;
    this.data.routeErrors = table.errors;
  }

  consulQueries(queries: GatewayStatus['consulQueries']): void {
    this.data.consulQueries = queries;
  }

  error(source: ErrorRecord['source'], message: string): void {
    this.data.errors.unshift({ at: new Date().toISOString(), source, message });
    this.data.errors.length = Math.min(this.data.errors.length, MAX_ERRORS);
  }
}

/** The renderer's Consul queries (key NULs shown as spaces) and connection usage, into `s`. */
export function addRendererStatus(s: GatewayStatus, rs: RendererStatus | undefined): void {
  s.consulQueries = (rs?.queries ?? []).map((q) => ({
    key: q.key.replace(/\0/g, ' '),
    ...(q.watch ? { watch: q.watch } : {}),
    ...(q.error ? { error: q.error } : {}),
    ...(q.lastOkAt ? { lastOkAt: q.lastOkAt } : {}),
  }));
  if (rs) s.consulUsage = rs.consul;
}
