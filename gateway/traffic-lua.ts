/**
 * Per-route traffic counted inside nginx (lua mode): a `log_by_lua` handler counts every request
 * into its own shared dict, and a control-socket location dumps the counters as text lines that
 * the gateway reads (gateway/traffic.ts). Nothing here parses access logs.
 *
 * Dict keys (route = the route's upstream name `route_<hex>`, which `access_by_lua` puts in
 * `ngx.ctx.gw_route`; `-` = a request no route matched):
 * - `n:<route>:<1..5>`  requests by status class
 * - `b:<route>:<0..11>` upstream response time histogram, one slot per bucket (not cumulative);
 *                       slot i counts times <= TRAFFIC_BUCKETS[i], the last slot the rest. The
 *                       time runs from the balancer's first try to the log phase, on nginx's
 *                       cached clock: $upstream_response_time's sum over the tries, plus, for a
 *                       response nginx buffered whole, the client's time to take the rest of it
 *                       (reading that variable instead took ~1,900 instructions per request)
 * - `s:<route>`         sum of upstream response times (seconds)
 * - `f:<route>`         failed peer attempts (refused, reset, timed out, or an upstream
 *                       502/503/504 answer: what the retry policy retries): every try but the
 *                       last, and the last when the answer is a 502/503/504. The tries are
 *                       `ngx.ctx.gw_tries`, which the balancer counts.
 * - `t:<route>`         retries: tries after the first
 * - `u:<route>`         requests the gateway answered itself, no upstream tried (503 no instance)
 * - `e`                 the dict's epoch: set at the first dump after nginx started (a restart
 *                       empties the dict; a reload keeps it), so the reader can tell a reset
 */
export const TRAFFIC_DICT = 'gateway_traffic';
/**
 * ~128 bytes per key (slab-rounded); a route with traffic holds 5 to 21 keys: 10m holds the
 * counters of several thousand busy routes. When full, nginx evicts the least recently used keys
 * (routes without recent traffic); the reader treats a key that went backwards as restarted.
 */
export const TRAFFIC_DICT_SIZE = '10m';
/** The control-socket location that answers the dump. */
export const TRAFFIC_PATH = '/__gateway/traffic';
/** Upper bounds (seconds) of the upstream response time histogram, +Inf excluded. */
export const TRAFFIC_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** How often (seconds) each worker adds its counts to the dict; also when it exits. */
export const TRAFFIC_FLUSH_S = 0.25;

/**
 * init_by_lua (after `require "resty.core"`): the `gateway_traffic` module. Per request `log`
 * adds 1 to 5 counts (class, bucket, sum; retries and failures when there were some) to a
 * table of the worker, with the keys of each route built once per worker; a timer started by
 * `start` (init_worker) adds them to the dict every TRAFFIC_FLUSH_S and when the worker exits,
 * so a request costs table updates, not shared-dict operations (each takes the dict's lock).
 * The dump first flushes its own worker's counts.
 */
export const TRAFFIC_LUA_INIT = `local dict = ngx.shared.${TRAFFIC_DICT}
        local T = {}
        local BOUNDS = { ${TRAFFIC_BUCKETS.join(', ')} }
        local NB = #BOUNDS
        local FAILED = { [502] = true, [503] = true, [504] = true }
        local keys, nkeys = {}, 0
        local pending = {}
        local function add(key, v) pending[key] = (pending[key] or 0) + v end
        function T.flush()
            local p = pending
            pending = {}
            for key, v in pairs(p) do dict:incr(key, v, 0) end
        end
        function T.start()
            local ok, err = ngx.timer.every(${TRAFFIC_FLUSH_S}, T.flush)
            if not ok then ngx.log(ngx.ERR, "gateway_traffic: no flush timer: ", err) end
        end
        local function keys_of(route)
            local k = keys[route]
            if k then return k end
            if nkeys >= 20000 then keys, nkeys = {}, 0 end
            k = { n = {}, b = {}, s = "s:" .. route, f = "f:" .. route, t = "t:" .. route, u = "u:" .. route }
            for c = 1, 5 do k.n[c] = "n:" .. route .. ":" .. c end
            for i = 0, NB do k.b[i] = "b:" .. route .. ":" .. i end
            keys[route], nkeys = k, nkeys + 1
            return k
        end
        function T.log()
            local ctx = ngx.ctx
            local route = ctx.gw_route or "-"
            local k = keys_of(route)
            local status = ngx.status
            local c = math.floor(status / 100)
            if c >= 1 and c <= 5 then add(k.n[c], 1) end
            if route == "-" then return end
            -- The balancer counts its tries: each one before the last failed (that is what
            -- made nginx try again), the last one failed when the answer is a 502/503/504.
            -- (Reading $upstream_status instead took ~1,500 instructions per request.)
            local tries = ctx.gw_tries
            if not tries then return add(k.u, 1) end
            local failures = tries - 1
            if FAILED[status] then failures = failures + 1 end
            -- The wall clock may step back: never a negative time.
            local time = math.max(0, ngx.now() - ctx.gw_t0)
            if tries > 1 then add(k.t, tries - 1) end
            if failures > 0 then add(k.f, failures) end
            local i = 1
            while i <= NB and time > BOUNDS[i] do i = i + 1 end
            add(k.b[i - 1], 1)
            add(k.s, time)
        end
        function T.dump()
            T.flush()
            local epoch = dict:get("e")
            if not epoch then
                dict:add("e", math.floor(ngx.now() * 1000))
                epoch = dict:get("e")
            end
            local var = ngx.var
            local out = {
                string.format("e %.0f", epoch or 0),
                "c " .. (var.connections_active or 0) .. " " .. (var.connections_reading or 0)
                    .. " " .. (var.connections_writing or 0) .. " " .. (var.connections_waiting or 0),
            }
            for _, key in ipairs(dict:get_keys(0)) do
                local n = key ~= "e" and dict:get(key)
                if n then out[#out + 1] = key .. " " .. string.format("%.17g", n) end
            end
            ngx.header["Content-Type"] = "text/plain"
            ngx.print(table.concat(out, "\\n"), "\\n")
        end
        package.loaded.gateway_traffic = T`;

/**
 * The balancer's first lines (`ctx` = ngx.ctx): count the request's tries (`gw_tries`) and note
 * when the first began (`gw_t0`), which the log handler reads.
 */
export const TRAFFIC_LUA_COUNT_TRY = `local tries = ctx.gw_tries
            if not tries then
                tries = 0
                ctx.gw_t0 = ngx.now()
            end
            ctx.gw_tries = tries + 1`;

/** log_by_lua: count the request (the route is `ngx.ctx.gw_route`, set by access_by_lua). */
export const TRAFFIC_LUA_LOG = 'require("gateway_traffic").log()';

/** init_worker_by_lua: the worker's flush timer. */
export const TRAFFIC_LUA_WORKER = 'require("gateway_traffic").start()';

/** content_by_lua of the control location: the dump. */
export const TRAFFIC_LUA_DUMP = 'require("gateway_traffic").dump()';

/** The http-level directive for the dict. */
export function trafficDictDirective(): string {
  return `lua_shared_dict ${TRAFFIC_DICT} ${TRAFFIC_DICT_SIZE};`;
}

/**
 * For a `server` block whose requests are not client traffic (the control server): overrides an
 * http-level log handler, so they are not counted as unrouted requests.
 */
export const TRAFFIC_NOT_COUNTED = 'log_by_lua_block { }';

/** The control server's location answering the dump. */
export function trafficControlLocation(indent = '        '): string {
  return [
    `location = ${TRAFFIC_PATH} {`,
    '    default_type text/plain;',
    `    content_by_lua_block { ${TRAFFIC_LUA_DUMP} }`,
    '}',
  ]
    .map((line) => indent + line + '\n')
    .join('');
}
