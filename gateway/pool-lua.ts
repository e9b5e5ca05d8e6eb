import type { RouteTable } from './routes.js';

/** Where Debian's libnginx-mod-http-lua (and the ndk module it needs) and lua-resty-core live. */
export const LUA_MODULES = [
  '/usr/lib/nginx/modules/ndk_http_module.so',
  '/usr/lib/nginx/modules/ngx_http_lua_module.so',
];
export const LUA_PACKAGE_PATH = '/usr/share/lua/5.1/?.lua;;';
/** Shared dict holding `p:<upstream>` -> "host:port host:port", `version`, round-robin counters. */
export const LUA_DICT = 'gateway_peers';

/**
 * The membership table as the pool's Lua code reads it: `v <version>`, then one line per route,
 * `<upstream> <host:port>...` (no addresses: no healthy instance). Data only: the Lua side matches
 * each field against a pattern and never evaluates it; values passed the route grammars already.
 */
export function encodeMembership(table: Pick<RouteTable, 'routes'>, version: number): string {
  const lines = table.routes.map((r) => [r.upstream, ...r.servers.map((s) => s.target)].join(' '));
  return [`v ${version}`, ...lines].join('\n') + '\n';
}

/** The membership part of an encoded table (without the version line), to detect changes. */
export function membershipBody(encoded: string): string {
  return encoded.slice(encoded.indexOf('\n') + 1);
}

/**
 * init_by_lua: a module that validates and loads a membership table into the dict (all or
 * nothing), and loads the table file at every config load, so a restarted pool nginx serves the
 * last table before the gateway sends one. The shared dict itself survives reloads (HUP).
 */
export function luaInit(membersFile: string): string {
  // The work dir has no quotes, brackets or spaces (config.ts), so a long bracket is safe.
  return `require "resty.core"
        local dict = ngx.shared.${LUA_DICT}
        local M = {}
        function M.load(body)
            local version, routes = nil, {}
            for line in body:gmatch("[^\\n]+") do
                if not version then
                    version = line:match("^v (%d+)$")
                    if not version then return nil, "first line must be: v <version>" end
                else
                    local name, rest = line:match("^(route_%x+)(.*)$")
                    if not name then return nil, "bad route line" end
                    local peers = {}
                    for p in rest:gmatch("%S+") do
                        if not p:match("^[%w%.:%[%]]+:%d+$") then return nil, "bad peer" end
                        peers[#peers + 1] = p
                    end
                    routes[name] = table.concat(peers, " ")
                end
            end
            if not version then return nil, "empty table" end
            for _, k in ipairs(dict:get_keys(0)) do
                local kind, name = k:match("^(%a+):(.*)$")
                if (kind == "p" or kind == "rr") and routes[name] == nil then dict:delete(k) end
            end
            for name, peers in pairs(routes) do
                local ok, err = dict:safe_set("p:" .. name, peers)
                if not ok then return nil, err end
            end
            dict:set("version", tonumber(version))
            return tonumber(version)
        end
        package.loaded.gateway_pool = M
        local f = io.open([==[${membersFile}]==], "r")
        if f then
            local body = f:read("*a")
            f:close()
            local ok, err = M.load(body)
            if not ok then ngx.log(ngx.ERR, "gateway membership file: ", err) end
        end`;
}

/**
 * balancer_by_lua: round-robin over the route's peers; retries (up to 3 tries, as the reload mode)
 * go to peers not yet tried in this request, and a peer that failed is skipped for 5 s
 * (the reload mode's max_fails=1 fail_timeout=5s) unless every peer is marked.
 */
export const LUA_BALANCER = `local b = require "ngx.balancer"
            local dict = ngx.shared.${LUA_DICT}
            local ctx = ngx.ctx
            local peers = ctx.gw_peers
            if not peers then
                peers = {}
                for p in (dict:get("p:" .. ctx.gw_route) or ""):gmatch("%S+") do peers[#peers + 1] = p end
                if #peers == 0 then return ngx.exit(502) end
                ctx.gw_peers, ctx.gw_tried = peers, {}
                ctx.gw_start = dict:incr("rr:" .. ctx.gw_route, 1, 0) or 0
                local more = math.min(#peers, 3) - 1
                if more > 0 then b.set_more_tries(more) end
            elseif ctx.gw_last and b.get_last_failure() then
                dict:set("down:" .. ctx.gw_last, true, 5)
            end
            local n, pick = #peers, nil
            for pass = 1, 2 do
                for i = 0, n - 1 do
                    local p = peers[(ctx.gw_start + i) % n + 1]
                    if not ctx.gw_tried[p] and (pass == 2 or not dict:get("down:" .. p)) then
                        pick = p
                        break
                    end
                end
                if pick then break end
            end
            if not pick then return ngx.exit(502) end
            ctx.gw_tried[pick], ctx.gw_last = true, pick
            local host, port = pick:match("^(.+):(%d+)$")
            local ok, err = b.set_current_peer(host, tonumber(port))
            if not ok then
                ngx.log(ngx.ERR, "set_current_peer ", pick, ": ", err)
                return ngx.exit(502)
            end`;

/** access_by_lua: a known route without peers answers 503 with its explanation, before proxying. */
export const LUA_ACCESS = `local route = ngx.var.gateway_pool
                local peers = ngx.shared.${LUA_DICT}:get("p:" .. route)
                if not peers or peers == "" then
                    ngx.status = 503
                    ngx.header["Content-Type"] = "text/plain"
                    ngx.print(ngx.var.gateway_unavailable)
                    return ngx.exit(ngx.HTTP_OK)
                end
                ngx.ctx.gw_route = route`;

/** content_by_lua: PUT replaces the whole table (idempotent); every method answers the version. */
export const LUA_MEMBERSHIP = `local dict = ngx.shared.${LUA_DICT}
                if ngx.req.get_method() == "PUT" then
                    ngx.req.read_body()
                    local body = ngx.req.get_body_data()
                    if not body then
                        ngx.status = 400
                        return ngx.say("membership body missing or too large")
                    end
                    local ok, err = require("gateway_pool").load(body)
                    if not ok then
                        ngx.status = 400
                        return ngx.say(err)
                    end
                end
                ngx.say(dict:get("version") or 0)`;
