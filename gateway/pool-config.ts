import { nginxQuote } from './grammar.js';
import { configHead, type WorkPaths } from './nginx-config.js';
import { reloadHttpPart, timeoutLocations } from './pool-config-reload.js';
import { LUA_DICT, LUA_MODULES, LUA_PACKAGE_PATH, luaInit, ROUTE_HEADER } from './pool-lua.js';
import { LUA_BALANCER, LUA_MEMBERSHIP, luaAccess } from './pool-lua-phases.js';
import type { RouteTable } from './routes.js';

export { ROUTE_HEADER };

export interface PoolConfigOptions {
  paths: WorkPaths;
  table: Pick<RouteTable, 'routes'>;
  generation: number;
  workerProcesses: string;
  shutdownTimeoutMs: number;
  /** Idle timeout (s) of upgraded connections and gRPC streams of routes without `timeout=`. */
  websocketTimeoutS: number;
  /** --request-buffering: off streams request bodies through the pool too. */
  requestBuffering: boolean;
  /**
   * Lua mode: instances are not in the config but in a shared dict the gateway sets over the
   * control socket (membership changes without a reload); the file is loaded at every start.
   */
  lua?: { membersFile: string };
}

const lua = (phase: string, code: string, indent: string): string =>
  `${indent}${phase}_by_lua_block {\n${indent}    ${code}\n${indent}}\n`;

const balancedUpstream = (name: string): string =>
  `    upstream ${name} {\n        server 0.0.0.1;\n${lua('balancer', LUA_BALANCER, '        ')}` +
  '        keepalive 32;\n    }\n';

/**
 * The upstream pool: a second nginx holding every route's upstream servers, reached by the edge
 * over a unix socket with keepalive (HTTP/1.1), and over a second one speaking HTTP/2 for gRPC
 * routes. Reload mode: the routes and instances are in this config and every change reloads the
 * pool; a reload closes idle edge->pool connections, which the edge retries on its own (a failed
 * cached connection is not counted as a try), so clients never see it, and old workers keep
 * their upgraded connections (WebSockets) until they close or time out. Lua mode: the config is
 * constant; routes and instances live in a shared dict, and the pool also matches requests the
 * edge sent without a route header. Pure: every value in the table has passed the route grammars.
 */
export function renderPoolConfig(o: PoolConfigOptions): string {
  const routes = o.table.routes;
  const t = o.websocketTimeoutS;
  if (o.lua) {
    // Routes and instances are in the dict only: this config never changes with them.
    return renderPool(o, {
      main: LUA_MODULES.map((m) => `load_module ${nginxQuote(m)};\n`).join(''),
      http:
        `    lua_package_path ${nginxQuote(LUA_PACKAGE_PATH)};\n` +
        `    lua_shared_dict ${LUA_DICT} 16m;\n` +
        `    init_by_lua_block {\n        ${luaInit(o.lua.membersFile)}\n    }\n\n` +
        balancedUpstream('gateway_pool') +
        balancedUpstream('gateway_grpc_pool'),
      proxy:
        lua('access', luaAccess('http', t), '            ') +
        '            proxy_pass http://gateway_pool;\n',
      grpc:
        '            set $gateway_grpc_status 14;\n            set $gateway_grpc_message "";\n' +
        lua('access', luaAccess('grpc', t), '            ') +
        '            grpc_pass grpc://gateway_grpc_pool;\n',
      locations: '',
      control:
        '        client_max_body_size 16m;\n        client_body_buffer_size 16m;\n' +
        '        location = /__gateway/membership {\n            default_type text/plain;\n' +
        lua('content', LUA_MEMBERSHIP, '            ') +
        '        }\n',
    });
  }
  return renderPool(o, {
    main: '',
    http: reloadHttpPart(routes, t),
    proxy:
      '            if ($gateway_pool = "") {\n                return 503 $gateway_unavailable;\n            }\n' +
      '            # Upgrade requests go to the location holding their idle timeout.\n' +
      '            error_page 418 = $gateway_ws_target;\n' +
      '            if ($http_upgrade) {\n                return 418;\n            }\n' +
      '            proxy_pass http://$gateway_pool;\n',
    grpc: '            error_page 418 = $gateway_grpc_target;\n            return 418;\n',
    locations: timeoutLocations('w', routes, t),
    grpcLocations: timeoutLocations('g', routes, t),
    control: '',
  });
}

interface PoolParts {
  /** Main-context directives (load_module). */
  main: string;
  /** Upstreams, maps and other http-level directives. */
  http: string;
  /** How a known route is proxied. */
  proxy: string;
  /** How a gRPC call is passed (the HTTP/2 server). */
  grpc: string;
  /** Named locations of the HTTP/1.1 and HTTP/2 servers. */
  locations: string;
  grpcLocations?: string;
  /** Extra control-socket directives. */
  control: string;
}

function renderPool(o: PoolConfigOptions, parts: PoolParts): string {
  const q = nginxQuote;
  const p = o.paths.pool;
  // Old workers of a reloaded pool keep upgraded connections (WebSockets) up to their timeout.
  const drainMs = Math.max(o.shutdownTimeoutMs, o.websocketTimeoutS * 1000);
  return `${parts.main}${configHead({ ...o, title: ': upstream pool', pid: p.pid, tmp: p.tmp, shutdownTimeoutMs: drainMs })}
    access_log off;
    server_tokens off;
    client_max_body_size 0;
    keepalive_timeout 300s;
    keepalive_requests 100000;
${POOL_PROXY_SETTINGS}    proxy_request_buffering ${o.requestBuffering ? 'on' : 'off'};
${parts.http}
    server {
        listen ${q(`unix:${p.socket}`)};
        default_type text/plain;
        location / {
${parts.proxy}        }
${parts.locations}    }

    server {
        listen ${q(`unix:${p.grpcSocket}`)} http2;
        location / {
${parts.grpc}        }
${parts.grpcLocations ?? ''}        location @grpc_error {
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
${parts.control}        location / {
            return 404;
        }
    }
}
`;
}

/** Proxy settings of both pool modes (http context). */
const POOL_PROXY_SETTINGS = `
    # WebSocket: an Upgrade request is forwarded with "Connection: upgrade"; every other request
    # sends no Connection header and keeps its keepalive connection to the instance.
    map $http_upgrade $gateway_connection {
        default upgrade;
        "" "";
    }
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $gateway_connection;
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

    # Streaming: the pool passes responses through as they come (the edge decides on buffering),
    # and tells the edge not to buffer a text/event-stream response or one the instance marked
    # "X-Accel-Buffering: no" (nginx hides that header from the next hop otherwise). Request
    # bodies: as the edge (--request-buffering).
    proxy_buffering off;
    map "$upstream_http_x_accel_buffering|$upstream_http_content_type" $gateway_accel_buffering {
        default "";
        "~*^no\\|" no;
        "~*^[^|]*\\|text/event-stream" no;
    }
    add_header X-Accel-Buffering $gateway_accel_buffering always;

    # gRPC: HTTP/2 to the instances; a call is retried on another instance only when it never
    # reached one (nginx does not retry a POST once sent; every gRPC call is a POST).
    grpc_set_header ${ROUTE_HEADER} "";
    grpc_connect_timeout 2s;
    grpc_next_upstream error timeout;
    grpc_next_upstream_tries 3;
    grpc_next_upstream_timeout 10s;
`;
