/**
 * `M.access(route)` of the `gateway_pool` module (access_by_lua): the request's route is the one
 * the template named (`access("<upstream>")` in a per-route location) or, when it named none,
 * the one `match` finds for the host and path, whose strip prefix is then removed (as
 * `rewrite ^<strip>/?(.*)$ /$1 break;`; a path holding an encoded control character is refused
 * with 400). No route: 404; a route without peers: 503 with its explanation, before proxying.
 * The route goes to `ngx.ctx.gw_route` (the traffic counters) and its parsed entry (peers) to
 * `ngx.ctx.gw_info` (the balancer). With HTTPS
 * wired, plain HTTP answers 308 first for `--redirect-https` hosts with a certificate and for
 * `redirect=https` routes; `proto=https` routes continue in `@gateway_https` (verified) or
 * `@gateway_https_insecure` (tlsskipverify), named locations the template defines. `proto=grpc`
 * routes continue in `@gateway_grpc` (grpc_pass) when the request came over HTTP/2 (else 503
 * with an explanation); without healthy instance, or for a gRPC call (`content-type:
 * application/grpc`) no route matches, they answer a trailers-only gRPC status (14
 * UNAVAILABLE, 12 UNIMPLEMENTED).
 */
export const LUA_ACCESS = `local function answer(status, text)
            ngx.status = status
            ngx.header["Content-Type"] = "text/plain"
            ngx.print(text)
            return ngx.exit(ngx.HTTP_OK)
        end
        -- A gRPC status as a trailers-only response (HEADERS with END_STREAM: no body).
        local function grpc_answer(code, text)
            ngx.status = 200
            ngx.header["Content-Type"] = "application/grpc"
            ngx.header["Content-Length"] = 0
            ngx.header["grpc-status"] = code
            ngx.header["grpc-message"] = (text:gsub("%%", "%%25"):gsub("\\n$", ""))
            ngx.send_headers()
            return ngx.exit(ngx.HTTP_OK)
        end
        local function is_grpc(var)
            return (var.http_content_type or ""):sub(1, 16) == "application/grpc"
        end
        function M.access(route)
            -- HTTPS wired (gateway_certs.redirect defined) and a plain HTTP request: redirects
            -- ($scheme is read only when a redirect may apply).
            local certs = package.loaded.gateway_certs
            local var = ngx.var
            if certs and certs.redirect_all and var.scheme == "http"
                and certs.covers(var.host or "") then
                return certs.redirect()
            end
            local idx, r = index(), nil
            if route then
                r = idx.routes[route]
            else
                r = match(idx, var.host or "", var.uri)
                if not r then return answer(404, "no route\\n") end
                if r.strip then
                    local rest = var.uri:sub(#r.strip + 1)
                    if rest:sub(1, 1) == "/" then rest = rest:sub(2) end
                    -- set_uri refuses control characters (a decoded %0A): not a path to route.
                    if not pcall(ngx.req.set_uri, "/" .. rest) then
                        return answer(400, "bad request path\\n")
                    end
                end
            end
            if not r then return answer(503, "no such route\\n") end
            if r.redirect and certs and certs.redirect and var.scheme == "http" then
                return certs.redirect()
            end
            local ctx = ngx.ctx
            -- Before the 503 below: the traffic counters count it under its route.
            ctx.gw_route = r.upstream
            -- proto=grpc: HTTP/2 only (h2c listener, or the TLS listener through ALPN); no healthy
            -- instance is gRPC's UNAVAILABLE, not an HTML 503.
            if r.grpc then
                if var.server_protocol ~= "HTTP/2.0" then
                    return answer(503, "gRPC route: call it over HTTP/2 (--h2c-listen, --https-listen)\\n")
                end
                if r.n == 0 then return grpc_answer(14, r.message) end
                var.gateway_route = r.upstream
                return ngx.exec("@gateway_grpc")
            end
            if r.n == 0 then return answer(503, r.message) end
            ctx.gw_info = r
            -- proto=https: the template's named location proxies over TLS (ngx.exec keeps the
            -- URI, not ngx.ctx: the route travels in $gateway_route, see resume).
            if r.tls then
                var.gateway_route = r.upstream
                return ngx.exec(r.tls)
            end
            -- Server-sent events: unbuffered (the catch-all template's @gateway_stream; a
            -- per-route location sets its own buffering).
            local accept = not route and var.http_accept
            if accept and accept:find("text/event-stream", 1, true) then
                var.gateway_route = r.upstream
                return ngx.exec("@gateway_stream")
            end
        end
        -- access_by_lua of the proto=https and proto=grpc named locations: the route access()
        -- chose.
        function M.resume()
            local route = ngx.var.gateway_route
            local ctx = ngx.ctx
            ctx.gw_route = route
            ctx.gw_info = index().routes[route]
        end`;
