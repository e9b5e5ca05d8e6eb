import type { Metric, Registry } from 'prom-client';
import { RESPONSE_SECONDS, type Sample, type TrafficSeries } from './traffic-series.js';

type MetricKind = 'counter' | 'gauge' | 'histogram';

interface Definition {
  name: string;
  help: string;
  type: MetricKind;
  pick: (s: TrafficSeries) => Sample[];
}

const DEFINITIONS: Definition[] = [
  {
    name: 'gateway_route_requests_total',
    help: 'Requests by route, service and status class (counted in nginx, lua mode)',
    type: 'counter',
    pick: (s) => s.requests,
  },
  {
    name: RESPONSE_SECONDS,
    help: 'Time per request from its first upstream try to the end of its response, by route',
    type: 'histogram',
    pick: (s) => s.responseSeconds,
  },
  {
    name: 'gateway_route_upstream_failures_total',
    help: 'Failed peer attempts by route (refused, reset, timed out, or a 502/503/504 answer)',
    type: 'counter',
    pick: (s) => s.failures,
  },
  {
    name: 'gateway_route_upstream_retries_total',
    help: 'Peer attempts after the first one of a request, by route',
    type: 'counter',
    pick: (s) => s.retries,
  },
  {
    name: 'gateway_route_local_responses_total',
    help: 'Requests of a route the gateway answered itself without trying an upstream (503: no instance)',
    type: 'counter',
    pick: (s) => s.local,
  },
  {
    name: 'gateway_unrouted_requests_total',
    help: 'Requests no route matched (404 no route, 400 bad path), by status class',
    type: 'counter',
    pick: (s) => s.unrouted,
  },
  {
    name: 'gateway_connections',
    help: 'Open client connections of nginx by state (reading a request, writing a response, idle keepalive); their sum is the active connections',
    type: 'gauge',
    pick: (s) => s.connections,
  },
];

/**
 * A metric whose samples are computed elsewhere (the totals read from nginx), in the shape
 * prom-client's registry prints: it asks for them at every scrape. prom-client has no public
 * type for such a metric (a Histogram cannot be given its bucket counts), hence the one cast in
 * `registerTrafficMetrics`; the registry only uses `name`, `type`, `get()` and `reset()`.
 */
class MirrorMetric {
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly type: MetricKind;

  constructor(
    private readonly definition: Definition,
    private readonly series: () => Promise<TrafficSeries>,
  ) {
    this.name = definition.name;
    this.help = definition.help;
    this.type = definition.type;
  }

  async get(): Promise<{
    name: string;
    help: string;
    type: MetricKind;
    aggregator: string;
    values: Sample[];
  }> {
    const values = this.definition.pick(await this.series());
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    };
  }

  reset(): void {}
}

/**
 * Registers the traffic metrics. `series` is called once per metric per scrape: the caller
 * shares one refresh between the calls of a scrape (they start in the same tick).
 */
export function registerTrafficMetrics(
  registry: Registry,
  series: () => Promise<TrafficSeries>,
): void {
  for (const d of DEFINITIONS)
    registry.registerMetric(new MirrorMetric(d, series) as unknown as Metric);
}
