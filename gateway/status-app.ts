import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import { STATUS_PAGE } from './page/status-page.js';
import type { GatewayStatus } from './status.js';

export interface StatusAppOptions {
  status: () => GatewayStatus;
  /** nginx runs and a configuration from Consul is applied. */
  ready: () => boolean;
  metrics: Registry;
}

/** The status API as an express app; it never listens (the caller, or a test, does). */
export function createStatusApp(o: StatusAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.get('/readyz', (_req, res) => {
    const ready = o.ready();
    res
      .status(ready ? 200 : 503)
      .type('text/plain')
      .send(ready ? 'ready\n' : 'not ready\n');
  });
  app.get('/status', (_req, res) => {
    res.json(o.status());
  });
  app.get('/metrics', async (_req, res, next) => {
    try {
      res.type(o.metrics.contentType).send(await o.metrics.metrics());
    } catch (error) {
      next(error);
    }
  });
  app.get('/', (_req, res) => {
    res
      .type('html')
      .set(
        'Content-Security-Policy',
        "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
      )
      .send(STATUS_PAGE);
  });
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found\n');
  });
  return app;
}
