import { expect } from 'chai';
import { Registry } from 'prom-client';
import { parseTrafficDump } from '../../../gateway/traffic-dump.js';
import { registerTrafficMetrics } from '../../../gateway/traffic-metrics.js';
import { RateWindow, rateCounts } from '../../../gateway/traffic-rates.js';
import { groupByRoute, trafficSeries } from '../../../gateway/traffic-series.js';
import { TrafficTotals } from '../../../gateway/traffic-totals.js';
import { inst, tableOf } from './instances.js';

const table = tableOf([
  inst('web', 8001, ['urlprefix-/app']),
  inst('api', 8002, ['urlprefix-api.example.com/v1', 'urlprefix-/app']),
]);
const byPath = (host: string, path: string): string =>
  table.routes.find((r) => r.host === host && r.path === path)!.upstream;
const APP = byPath('', '/app');
const V1 = byPath('api.example.com', '/v1');

function countsOf(lines: string[]) {
  const t = new TrafficTotals();
  t.add(parseTrafficDump(['e 1', 'c 5 1 2 2', ...lines].join('\n')));
  return groupByRoute(t.values());
}

describe('gateway traffic series and labels (pure)', () => {
  const counts = countsOf([
    `n:${APP}:2 3`,
    `n:${APP}:5 1`,
    `b:${APP}:0 2`,
    `b:${APP}:3 1`,
    `s:${APP} 0.04`,
    `f:${APP} 2`,
    `t:${APP} 1`,
    `n:${V1}:5 4`,
    `u:${V1} 4`,
    'n:route_000000000000:2 9',
    'n:-:4 6',
  ]);
  const s = trafficSeries(counts, table.routes, { active: 5, reading: 1, writing: 2, waiting: 2 });

  it('labels a route by <host><path> and its services; names not in the table are left out', () => {
    const requests = s.requests.map((x) => [
      x.labels.route,
      x.labels.service,
      x.labels.code_class,
      x.value,
    ]);
    expect(requests).to.deep.include.members([
      ['/app', 'api,web', '2xx', 3],
      ['/app', 'api,web', '5xx', 1],
      ['/app', 'api,web', '1xx', 0],
      ['api.example.com/v1', 'api', '5xx', 4],
    ]);
    expect(requests).to.have.length(10);
    expect(JSON.stringify(s)).not.to.include('route_000000000000');
  });

  it('a cumulative histogram only for routes an upstream answered; failures, retries, local responses', () => {
    const app = s.responseSeconds.filter((x) => x.labels.route === '/app');
    expect(app.map((x) => [x.metricName, x.labels.le, x.value]).slice(0, 5)).to.deep.equal([
      ['gateway_route_upstream_response_seconds_bucket', '0.005', 2],
      ['gateway_route_upstream_response_seconds_bucket', '0.01', 2],
      ['gateway_route_upstream_response_seconds_bucket', '0.025', 2],
      ['gateway_route_upstream_response_seconds_bucket', '0.05', 3],
      ['gateway_route_upstream_response_seconds_bucket', '0.1', 3],
    ]);
    expect(app.at(-3)).to.deep.include({ value: 3 });
    expect(app.at(-3)!.labels.le).to.equal('+Inf');
    expect(app.at(-1)).to.deep.include({ value: 3 });
    expect(s.responseSeconds.filter((x) => x.labels.route !== '/app')).to.deep.equal([]);
    const pick = (list: typeof s.failures) => list.map((x) => [x.labels.route, x.value]);
    expect(pick(s.failures)).to.deep.equal([
      ['/app', 2],
      ['api.example.com/v1', 0],
    ]);
    expect(pick(s.retries)).to.deep.equal([
      ['/app', 1],
      ['api.example.com/v1', 0],
    ]);
    expect(pick(s.local)).to.deep.equal([
      ['/app', 0],
      ['api.example.com/v1', 4],
    ]);
  });

  it('unrouted requests by class, connections by state', () => {
    expect(s.unrouted.find((x) => x.labels.code_class === '4xx')?.value).to.equal(6);
    expect(s.connections.map((x) => [x.labels.state, x.value])).to.deep.equal([
      ['reading', 1],
      ['writing', 2],
      ['waiting', 2],
    ]);
  });

  it('prints as Prometheus text through a real registry', async () => {
    const registry = new Registry();
    registerTrafficMetrics(registry, async () => s);
    const text = await registry.metrics();
    expect(text).to.include('# TYPE gateway_route_requests_total counter');
    expect(text).to.include(
      'gateway_route_requests_total{route="/app",service="api,web",code_class="2xx"} 3',
    );
    expect(text).to.include('# TYPE gateway_route_upstream_response_seconds histogram');
    expect(text).to.include(
      'gateway_route_upstream_response_seconds_bucket{route="/app",service="api,web",le="+Inf"} 3',
    );
    expect(text).to.include(
      'gateway_route_upstream_response_seconds_sum{route="/app",service="api,web"} 0.04',
    );
    expect(text).to.include('gateway_unrouted_requests_total{code_class="4xx"} 6');
    expect(text).to.include('gateway_connections{state="waiting"} 2');
    expect((await registry.getMetricsAsJSON()).map((m) => m.name)).to.include(
      'gateway_connections',
    );
  });
});

describe('gateway traffic rates (pure)', () => {
  const at = (requests: number, errors: number) => new Map([[APP, { requests, errors }]]);

  it('nothing until two samples are the minimum span apart, then the rate over that span', () => {
    const w = new RateWindow(5_000);
    w.add(0, at(0, 0));
    w.add(2_000, at(10, 0));
    expect(w.rates().size).to.equal(0);
    w.add(5_000, at(50, 5));
    expect(w.rates().get(APP)).to.deep.equal({
      requestsPerSecond: 10,
      errorRatio: 0.1,
      intervalSeconds: 5,
    });
    // The base moves to the newest sample old enough (2 s); older samples are dropped.
    w.add(7_000, at(60, 5));
    expect(w.rates().get(APP)).to.deep.equal({
      requestsPerSecond: 10,
      errorRatio: 0.1,
      intervalSeconds: 5,
    });
  });

  it('a route new since the base counts from 0; no requests: error ratio 0', () => {
    const w = new RateWindow(1_000);
    w.add(0, new Map());
    w.add(2_000, at(4, 4));
    expect(w.rates().get(APP)).to.deep.equal({
      requestsPerSecond: 2,
      errorRatio: 1,
      intervalSeconds: 2,
    });
    w.add(4_000, at(4, 4));
    expect(w.rates().get(APP)?.errorRatio).to.equal(0);
  });

  it('rate counts sum all classes, errors are the 5xx', () => {
    expect(
      rateCounts(countsOf([`n:${APP}:2 3`, `n:${APP}:4 2`, `n:${APP}:5 1`])).get(APP),
    ).to.deep.equal({
      requests: 6,
      errors: 1,
    });
  });
});
