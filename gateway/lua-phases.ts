import { LUA_DICT, LUA_MODULES, LUA_PACKAGE_PATH, luaInit } from './lua-module.js';
import { nginxQuote } from './grammar.js';
import {
  TRAFFIC_LUA_INIT,
  TRAFFIC_LUA_WORKER,
  TRAFFIC_LUA_LOG,
  TRAFFIC_NOT_COUNTED,
  trafficControlLocation,
  trafficDictDirective,
} from './traffic-lua.js';

/** balancer_by_lua: the module's balancer (lua-balancer.ts). */
export const LUA_BALANCER = 'require("gateway_pool").balance()';

/**
 * content_by_lua of a control location: PUT hands the body to `<module>.load` (all or nothing;
 * 400 with its reason when refused); every method answers the version in `dict`.
 */
export function luaPutHandler(dict: string, module: string, what: string): string {
  return `local dict = ngx.shared.${dict}
                if ngx.req.get_method() == "PUT" then
                    ngx.req.read_body()
                    local body = ngx.req.get_body_data()
                    if not body then
                        ngx.status = 400
                        return ngx.say("${what} missing or too large")
                    end
                    local ok, err = require("${module}").load(body)
                    if not ok then
                        ngx.status = 400
                        return ngx.say(err)
                    end
                end
                ngx.say(dict:get("version") or 0)`;
}

/** content_by_lua: PUT replaces the whole route table (idempotent). */
export const LUA_MEMBERSHIP = luaPutHandler(LUA_DICT, 'gateway_pool', 'membership body');

/** Lua mode, main context: the modules. */
export function luaMainDirectives(): string {
  return LUA_MODULES.map((m) => `load_module ${nginxQuote(m)};\n`).join('');
}

/**
 * Lua mode, http context: the module (routes and instances in a shared dict, loaded from
 * `membersFile` at every config load), the traffic counters (a log handler for every server the
 * template writes) and `upstream gateway_pool` (and `gateway_grpc` for grpc_pass), whose
 * balancer picks the route's instances;
 * `extraInit` joins the single init_by_lua_block (the certificate module).
 * Constant: routes and instances never change it.
 */
export function luaHttpDirectives(
  membersFile: string,
  extraInit = '',
  websocketTimeoutS = 3600,
): string {
  const balanced = (name: string): string =>
    `    upstream ${name} {\n        server 0.0.0.1;\n` +
    `        balancer_by_lua_block {\n            ${LUA_BALANCER}\n        }\n` +
    '        keepalive 32;\n    }\n';
  return (
    `    lua_package_path ${nginxQuote(LUA_PACKAGE_PATH)};\n` +
    `    lua_shared_dict ${LUA_DICT} 16m;\n` +
    `    ${trafficDictDirective()}\n` +
    `    init_by_lua_block {\n        ${luaInit(membersFile, websocketTimeoutS)}\n` +
    `        do\n        ${TRAFFIC_LUA_INIT}\n        end\n` +
    (extraInit ? `        ${extraInit}\n` : '') +
    '    }\n' +
    `    init_worker_by_lua_block { ${TRAFFIC_LUA_WORKER} }\n` +
    `    log_by_lua_block { ${TRAFFIC_LUA_LOG} }\n\n` +
    balanced('gateway_pool') +
    // proto=grpc routes (grpc_pass, HTTP/2): their own keepalive connections.
    balanced('gateway_grpc')
  );
}

/**
 * Lua mode, control server: the membership endpoint the gateway PUTs tables to and the traffic
 * dump; its own requests are not counted.
 */
export function luaControlDirectives(): string {
  return (
    `        ${TRAFFIC_NOT_COUNTED}\n` +
    trafficControlLocation() +
    '        client_max_body_size 16m;\n        client_body_buffer_size 16m;\n' +
    '        location = /__gateway/membership {\n            default_type text/plain;\n' +
    `            content_by_lua_block {\n                ${LUA_MEMBERSHIP}\n            }\n        }\n`
  );
}
