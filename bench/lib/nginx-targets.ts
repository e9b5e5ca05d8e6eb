import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessLogArgs, LOG_FORMAT_DIRECTIVE } from '../../gateway/nginx-config.js';
import { startNginx } from '../../test/helpers/nginx.js';
import { freePort } from '../../test/helpers/ports.js';

/** What every backend serves, whatever the path: a file of exactly this many bytes. */
export const BODY_BYTES = 100;

export interface NginxTarget {
  /** The nginx master (its workers are its children). */
  pid: number;
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** A directory with the backends' file; removed by the returned function. */
export function makeDocroot(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-docroot-'));
  chmodSync(dir, 0o755); // nginx's workers run as nobody
  writeFileSync(join(dir, 'body.txt'), `${'x'.repeat(BODY_BYTES - 1)}\n`);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function start(http: (port: number) => string, workerProcesses: string) {
  const port = await freePort();
  const nginx = await startNginx(http(port), {
    port,
    workers: workerProcesses === 'auto' ? 'auto' : Number(workerProcesses),
  });
  const pid = Number(readFileSync(join(nginx.prefix, 'logs/nginx.pid'), 'utf8').trim());
  return { pid, port, url: `http://127.0.0.1:${port}/`, stop: () => nginx.stop() };
}

/**
 * A fast keep-alive backend: Debian's nginx (one worker, no access log) answering every path
 * with the 100-byte file, and never closing a keep-alive connection for its request count.
 */
export function startFileBackend(docroot: string): Promise<NginxTarget> {
  return start(
    (port) => `
  keepalive_timeout 300s;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:${port};
    root ${docroot};
    location / { default_type text/plain; try_files /body.txt =404; }
  }`,
    '1',
  );
}

/**
 * The proxy settings of templates/gateway-default.hbs that a plain reverse proxy shares: client
 * keep-alive, keep-alive to the upstream (HTTP/1.1, no Connection header), forwarded headers.
 */
export const GATEWAY_PROXY_SETTINGS = `
    keepalive_timeout 65s;
    keepalive_requests 1000;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-Host $host;`;

/**
 * A plain nginx reverse proxy with a static upstream of `backends`, as one would write it by
 * hand: the gateway's proxy settings (GATEWAY_PROXY_SETTINGS), the gateway's worker count
 * (auto) and, with `accessLog`, the access log the gateway writes by default (its JSON format,
 * buffered the same way) into the nginx's own prefix.
 */
export function startPlainProxy(
  backends: readonly number[],
  accessLog = false,
): Promise<NginxTarget> {
  const servers = backends.map((p) => `    server 127.0.0.1:${p};`).join('\n');
  const log = accessLog ? `  ${LOG_FORMAT_DIRECTIVE}\n` : '';
  const serverLog = accessLog ? `    access_log ${accessLogArgs('logs/access.log')};\n` : '';
  return start(
    (port) => `${GATEWAY_PROXY_SETTINGS}
${log}  upstream backends {
${servers}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
${serverLog}    location / {
      proxy_pass http://backends;
    }
  }`,
    'auto',
  );
}
