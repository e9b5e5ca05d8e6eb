import { nginxQuote } from './grammar.js';
import { configHead, type WorkPaths } from './nginx-config.js';
import { poolProxySettings, reloadHttpPart, timeoutLocations } from './pool-config-reload.js';
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
  /** Idle timeout (s) of upgraded connections of routes without `timeout=`. */
  websocketTimeoutS: number;
  /** --request-buffering: off streams request bodies through the pool too. */
  requestBuffering: boolean;
}

/**
 * Reload mode's upstream pool: a second nginx holding every route's upstream servers, reached by
 * the edge over a unix socket with keepalive. Every change of instances reloads the pool (never
 * the client-facing edge); a reload closes idle edge->pool connections, which the edge retries on
 * its own (a failed cached connection is not counted as a try), so clients never see it. Upgrade
 * requests (WebSocket) go to the named location of their route's idle timeout, and old workers
 * of a reloaded pool keep their upgraded connections up to --websocket-timeout: an instance that
 * leaves gets no new upgrades, and its open WebSockets live until it closes them.
 * Pure: every value in the table has passed the route grammars.
 */
export function renderPoolConfig(o: PoolConfigOptions): string {
  return renderPool(o, {
    http: reloadHttpPart(o.table.routes, ROUTE_HEADER_VAR, o.websocketTimeoutS),
    proxy:
      '            if ($gateway_pool = "") {\n                return 503 $gateway_unavailable;\n            }\n' +
      '            # Upgrade requests go to the location holding their idle timeout.\n' +
      '            error_page 418 = $gateway_ws_target;\n' +
      '            if ($http_upgrade) {\n                return 418;\n            }\n' +
      '            proxy_pass http://$gateway_pool;\n',
    locations: timeoutLocations('w', o.table.routes, o.websocketTimeoutS),
    grpcLocations: timeoutLocations('g', o.table.routes, o.websocketTimeoutS),
  });
}

interface PoolParts {
  /** Upstreams, maps and other http-level directives. */
  http: string;
  /** How a known route is proxied. */
  proxy: string;
  /** Named locations of the HTTP/1.1 and the HTTP/2 (gRPC) server. */
  locations: string;
  grpcLocations: string;
}

function renderPool(o: PoolConfigOptions, parts: PoolParts): string {
  const q = nginxQuote;
  const p = o.paths.pool;
  // Old workers of a reloaded pool keep upgraded connections (WebSockets) up to their timeout.
  const drainMs = Math.max(o.shutdownTimeoutMs, o.websocketTimeoutS * 1000);
  return `${configHead({ ...o, title: ': upstream pool', pid: p.pid, tmp: p.tmp, shutdownTimeoutMs: drainMs })}
    access_log off;
    server_tokens off;
    client_max_body_size 0;
    keepalive_timeout 300s;
    keepalive_requests 100000;

${poolProxySettings(ROUTE_HEADER, o.requestBuffering)}${parts.http}
    server {
        listen ${q(`unix:${p.socket}`)};
        default_type text/plain;
        location / {
${parts.proxy}        }
${parts.locations}    }

    server {
        listen ${q(`unix:${p.grpcSocket}`)} http2;
        # No instance could be reached: gRPC UNAVAILABLE, not an HTML 502 (the call came to its
        # timeout location through error_page already, hence recursive).
        recursive_error_pages on;
        error_page 502 504 = @grpc_unreachable;
        location / {
            error_page 418 = $gateway_grpc_target;
            return 418;
        }
${parts.grpcLocations}        location @grpc_unreachable {
            default_type application/grpc;
            add_header grpc-status 14 always;
            add_header grpc-message "no instance reachable" always;
            return 200 "";
        }
        location @grpc_error {
            default_type application/grpc;
            add_header grpc-status $gateway_grpc_status always;
            add_header grpc-message $gateway_grpc_message always;
            return 200 "";
        }
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
