import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { buildRouteTable, type InstanceInput } from '../../../gateway/routes.js';
import { StatusStore } from '../../../gateway/status.js';
import { waitFor } from '../../helpers/wait-for.js';
import { fetchTrafficDump, TrafficMonitor } from '../../../gateway/traffic.js';
import { parseTrafficDump } from '../../../gateway/traffic-dump.js';
import type { TestNginx } from '../../helpers/nginx.js';
import { freePorts } from '../../helpers/ports.js';
import { startTrafficNginx, type TrafficNginxOptions } from './traffic-nginx.js';

function statusOf(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume().on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

const instance = (name: string, tag: string): InstanceInput => ({
  ID: name,
  Name: name,
  Node: 'n',
  Address: '127.0.0.1',
  Port: 1,
  Tags: [tag],
  Status: 'passing',
});

/** The gateway's route table: labels and upstream names come from there. */
const table = buildRouteTable(
  new Map(
    [
      instance('web', 'urlprefix-/ok'),
      instance('api', 'urlprefix-api.test/err'),
      instance('flaky', 'urlprefix-/retry'),
      instance('dead', 'urlprefix-/dead'),
      instance('gone', 'urlprefix-/none'),
    ].map((i) => [i.Name, [i]]),
  ),
);
const upstream = (path: string): string => table.routes.find((r) => r.path === path)!.upstream;

/** Counts in nginx (log_by_lua + shared dict), read by the gateway's TrafficMonitor. */
describe('gateway traffic metrics (real nginx with the lua module)', function () {
  this.timeout(60_000);
  let nginx: TestNginx | undefined;
  let dir: string;
  let options: TrafficNginxOptions;
  let monitor: TrafficMonitor;
  let registry: Registry;

  before(async () => {
    const [front, ok, fail, refused, refused2] = await freePorts(5);
    dir = mkdtempSync(join(tmpdir(), 'traffic-test-'));
    const closed = [`127.0.0.1:${refused}`, `127.0.0.1:${refused2}`];
    options = {
      front: front!,
      ok: ok!,
      fail: fail!,
      control: join(dir, 'control.sock'),
      routes: [
        { path: '/ok', route: upstream('/ok'), peers: [`127.0.0.1:${ok}`] },
        { path: '/err', route: upstream('/err'), peers: [`127.0.0.1:${fail}`] },
        { path: '/retry', route: upstream('/retry'), peers: [closed[0]!, `127.0.0.1:${ok}`] },
        { path: '/dead', route: upstream('/dead'), peers: closed },
        { path: '/none', route: upstream('/none'), peers: [] },
        // Counted by nginx, but not in the gateway's table: never exposed.
        { path: '/unknown', route: 'route_000000000000', peers: [`127.0.0.1:${ok}`] },
      ],
    };
    nginx = await startTrafficNginx(options);
    monitor = new TrafficMonitor({
      socketPath: options.control,
      routes: () => table.routes,
      intervalMs: 100,
    });
    registry = new Registry();
    monitor.register(registry);
  });

  after(async () => {
    await nginx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Sends `n` requests to `path` and checks the status each got. One connection per request: a
   * reload closes idle keep-alive connections, and a request sent on one just then would fail.
   */
  const send = async (path: string, n: number, status: number): Promise<void> => {
    for (let i = 0; i < n; i++)
      expect(await statusOf(`http://127.0.0.1:${options.front}${path}`), path).to.equal(status);
  };
  const sendAll = async (k: number): Promise<void> => {
    await send('/ok', 7 * k, 200);
    await send('/err', 4 * k, 500);
    await send('/retry', 3 * k, 200);
    await send('/dead', 2 * k, 502);
    await send('/none', 2 * k, 503);
    await send('/nowhere', 5 * k, 404);
    await send('/unknown', 1 * k, 200);
  };
  /** The sample lines of the Prometheus text, without comments. */
  const samples = async (): Promise<Set<string>> =>
    new Set((await registry.metrics()).split('\n').filter((l) => l && !l.startsWith('#')));
  /** Every count the traffic of sendAll(1) k times gives. */
  const wanted = (k: number): string[] => [
    `gateway_route_requests_total{route="/ok",service="web",code_class="2xx"} ${7 * k}`,
    `gateway_route_requests_total{route="/ok",service="web",code_class="5xx"} 0`,
    `gateway_route_requests_total{route="api.test/err",service="api",code_class="5xx"} ${4 * k}`,
    `gateway_route_requests_total{route="api.test/err",service="api",code_class="2xx"} 0`,
    `gateway_route_requests_total{route="/retry",service="flaky",code_class="2xx"} ${3 * k}`,
    `gateway_route_upstream_failures_total{route="/retry",service="flaky"} ${3 * k}`,
    `gateway_route_upstream_retries_total{route="/retry",service="flaky"} ${3 * k}`,
    `gateway_route_requests_total{route="/dead",service="dead",code_class="5xx"} ${2 * k}`,
    `gateway_route_upstream_failures_total{route="/dead",service="dead"} ${4 * k}`,
    `gateway_route_upstream_retries_total{route="/dead",service="dead"} ${2 * k}`,
    `gateway_route_requests_total{route="/none",service="gone",code_class="5xx"} ${2 * k}`,
    `gateway_route_local_responses_total{route="/none",service="gone"} ${2 * k}`,
    `gateway_route_upstream_failures_total{route="/ok",service="web"} 0`,
    `gateway_route_upstream_retries_total{route="/ok",service="web"} 0`,
    `gateway_route_local_responses_total{route="/ok",service="web"} 0`,
    `gateway_route_upstream_response_seconds_count{route="/ok",service="web"} ${7 * k}`,
    `gateway_route_upstream_response_seconds_bucket{route="/ok",service="web",le="+Inf"} ${7 * k}`,
    `gateway_route_upstream_response_seconds_count{route="api.test/err",service="api"} ${4 * k}`,
    `gateway_unrouted_requests_total{code_class="4xx"} ${5 * k}`,
    // The backends and the control location override the log handler: never counted.
    `gateway_unrouted_requests_total{code_class="2xx"} 0`,
  ];
  const expectCounts = async (k: number): Promise<void> => {
    const want = wanted(k);
    // Each worker adds its counts to the dict every TRAFFIC_FLUSH_S (the dump flushes only its
    // own worker's): wait until they are all in, then check.
    await waitFor(
      async () => {
        const now = await samples();
        return want.every((line) => now.has(line));
      },
      { timeoutMs: 5_000, what: 'the counts' },
    ).catch(() => undefined);
    const s = await samples();
    for (const line of want) expect(s, line).to.include(line);
    const text = [...s].join('\n');
    expect(text).not.to.match(
      /route="\/none"[^\n]*_response_seconds|response_seconds[^\n]*"\/none"/,
    );
    expect(text).not.to.include('route_000000000000');
    expect(text).not.to.include('/unknown');
    // The dump's own request is one being written.
    expect(text).to.match(/^gateway_connections\{state="writing"\} [1-9]\d*$/m);
  };

  it('known request counts per route and status class appear exactly on /metrics', async () => {
    await sendAll(1);
    await expectCounts(1);
    // Scraping again without traffic changes nothing.
    await expectCounts(1);
  });

  it('counts survive a reload (dict kept) and a restart (dict emptied): totals only grow', async () => {
    const epoch = async (): Promise<string> =>
      parseTrafficDump(await fetchTrafficDump(options.control)).epoch;
    const first = await epoch();
    await nginx!.reload();
    await sendAll(1);
    await expectCounts(2);
    expect(await epoch()).to.equal(first);
    await nginx!.stop();
    nginx = await startTrafficNginx(options);
    await sendAll(1);
    await expectCounts(3);
    expect(await epoch()).not.to.equal(first);
  });

  it('request rate and 5xx share per route reach /status', async () => {
    // Rates over any interval of at least 0.9 ms: from the read before the requests to the one
    // after them (sending takes longer than that).
    const rated = new TrafficMonitor({
      socketPath: options.control,
      routes: () => table.routes,
      intervalMs: 1,
    });
    const status = new StatusStore({ listen: '', consul: '', template: '' });
    status.table(table);
    status.bindTraffic(() => rated.rates());
    await rated.refresh();
    expect(status.snapshot().routes.some((r) => r.traffic)).to.equal(false);
    await send('/err', 3, 500);
    await send('/ok', 1, 200);
    await rated.refresh();
    const byPath = new Map(status.snapshot().routes.map((r) => [r.path, r.traffic]));
    expect(byPath.get('/err')?.errorRatio).to.equal(1);
    expect(byPath.get('/err')?.requestsPerSecond).to.be.greaterThan(0);
    expect(byPath.get('/ok')?.errorRatio).to.equal(0);
    expect(byPath.get('/ok')?.requestsPerSecond).to.be.greaterThan(0);
    expect(byPath.get('/dead')?.requestsPerSecond).to.equal(0);
  });
});
