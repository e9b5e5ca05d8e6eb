import { request } from 'node:http';
import type { Registry } from 'prom-client';
import { describeError, ToolkitError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { Route } from './routes.js';
import { MAX_DUMP_BYTES, parseTrafficDump, type Connections } from './traffic-dump.js';
import { TRAFFIC_PATH } from './traffic-lua.js';
import { registerTrafficMetrics } from './traffic-metrics.js';
import { RateWindow, rateCounts, type RouteRate } from './traffic-rates.js';
import { groupByRoute, trafficSeries, type TrafficSeries } from './traffic-series.js';
import { TrafficTotals } from './traffic-totals.js';

export interface TrafficMonitorOptions {
  /** The control socket of the nginx that counts (the location at TRAFFIC_PATH). */
  socketPath: string;
  /** The live route table's routes (labels come from there only). */
  routes: () => readonly Route[];
  /** How often to read the counters for the rates (default 5 s; scrapes read them too). */
  intervalMs?: number;
  timeoutMs?: number;
  logger?: Logger;
}

/** GET the dump over the unix socket; rejects with E_NGINX when nginx does not answer 200. */
export function fetchTrafficDump(socketPath: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const fail = (message: string, cause?: unknown): void =>
      reject(new ToolkitError(`traffic dump: ${message}`, { code: 'E_NGINX', cause }));
    const req = request(
      { socketPath, path: TRAFFIC_PATH, timeout: timeoutMs, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
          if (text.length > MAX_DUMP_BYTES) req.destroy(new Error('dump too large'));
        });
        res.on('end', () =>
          res.statusCode === 200 ? resolve(text) : fail(`nginx answered ${res.statusCode}`),
        );
        res.on('error', (e) => fail(describeError(e), e));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => fail(describeError(e), e));
    req.end();
  });
}

/**
 * Reads nginx's traffic counters (lua mode) and keeps them as monotonic totals: on every scrape
 * of /metrics (one read shared by the metrics of that scrape) and every `intervalMs` for the
 * per-route rates of /status. When nginx does not answer, the last totals stay exposed.
 */
export class TrafficMonitor {
  private readonly totals = new TrafficTotals();
  private readonly window: RateWindow;
  private connections: Connections | undefined;
  private inflight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(private readonly o: TrafficMonitorOptions) {
    // Timers drift: a sample taken a little less than one interval after the previous still
    // serves as the base, so rates cover about one interval.
    this.window = new RateWindow(0.9 * (o.intervalMs ?? 5_000));
  }

  /** Exposes the traffic metrics on the registry (read at each scrape). */
  register(registry: Registry): void {
    registerTrafficMetrics(registry, () => this.series());
  }

  start(): void {
    this.stop();
    this.timer = setInterval(() => void this.refresh(), this.o.intervalMs ?? 5_000).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the counters now; concurrent calls share one read. Never rejects. */
  refresh(): Promise<void> {
    this.inflight ??= this.read().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  /** The samples of every traffic metric, after a fresh read. */
  async series(): Promise<TrafficSeries> {
    await this.refresh();
    return trafficSeries(groupByRoute(this.totals.values()), this.o.routes(), this.connections);
  }

  /** Per route upstream name: request rate and 5xx share over the last interval. */
  rates(): Map<string, RouteRate> {
    return this.window.rates();
  }

  private async read(): Promise<void> {
    try {
      const dump = parseTrafficDump(await fetchTrafficDump(this.o.socketPath, this.o.timeoutMs));
      if (this.totals.add(dump))
        this.o.logger?.info('nginx restarted: its traffic counters start again from 0');
      const live = new Set(this.o.routes().map((r) => r.upstream));
      this.totals.prune((route) => route === '-' || live.has(route));
      this.connections = dump.connections;
      this.window.add(Date.now(), rateCounts(groupByRoute(this.totals.values())));
      if (this.failing) this.o.logger?.info('traffic counters readable again');
      this.failing = false;
    } catch (error) {
      if (!this.failing)
        this.o.logger?.warn({ err: describeError(error) }, 'cannot read the traffic counters');
      this.failing = true;
    }
  }
}
