/**
 * `M.access(route)` of the `gateway_pool` module (access_by_lua): the request's route is the one
 * the template named (`access("<upstream>")` in a per-route location) or, when it named none,
 * the one `match` finds for the host and path, whose strip prefix is then removed (as
 * `rewrite ^<strip>/?(.*)$ /$1 break;`; a path holding an encoded control character is refused
 * with 400). No route: 404; a route without peers: 503 with its explanation, before proxying.
 * The route goes to `ngx.ctx.gw_route` (the traffic counters) and its parsed peers to
 * `ngx.ctx.gw_info` (the balancer). Reads the per-worker index (`index`, `match` of lua-module.ts).
 */
export const LUA_ACCESS = `local function answer(status, text)
            ngx.status = status
            ngx.header["Content-Type"] = "text/plain"
            ngx.print(text)
            return ngx.exit(ngx.HTTP_OK)
        end
        function M.access(route)
            local idx = index()
            if not route then
                local var = ngx.var
                local r = match(idx, var.host or "", var.uri)
                if not r then return answer(404, "no route\\n") end
                route = r.upstream
                if r.strip then
                    local rest = var.uri:sub(#r.strip + 1)
                    if rest:sub(1, 1) == "/" then rest = rest:sub(2) end
                    -- set_uri refuses control characters (a decoded %0A): not a path to route.
                    if not pcall(ngx.req.set_uri, "/" .. rest) then
                        return answer(400, "bad request path\\n")
                    end
                end
            end
            local info = idx.routes[route]
            if not info then return answer(503, "no such route\\n") end
            local ctx = ngx.ctx
            -- Before the 503 below: the traffic counters count it under its route.
            ctx.gw_route = route
            if info.n == 0 then return answer(503, info.message) end
            ctx.gw_info = info
        end`;
