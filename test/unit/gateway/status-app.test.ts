import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayMetrics } from '../../../gateway/metrics.js';
import { createStatusApp } from '../../../gateway/status-app.js';
import { StatusStore } from '../../../gateway/status.js';

describe('gateway status app (express on 127.0.0.1:0)', () => {
  let server: Server;
  let base: string;
  let ready = false;
  const store = new StatusStore({
    listen: '127.0.0.1:8080',
    consul: 'http://c:8500',
    template: 't.hbs',
  });
  const metrics = new GatewayMetrics({ processMetrics: false });

  before(async () => {
    const app = createStatusApp({
      status: () => store.snapshot(),
      ready: () => ready,
      metrics: metrics.registry,
    });
    server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );

  it('/healthz always answers; /readyz follows readiness', async () => {
    expect((await fetch(`${base}/healthz`)).status).to.equal(200);
    expect((await fetch(`${base}/readyz`)).status).to.equal(503);
    ready = true;
    expect((await fetch(`${base}/readyz`)).status).to.equal(200);
  });

  it('/status returns routes, instances, last reload and errors as JSON', async () => {
    store.table({
      routes: [
        {
          upstream: 'route_x',
          host: '',
          path: '/app',
          services: ['web'],
          servers: [{ target: '1.2.3.4:80', service: 'web', id: 'w1' }],
        },
      ],
      hosts: [],
      instances: [
        {
          id: 'w1',
          service: 'web',
          node: 'n',
          address: '1.2.3.4',
          port: 80,
          status: 'passing',
          healthy: true,
          tags: ['urlprefix-/app'],
          valid: true,
        },
      ],
      errors: [{ service: 'evil', message: 'tag dropped' }],
    });
    store.reload({ at: 'now', result: 'success', durationMs: 12, generation: 3 });
    store.validation({ at: 'now', ok: false, error: 'unknown directive "bogus"' });
    const s = (await (await fetch(`${base}/status`)).json()) as Record<string, unknown>;
    expect(s).to.include({ generation: 3, listen: '127.0.0.1:8080' });
    expect(s.routes).to.have.length(1);
    expect(s.instances).to.have.length(1);
    expect(s.routeErrors).to.deep.equal([{ service: 'evil', message: 'tag dropped' }]);
    expect((s.errors as { source: string; message: string }[])[0]).to.include({
      source: 'validation',
    });
    expect(s.lastReload).to.include({ result: 'success', durationMs: 12 });
  });

  it('/metrics exposes reload counters by result in Prometheus text', async () => {
    metrics.reloads.inc({ tier: 'edge', result: 'success' });
    metrics.validationFailures.inc();
    metrics.reloadDuration.observe({ tier: 'pool' }, 0.05);
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).to.match(/text\/plain/);
    const text = await res.text();
    expect(text).to.match(/^gateway_reloads_total\{tier="edge",result="success"\} 1$/m);
    expect(text).to.match(/^gateway_reloads_total\{tier="pool",result="failure"\} 0$/m);
    expect(text).to.match(/^gateway_config_validation_failures_total 1$/m);
    expect(text).to.include('gateway_reload_duration_seconds_bucket');
  });

  it('/ is an HTML page that polls /status and inserts values as text only', async () => {
    const res = await fetch(`${base}/`);
    expect(res.headers.get('content-type')).to.match(/text\/html/);
    const html = await res.text();
    expect(html).to.include("fetch('/status'");
    expect(html).to.include('setInterval(refresh');
    expect(html).not.to.include('innerHTML');
  });

  it('unknown paths are 404', async () => {
    expect((await fetch(`${base}/nope`)).status).to.equal(404);
  });
});
