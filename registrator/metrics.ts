import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry as PromRegistry } from 'prom-client';
import { configError } from '../common/errors.js';

/** Prometheus counters of one registrator (its own prom registry, so instances do not mix). */
export class RegistratorMetrics {
  readonly registry = new PromRegistry();
  readonly events = new Counter({
    name: 'registrator_docker_events_total',
    help: 'Docker events seen, by action',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });
  readonly registrations = new Counter({
    name: 'registrator_registrations_total',
    help: 'Service registrations written to the registry',
    registers: [this.registry],
  });
  readonly deregistrations = new Counter({
    name: 'registrator_deregistrations_total',
    help: 'Service deregistrations, by reason (die, kill, pause, rename, gone, cleanup, ...)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'registrator_errors_total',
    help: 'Failed operations, by operation (register, deregister, inspect, events, ...)',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });
  readonly services = new Gauge({
    name: 'registrator_services',
    help: 'Services currently registered by this registrator',
    registers: [this.registry],
  });
  readonly registrationLatency = new Histogram({
    name: 'registrator_registration_seconds',
    help: 'Time from a Docker start event to its services being registered',
    buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly warnings = new Counter({
    name: 'registrator_metadata_warnings_total',
    help: 'Invalid SERVICE_* metadata values skipped',
    registers: [this.registry],
  });
  readonly swarmUnaddressed = new Counter({
    name: 'registrator_swarm_unaddressed_total',
    help: 'Swarm task ports not registered: no network to take the address from (see the log)',
    registers: [this.registry],
  });
}

/** Docker actions as bounded label values ("health_status: healthy" -> "health_status"). */
export function actionLabel(action: string): string {
  const head = action.split(':')[0]?.trim() ?? '';
  return /^[a-z_]{1,32}$/.test(head) ? head : 'other';
}

/** "host:port" or ":port" -> listen arguments. */
export function parseListenAddr(
  value: string,
  option = '-metrics-addr',
): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw configError(option, 'host:port or :port', value);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** Serves GET /metrics (Prometheus text format) and GET /health. */
export async function serveMetrics(
  metrics: RegistratorMetrics,
  addr: { host: string; port: number },
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
      return;
    }
    if (req.method === 'GET' && path === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
