import { LUA_MODULES, LUA_PACKAGE_PATH } from '../../../gateway/lua-module.js';
import {
  TRAFFIC_LUA_COUNT_TRY,
  TRAFFIC_LUA_INIT,
  TRAFFIC_LUA_LOG,
  TRAFFIC_LUA_WORKER,
  TRAFFIC_NOT_COUNTED,
  trafficControlLocation,
  trafficDictDirective,
} from '../../../gateway/traffic-lua.js';
import { startNginx, type TestNginx } from '../../helpers/nginx.js';

/** A test route: requests whose path is `path` go to `route`, trying `peers` in this order. */
export interface TestRoute {
  path: string;
  route: string;
  peers: string[];
}

export interface TrafficNginxOptions {
  routes: TestRoute[];
  /** Port of the client-facing server. */
  front: number;
  /** Ports of the backends answering 200 and 500. */
  ok: number;
  fail: number;
  control: string;
}

/** http-level lines every traffic test nginx needs: the lua path, the dict, the module, its timer. */
export function trafficLuaPrelude(): string {
  return `
    lua_package_path "${LUA_PACKAGE_PATH}";
    ${trafficDictDirective()}
    init_by_lua_block {
        require "resty.core"
        ${TRAFFIC_LUA_INIT}
    }
    init_worker_by_lua_block { ${TRAFFIC_LUA_WORKER} }`;
}

/**
 * The pieces the gateway's one-nginx lua config gets (dict, init module, http-level log
 * handler, control location), around a stand-in for its access and balancer phases: routes by
 * exact path (no match: 404 unrouted; no peer: 503 answered by the gateway, `gw_route` set), and
 * a balancer that tries the peers in order (deterministic, unlike the gateway's round-robin with
 * failed peers skipped), so every retry and failure is known in advance.
 */
export function trafficHttpConfig(o: TrafficNginxOptions): string {
  const table = o.routes
    .map((r) => `["${r.path}"] = { "${r.route}", { ${r.peers.map((p) => `"${p}"`).join(', ')} } }`)
    .join(',\n            ');
  return `${trafficLuaPrelude()}
    log_by_lua_block { ${TRAFFIC_LUA_LOG} }
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_next_upstream error timeout http_502 http_503 http_504;
    proxy_next_upstream_tries 3;
    upstream test_pool {
        server 0.0.0.1;
        balancer_by_lua_block {
            local b = require "ngx.balancer"
            local ctx = ngx.ctx
            -- The gateway's balancer counts its tries here too (the log handler reads them).
            ${TRAFFIC_LUA_COUNT_TRY}
            if ctx.gw_tries == 1 and #ctx.peers > 1 then b.set_more_tries(#ctx.peers - 1) end
            local host, port = ctx.peers[ctx.gw_tries]:match("^(.+):(%d+)$")
            b.set_current_peer(host, tonumber(port))
        }
        keepalive 8;
    }
    server { listen 127.0.0.1:${o.ok}; ${TRAFFIC_NOT_COUNTED} return 200 "ok\\n"; }
    server { listen 127.0.0.1:${o.fail}; ${TRAFFIC_NOT_COUNTED} return 500 "failed\\n"; }
    server {
        listen 127.0.0.1:${o.front};
        location / {
            access_by_lua_block {
                local routes = {
            ${table}
                }
                local r = routes[ngx.var.uri]
                if not r then
                    ngx.status = 404
                    ngx.print("no route\\n")
                    return ngx.exit(ngx.HTTP_OK)
                end
                ngx.ctx.gw_route = r[1]
                if #r[2] == 0 then
                    ngx.status = 503
                    ngx.print("no instance\\n")
                    return ngx.exit(ngx.HTTP_OK)
                end
                ngx.ctx.peers = r[2]
            }
            proxy_pass http://test_pool;
        }
    }
    server {
        listen unix:${o.control};
        ${TRAFFIC_NOT_COUNTED}
${trafficControlLocation()}    }
`;
}

/** Debian's nginx with the lua module and that config (ready when the 200 backend answers). */
export function startTrafficNginx(o: TrafficNginxOptions): Promise<TestNginx> {
  return startNginx(trafficHttpConfig(o), {
    port: o.ok,
    main: LUA_MODULES.map((m) => `load_module ${m};`).join('\n'),
  });
}
