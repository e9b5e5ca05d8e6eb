import { nginxQuote } from './grammar.js';
import { configHead, type WorkPaths } from './nginx-config.js';
import type { RouteTable } from './routes.js';

/** The header the edge sets to name a route's upstream (the pool never trusts anything else). */
export const ROUTE_HEADER = 'X-Gateway-Route';
/** The route header as an nginx variable (`$http_x_gateway_route`). */
const ROUTE_HEADER_VAR = `$http_${ROUTE_HEADER.toLowerCase().replace(/-/g, '_')}`;

export interface PoolConfigOptions {
  paths: WorkPaths;
  table: Pick<RouteTable, 'routes'>;
  generation: number;
  workerProcesses: string;
  shutdownTimeoutMs: number;
}

/**
 * Reload mode's upstream pool: a second nginx holding every route's upstream servers, reached by
 * the edge over a unix socket with keepalive. Every change of instances reloads the pool (never
 * the client-facing edge); a reload closes idle edge->pool connections, which the edge retries on
 * its own (a failed cached connection is not counted as a try), so clients never see it.
 * Pure: every value in the table has passed the route grammars.
 */
export function renderPoolConfig(o: PoolConfigOptions): string {
  const routes = o.table.routes.filter((r) => r.servers.length > 0);
  const upstreams = routes
    .map(
      (r) =>
        `    # ${r.host}${r.path} (${r.services.join(', ')})\n    upstream ${r.upstream} {\n` +
        r.servers.map((s) => `        server ${s.target} max_fails=1 fail_timeout=5s;\n`).join('') +
        '        keepalive 32;\n    }\n',
    )
    .join('');
  const pools = routes.map((r) => `        ${r.upstream} ${r.upstream};\n`).join('');
  const messages = o.table.routes
    .filter((r) => r.unavailable)
    .map((r) => `        ${r.upstream} ${r.unavailable};\n`)
    .join('');
  return renderPool(o, {
    http:
      `${upstreams}\n    map ${ROUTE_HEADER_VAR} $gateway_pool {\n        default "";\n${pools}    }\n\n` +
      `    map ${ROUTE_HEADER_VAR} $gateway_unavailable {\n        default "no such route\\n";\n${messages}    }\n`,
    proxy:
      '            if ($gateway_pool = "") {\n                return 503 $gateway_unavailable;\n            }\n' +
      '            proxy_pass http://$gateway_pool;\n',
  });
}

interface PoolParts {
  /** Upstreams, maps and other http-level directives. */
  http: string;
  /** How a known route is proxied. */
  proxy: string;
}

function renderPool(o: PoolConfigOptions, parts: PoolParts): string {
  const q = nginxQuote;
  const p = o.paths.pool;
  return `${configHead({ ...o, title: ': upstream pool', pid: p.pid, tmp: p.tmp })}
    access_log off;
    server_tokens off;
    client_max_body_size 0;
    keepalive_timeout 300s;
    keepalive_requests 100000;

    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $http_x_real_ip;
    proxy_set_header X-Forwarded-For $http_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;
    proxy_set_header X-Forwarded-Host $http_x_forwarded_host;
    proxy_set_header ${ROUTE_HEADER} "";
    proxy_connect_timeout 2s;
    proxy_send_timeout 60s;
    proxy_read_timeout 60s;
    # A refused or reset connection (an instance going away) is retried on the next instance.
    proxy_next_upstream error timeout http_502 http_503 http_504;
    proxy_next_upstream_tries 3;
    proxy_next_upstream_timeout 10s;

${parts.http}
    server {
        listen ${q(`unix:${p.socket}`)};
        default_type text/plain;
        location / {
${parts.proxy}        }
    }

    server {
        listen ${q(`unix:${p.control}`)};
        location = /__gateway/generation {
            default_type text/plain;
            return 200 "${o.generation}";
        }
        location / {
            return 404;
        }
    }
}
`;
}
