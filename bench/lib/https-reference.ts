import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tlsDirectives } from '../../gateway/certs/nginx-tls.js';
import { startNginx, type TestNginx } from '../../test/helpers/nginx.js';
import { treeCpuSeconds } from './cpu.js';
import { GATEWAY_PROXY_SETTINGS } from './nginx-targets.js';

/** An nginx of the HTTPS bench and the CPU seconds its master and workers used so far. */
export interface BenchNginx extends TestNginx {
  cpuSeconds(): number;
}

/** CPU seconds of the nginx whose master wrote `pidFile` (master and workers). */
export function nginxCpu(pidFile: string): () => number {
  return () => treeCpuSeconds(Number(readFileSync(pidFile, 'utf8').trim()));
}

/**
 * The static upstream both proxies forward to: its own nginx (one worker, `return 200`), so
 * that neither side serves the upstream in its own worker (the reference used to, which saved
 * it a process switch per request that the gateway pays).
 */
export async function startStaticUpstream(port: number): Promise<BenchNginx> {
  const server = `server { listen 127.0.0.1:${port}; keepalive_requests 100000; return 200 "ok\\n"; }`;
  const nginx = await startNginx(server, { port, workers: 1 });
  return { ...nginx, cpuSeconds: nginxCpu(join(nginx.prefix, 'logs/nginx.pid')) };
}

export interface ReferenceOptions {
  /** The TLS listener and a plain one (readiness), as the gateway has both. */
  tls: number;
  http: number;
  upstream: number;
  cert: string;
  key: string;
  workers: number;
}

/**
 * The reference: a plain nginx reverse proxy with the gateway's certificate, TLS settings
 * (tlsDirectives without Lua), client keep-alive settings and forwarded headers (those of
 * templates/gateway-default.hbs), a static upstream with keep-alive, no access log, and the
 * gateway's worker count and worker_connections. What it lacks is the gateway: certificate
 * selection, routing, balancing and traffic counters in Lua.
 */
export function referenceConfig(o: Omit<ReferenceOptions, 'workers'>): string {
  const tls = tlsDirectives({
    placeholder: { cert: o.cert, key: o.key },
    lua: false,
    indent: '        ',
  });
  return `${GATEWAY_PROXY_SETTINGS}
    upstream static { server 127.0.0.1:${o.upstream}; keepalive 32; }
    server {
        listen 127.0.0.1:${o.tls} ssl http2;
        listen 127.0.0.1:${o.http};
${tls}        location / { proxy_pass http://static; }
    }`;
}

export async function startReference(o: ReferenceOptions): Promise<BenchNginx> {
  const nginx = await startNginx(referenceConfig(o), {
    port: o.http,
    workers: o.workers,
    workerConnections: 4096,
  });
  return { ...nginx, cpuSeconds: nginxCpu(join(nginx.prefix, 'logs/nginx.pid')) };
}
