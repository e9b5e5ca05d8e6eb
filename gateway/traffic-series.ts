import type { Route } from './routes.js';
import type { Connections } from './traffic-dump.js';
import { TRAFFIC_BUCKETS } from './traffic-lua.js';
import type { TrafficTotal } from './traffic-totals.js';

/** One route's counters, grouped from the dict keys. */
export interface RouteCounts {
  /** Index = status class (1..5); index 0 unused. */
  requests: number[];
  /** Per bucket, not cumulative; the last is +Inf. */
  buckets: number[];
  sum: number;
  failures: number;
  retries: number;
  local: number;
}

export function emptyCounts(): RouteCounts {
  return {
    requests: [0, 0, 0, 0, 0, 0],
    buckets: new Array<number>(TRAFFIC_BUCKETS.length + 1).fill(0),
    sum: 0,
    failures: 0,
    retries: 0,
    local: 0,
  };
}

/** Groups totals by route name (`-`: requests no route matched). */
export function groupByRoute(totals: Iterable<TrafficTotal>): Map<string, RouteCounts> {
  const out = new Map<string, RouteCounts>();
  for (const t of totals) {
    let c = out.get(t.route);
    if (!c) out.set(t.route, (c = emptyCounts()));
    if (t.kind === 'requests') c.requests[t.slot]! += t.total;
    else if (t.kind === 'bucket') c.buckets[t.slot]! += t.total;
    else if (t.kind === 'sum') c.sum += t.total;
    else c[t.kind] += t.total;
  }
  return out;
}

/** A sample as prom-client's registry prints it. */
export interface Sample {
  metricName?: string;
  labels: Record<string, string>;
  value: number;
}

export interface TrafficSeries {
  requests: Sample[];
  responseSeconds: Sample[];
  failures: Sample[];
  retries: Sample[];
  local: Sample[];
  unrouted: Sample[];
  connections: Sample[];
}

const CLASSES = ['', '1xx', '2xx', '3xx', '4xx', '5xx'];
export const RESPONSE_SECONDS = 'gateway_route_upstream_response_seconds';

/** The labels of a route: where it is (`<host><path>`) and who serves it. */
export function routeLabels(r: Pick<Route, 'host' | 'path' | 'services'>): Record<string, string> {
  return { route: `${r.host}${r.path}`, service: r.services.join(',') };
}

function histogram(labels: Record<string, string>, c: RouteCounts): Sample[] {
  const out: Sample[] = [];
  let cumulative = 0;
  c.buckets.forEach((n, i) => {
    cumulative += n;
    const le = i < TRAFFIC_BUCKETS.length ? String(TRAFFIC_BUCKETS[i]) : '+Inf';
    out.push({
      metricName: `${RESPONSE_SECONDS}_bucket`,
      labels: { ...labels, le },
      value: cumulative,
    });
  });
  out.push({ metricName: `${RESPONSE_SECONDS}_sum`, labels, value: c.sum });
  out.push({ metricName: `${RESPONSE_SECONDS}_count`, labels, value: cumulative });
  return out;
}

/**
 * The samples of every traffic metric. Labels come from the live route table only: a name nginx
 * counted that is not a live route (a route removed since) is left out, so label values are
 * always ones that passed the route grammars, never client data. Routes without traffic have no
 * series; a route with traffic has all five status classes.
 */
export function trafficSeries(
  counts: ReadonlyMap<string, RouteCounts>,
  routes: readonly Route[],
  connections: Connections | undefined,
): TrafficSeries {
  const s: TrafficSeries = {
    requests: [],
    responseSeconds: [],
    failures: [],
    retries: [],
    local: [],
    unrouted: [],
    connections: [],
  };
  for (const r of routes) {
    const c = counts.get(r.upstream);
    if (!c) continue;
    const labels = routeLabels(r);
    for (let k = 1; k <= 5; k++)
      s.requests.push({ labels: { ...labels, code_class: CLASSES[k]! }, value: c.requests[k]! });
    if (c.buckets.some((n) => n > 0)) s.responseSeconds.push(...histogram(labels, c));
    s.failures.push({ labels, value: c.failures });
    s.retries.push({ labels, value: c.retries });
    s.local.push({ labels, value: c.local });
  }
  const none = counts.get('-');
  for (let k = 1; k <= 5 && none; k++)
    s.unrouted.push({ labels: { code_class: CLASSES[k]! }, value: none.requests[k]! });
  if (connections)
    for (const state of ['reading', 'writing', 'waiting'] as const)
      s.connections.push({ labels: { state }, value: connections[state] });
  return s;
}
