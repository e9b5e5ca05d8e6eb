import { TRAFFIC_LUA_COUNT_TRY } from './traffic-lua.js';

/**
 * `M.balance()` of the `gateway_pool` module (balancer_by_lua of `upstream gateway_pool`):
 * round-robin over the route's peers that access() put in `ngx.ctx.gw_info`; retries go to peers
 * not yet tried in this request, up to MAX_TRIES tries in all (nginx's proxy_next_upstream_tries,
 * the same in reload mode; and within proxy_next_upstream_timeout), so that a request finds a
 * serving instance when several drain at once (a scale-down SIGTERMs them together and they
 * answer 503 until their deregistration arrives). A peer that failed is
 * skipped unless every peer is: 0.25 s after its first failure, doubling with each failure that
 * follows within 10 s, up to 5 s (reload mode's fail_timeout). A container registered as passing
 * before it listens is thus tried again within a quarter second, not 5 s later, while a dead peer
 * soon costs one failed try (retried on another peer) per 5 s. An upgrade request (WebSocket) or
 * a gRPC call gets the route's idle timeout (`timeout=`, else --websocket-timeout) as its send
 * and read timeout. The round-robin position and the
 * failed marks are per worker, as in nginx's own upstreams without a shared `zone`: no
 * shared-dict operation per request.
 */
/** Tries per request, the first included: every peer of a route of up to this many. */
export const MAX_TRIES = 5;

export const LUA_BALANCE = `local balancer = require "ngx.balancer"
        -- WebSockets and gRPC calls idle up to the route's timeout= (send and read), not the
        -- 60 s of an ordinary response.
        local function idle_timeouts(info)
            if info.grpc or ngx.var.http_upgrade then
                balancer.set_timeouts(nil, info.timeout, info.timeout)
            end
        end
        -- The next peer from the round-robin position not tried yet in this request and not
        -- marked down; when every untried one is down, the first untried one.
        local function scan(ctx, peers, n, now)
            local tried = ctx.gw_tried
            if not tried then
                tried = {}
                ctx.gw_tried = tried
            end
            if ctx.gw_last then tried[ctx.gw_last] = true end
            local down = M.down
            for pass = 1, 2 do
                for i = 0, n - 1 do
                    local p = peers[(ctx.gw_start + i) % n + 1]
                    if not tried[p.key] and (pass == 2 or (down[p.key] or 0) <= now) then
                        return p
                    end
                end
            end
        end
        local function set_peer(p)
            local ok, err = balancer.set_current_peer(p.host, p.port)
            if ok then return end
            ngx.log(ngx.ERR, "set_current_peer ", p.key, ": ", err)
            return ngx.exit(502)
        end
        function M.balance()
            local ctx = ngx.ctx
            local info = ctx.gw_info
            if not info then return ngx.exit(502) end
            -- Its tries and their start, for the traffic counters (gateway/traffic-lua.ts).
            ${TRAFFIC_LUA_COUNT_TRY}
            local peers, n = info.peers, info.n
            -- One peer: no retry is possible (set_more_tries is for two or more), so neither
            -- the round-robin nor the failure marks change anything: straight to it.
            if n == 1 then
                idle_timeouts(info)
                return set_peer(peers[1])
            end
            local now, pick = ngx.now(), nil
            if ctx.gw_tries == 1 then
                local start = (M.rr[ctx.gw_route] or 0) + 1
                M.rr[ctx.gw_route] = start
                ctx.gw_start = start
                local more = math.min(n, ${MAX_TRIES}) - 1
                if more > 0 then balancer.set_more_tries(more) end
                idle_timeouts(info)
                -- The usual case, without a loop or a table: the round-robin's peer is up.
                local p = peers[start % n + 1]
                if (M.down[p.key] or 0) <= now then pick = p end
            elseif ctx.gw_last and balancer.get_last_failure() then
                local f = M.fails[ctx.gw_last]
                if f and now - f.at < 10 then f.n = f.n + 1 else f = { n = 1 } end
                f.at = now
                M.fails[ctx.gw_last] = f
                M.down[ctx.gw_last] = now + math.min(5, 0.25 * 2 ^ (f.n - 1))
            end
            pick = pick or scan(ctx, peers, n, now)
            if not pick then return ngx.exit(502) end
            ctx.gw_last = pick.key
            return set_peer(pick)
        end`;
