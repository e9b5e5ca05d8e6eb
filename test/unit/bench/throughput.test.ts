import { expect } from 'chai';
import { alternateSlices, combine } from '../../../bench/lib/slices.js';
import {
  cpuPerRequest,
  missingThroughputFigures,
  ratios,
  type ThroughputResult,
} from '../../../bench/lib/throughput-report.js';
import { parseWrk, type WrkResult } from '../../../bench/lib/wrk.js';

const WRK_OUTPUT = `Running 4s test @ http://127.0.0.1:40001/tp/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.02ms    2.31ms  40.12ms   95.10%
    Req/Sec    16.01k     1.20k   18.22k    70.00%
  Latency Distribution
     50%  631.00us
     75%    0.91ms
     90%    1.40ms
     99%   12.50ms
  128000 requests in 4.00s, 40.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 3
Requests/sec:  32000.00
Transfer/sec:     10.00MB
`;

const slice = (rps: number, p50: number, p99: number): WrkResult => ({
  requestsPerSec: rps,
  latencyP50Ms: p50,
  latencyP99Ms: p99,
  requests: rps * 4,
  errors: 0,
});

describe('throughput bench: wrk output and slices', () => {
  it('reads rate, percentiles (us, ms) and errors from wrk --latency', () => {
    expect(parseWrk(WRK_OUTPUT)).to.eql({
      requestsPerSec: 32000,
      latencyP50Ms: 0.63,
      latencyP99Ms: 12.5,
      requests: 128000,
      errors: 6,
    });
  });

  it('combines slices: all requests over all time, median p50 and p99, worst p99', () => {
    const c = combine([slice(1000, 1, 10), slice(3000, 2, 50), slice(2000, 3, 20)]);
    expect(c.requestsPerSec).to.equal(Math.round(24000 / 12));
    expect(c.latencyP50Ms).to.equal(2);
    expect(c.latencyP99Ms).to.equal(20);
    expect(c.latencyP99MaxMs).to.equal(50);
  });

  it('rotates the order of the targets each round', async () => {
    const order: string[] = [];
    const target = (name: string) => ({
      name,
      run: async () => (order.push(name), slice(100, 1, 2)),
    });
    const out = await alternateSlices([target('a'), target('b'), target('c')], 3);
    expect(order.join('')).to.equal('abcbcacab');
    expect(out.a?.slices).to.have.length(3);
  });
});

describe('throughput bench: figure check', () => {
  const t = combine([slice(1000, 1, 2)]);
  const targets = { direct: t, nginx: t, gateway: t, gatewayChurn: t };
  const good: ThroughputResult = {
    gatewayMode: 'lua',
    targets,
    churn: { changes: 4, poolUpdates: 4, reloads: 0 },
    cpuUsPerRequest: cpuPerRequest(
      {
        direct: { nginx: 0.01 },
        nginx: { nginx: 0.02 },
        gateway: { node: 0, edge: 0.02, pool: 0.02 },
        gatewayChurn: { node: 0.01, edge: 0.02, pool: 0.02 },
      },
      targets,
    ),
    ratios: ratios(targets),
  };

  it('accepts a complete result', () => {
    expect(good.ratios).to.eql({ gatewayNginxRps: 1, gatewayNginxP99: 1, churnSteadyRps: 1 });
    expect(good.cpuUsPerRequest.gateway).to.eql({ node: 0, edge: 5, pool: 5, total: 10 });
    expect(missingThroughputFigures(good)).to.eql([]);
  });

  it('names NaN and zero figures, a missing mode and a churn that changed nothing', () => {
    const bad = structuredClone(good);
    bad.targets.nginx = { ...t, requestsPerSec: NaN };
    bad.churn.changes = 0;
    bad.gatewayMode = '';
    expect(missingThroughputFigures(bad)).to.eql([
      'targets.nginx.requestsPerSec',
      'churn.changes',
      'gatewayMode',
    ]);
  });
});
