import { LUA_DICT, ROUTE_HEADER } from './pool-lua.js';

/** The route header as an nginx variable (`$http_x_gateway_route`). */
export const ROUTE_HEADER_VAR = `$http_${ROUTE_HEADER.toLowerCase().replace(/-/g, '_')}`;

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

/**
 * access_by_lua: the route is the one the edge named (`X-Gateway-Route`, templates with per-route
 * locations) or, when it named none, the one `match` finds for the host and path, whose strip
 * prefix is then removed (as `rewrite ^<strip>/?(.*)$ /$1 break;`; a path holding an encoded
 * control character is refused with 400). No route: 404; a route without peers: 503 with its
 * explanation, before proxying.
 */
export const LUA_ACCESS = `local dict = ngx.shared.${LUA_DICT}
                local function answer(status, text)
                    ngx.status = status
                    ngx.header["Content-Type"] = "text/plain"
                    ngx.print(text)
                    return ngx.exit(ngx.HTTP_OK)
                end
                local route = ngx.var.${ROUTE_HEADER_VAR.slice(1)}
                if not route or route == "" then
                    local r = require("gateway_pool").match(ngx.var.host or "", ngx.var.uri)
                    if not r then return answer(404, "no route\\n") end
                    route = r.upstream
                    if r.strip then
                        local rest = ngx.var.uri:sub(#r.strip + 1)
                        if rest:sub(1, 1) == "/" then rest = rest:sub(2) end
                        -- set_uri refuses control characters (a decoded %0A): not a path to route.
                        if not pcall(ngx.req.set_uri, "/" .. rest) then
                            return answer(400, "bad request path\\n")
                        end
                    end
                end
                local peers = dict:get("p:" .. route)
                if not peers then return answer(503, "no such route\\n") end
                if peers == "" then return answer(503, dict:get("m:" .. route)) end
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
