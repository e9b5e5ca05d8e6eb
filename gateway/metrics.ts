import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ConsulUsage } from '../template-renderer/index.js';

/** The gateway's Prometheus metrics, on their own registry (one per gateway instance). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly renders = new Counter({
    name: 'gateway_renders_total',
    help: 'Routing configurations rendered by the template',
    labelNames: ['changed'] as const,
    registers: [this.registry],
  });
  readonly reloads = new Counter({
    name: 'gateway_reloads_total',
    help: 'nginx reloads by tier (edge: client-facing, pool: upstreams) and result (success: the new generation answered)',
    labelNames: ['tier', 'result'] as const,
    registers: [this.registry],
  });
  readonly poolUpdates = new Counter({
    name: 'gateway_pool_updates_total',
    help: 'Pool membership changes applied, by mode (lua: shared dict update, no reload; reload: new pool config) and result',
    labelNames: ['mode', 'result'] as const,
    registers: [this.registry],
  });
  readonly validationFailures = new Counter({
    name: 'gateway_config_validation_failures_total',
    help: 'Candidate configurations that nginx -t rejected (never applied)',
    registers: [this.registry],
  });
  readonly reloadDuration = new Histogram({
    name: 'gateway_reload_duration_seconds',
    help: 'Time from candidate to confirmed live configuration (validate, swap, reload, confirm)',
    labelNames: ['tier'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly generation = new Gauge({
    name: 'gateway_config_generation',
    help: 'Generation of the configuration nginx is running',
    registers: [this.registry],
  });
  readonly routes = new Gauge({
    name: 'gateway_routes',
    help: 'Routes in the applied configuration',
    registers: [this.registry],
  });
  readonly healthyInstances = new Gauge({
    name: 'gateway_healthy_instances',
    help: 'Healthy instances per routed service',
    labelNames: ['service'] as const,
    registers: [this.registry],
  });
  readonly routeErrors = new Gauge({
    name: 'gateway_route_errors',
    help: 'Routing values dropped because they failed validation',
    registers: [this.registry],
  });
  readonly nginxRestarts = new Counter({
    name: 'gateway_nginx_restarts_total',
    help: 'Times nginx died unexpectedly and was restarted',
    labelNames: ['tier'] as const,
    registers: [this.registry],
  });
  readonly nginxUp = new Gauge({
    name: 'gateway_nginx_up',
    help: '1 while the nginx master process of a tier runs',
    labelNames: ['tier'] as const,
    registers: [this.registry],
  });

  private consulUsage: () => ConsulUsage | undefined = () => undefined;
  readonly consulConnections = new Gauge({
    name: 'gateway_consul_connections',
    help: 'TCP connections to the Consul agent: open now (state=open), most at once (peak), the budget (max)',
    labelNames: ['state'] as const,
    registers: [this.registry],
    collect: () => {
      const u = this.consulUsage();
      if (!u) return;
      this.consulConnections.set({ state: 'open' }, u.openConnections);
      this.consulConnections.set({ state: 'peak' }, u.peakConnections);
      this.consulConnections.set({ state: 'max' }, u.maxConns);
    },
  });
  readonly consulWatches = new Gauge({
    name: 'gateway_consul_watches',
    help: 'Consul queries by how they are kept current (blocking: own connection; shared: change feed + pool; polled)',
    labelNames: ['mode'] as const,
    registers: [this.registry],
    collect: () => {
      const u = this.consulUsage();
      if (!u) return;
      for (const mode of ['blocking', 'shared', 'polled', 'feeds'] as const)
        this.consulWatches.set({ mode }, u[mode]);
    },
  });
  readonly consulRequests: Counter = new Counter({
    name: 'gateway_consul_requests_total',
    help: 'HTTP requests made to the Consul agent',
    registers: [this.registry],
    collect: (): void => this.catchUp(this.consulRequests, this.consulUsage()?.requests),
  });
  readonly consulBytes: Counter = new Counter({
    name: 'gateway_consul_read_bytes_total',
    help: 'Response body bytes read from the Consul agent, as received (gzipped)',
    registers: [this.registry],
    collect: (): void => this.catchUp(this.consulBytes, this.consulUsage()?.bytesRead),
  });
  private readonly seen = new Map<Counter, number>();
  /** The healthy-instance counts last set, per service. */
  private healthy = new Map<string, number>();

  /** Where the Consul figures come from (the embedded renderer's status). */
  bindConsulUsage(read: () => ConsulUsage | undefined): void {
    this.consulUsage = read;
  }

  /** A counter that mirrors a running total kept elsewhere. */
  private catchUp(counter: Counter, total: number | undefined): void {
    if (total === undefined) return;
    const delta = total - (this.seen.get(counter) ?? 0);
    if (delta > 0) counter.inc(delta);
    this.seen.set(counter, total);
  }

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'gateway_' });
    for (const tier of ['edge', 'pool'])
      for (const result of ['success', 'failure']) this.reloads.inc({ tier, result }, 0);
    for (const mode of ['lua', 'reload'])
      for (const result of ['success', 'failure']) this.poolUpdates.inc({ mode, result }, 0);
  }

  /** Healthy-instance gauges follow the routed services (vanished services are removed). */
  setHealthy(counts: ReadonlyMap<string, number>): void {
    // Only what changed: a one-instance change sets one gauge, not one per routed service.
    let kept = 0;
    for (const [service, n] of counts) {
      const was = this.healthy.get(service);
      if (was !== undefined) kept++;
      if (was !== n) this.healthyInstances.set({ service }, n);
    }
    // Some service went only when fewer of the old ones are still counted.
    if (kept < this.healthy.size)
      for (const service of this.healthy.keys())
        if (!counts.has(service)) this.healthyInstances.remove({ service });
    this.healthy = new Map(counts);
  }
}
