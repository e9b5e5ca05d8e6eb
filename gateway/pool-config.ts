import { nginxQuote } from './grammar.js';
import { configHead, type WorkPaths } from './nginx-config.js';
import { LUA_DICT, LUA_MODULES, LUA_PACKAGE_PATH, luaInit, ROUTE_HEADER } from './pool-lua.js';
import { LUA_ACCESS, LUA_BALANCER, LUA_MEMBERSHIP, ROUTE_HEADER_VAR } from './pool-lua-phases.js';
import type { RouteTable } from './routes.js';

export { ROUTE_HEADER };

export interface PoolConfigOptions {
  paths: WorkPaths;
  table: Pick<RouteTable, 'routes'>;
  generation: number;
  workerProcesses: string;
  shutdownTimeoutMs: number;
  /**
   * Lua mode: instances are not in the config but in a shared dict the gateway sets over the
   * control socket (membership changes without a reload); the file is loaded at every start.
   */
  lua?: { membersFile: string };
}

/**
 * The upstream pool: a second nginx holding every route's upstream servers, reached by the edge
 * over a unix socket with keepalive. Reload mode: the routes and instances are in this config and
 * every change reloads the pool; a reload closes idle edge->pool connections, which the edge
 * retries on its own (a failed cached connection is not counted as a try), so clients never see
 * it. Lua mode: the config is constant; routes and instances live in a shared dict, and the pool
 * also matches requests the edge sent without a route header.
 * Pure: every value in the table has passed the route grammars.
 */
export function renderPoolConfig(o: PoolConfigOptions): string {
  const routes = o.table.routes;
  if (o.lua) {
    // Routes and instances are in the dict only: this config never changes with them.
    return renderPool(o, {
      main: LUA_MODULES.map((m) => `load_module ${nginxQuote(m)};\n`).join(''),
      http:
        `    lua_package_path ${nginxQuote(LUA_PACKAGE_PATH)};\n` +
        `    lua_shared_dict ${LUA_DICT} 16m;\n` +
        `    init_by_lua_block {\n        ${luaInit(o.lua.membersFile)}\n    }\n\n` +
        `    upstream gateway_pool {\n        server 0.0.0.1;\n` +
        `        balancer_by_lua_block {\n            ${LUA_BALANCER}\n        }\n` +
        '        keepalive 32;\n    }\n',
      proxy:
        `            access_by_lua_block {\n                ${LUA_ACCESS}\n            }\n` +
        '            proxy_pass http://gateway_pool;\n',
      control:
        '        client_max_body_size 16m;\n        client_body_buffer_size 16m;\n' +
        '        location = /__gateway/membership {\n            default_type text/plain;\n' +
        `            content_by_lua_block {\n                ${LUA_MEMBERSHIP}\n            }\n        }\n`,
    });
  }
  const upstreams = routes
    .filter((r) => r.servers.length > 0)
    .map(
      (r) =>
        `    # ${r.host}${r.path} (${r.services.join(', ')})\n    upstream ${r.upstream} {\n` +
        r.servers.map((s) => `        server ${s.target} max_fails=1 fail_timeout=5s;\n`).join('') +
        '        keepalive 32;\n    }\n',
    )
    .join('');
  const pools = routes
    .filter((r) => r.servers.length > 0)
    .map((r) => `        ${r.upstream} ${r.upstream};\n`)
    .join('');
  const messages = routes
    .filter((r) => r.unavailable)
    .map((r) => `        ${r.upstream} ${r.unavailable};\n`)
    .join('');
  return renderPool(o, {
    main: '',
    http:
      `${upstreams}\n    map ${ROUTE_HEADER_VAR} $gateway_pool {\n        default "";\n${pools}    }\n\n` +
      `    map ${ROUTE_HEADER_VAR} $gateway_unavailable {\n        default "no such route\\n";\n${messages}    }\n`,
    proxy:
      '            if ($gateway_pool = "") {\n                return 503 $gateway_unavailable;\n            }\n' +
      '            proxy_pass http://$gateway_pool;\n',
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
  /** Extra control-socket directives. */
  control: string;
}

function renderPool(o: PoolConfigOptions, parts: PoolParts): string {
  const q = nginxQuote;
  const p = o.paths.pool;
  return `${parts.main}${configHead({ ...o, title: ': upstream pool', pid: p.pid, tmp: p.tmp })}
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
${parts.control}        location / {
            return 404;
        }
    }
}
`;
}
