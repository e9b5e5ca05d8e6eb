import { LUA_ACCESS } from './lua-access.js';
import { LUA_BALANCE } from './lua-balancer.js';
import { LUA_LOAD } from './lua-load.js';
import type { Route, RouteTable } from './routes.js';

/** Where Debian's libnginx-mod-http-lua (and the ndk module it needs) and lua-resty-core live. */
export const LUA_MODULES = [
  '/usr/lib/nginx/modules/ndk_http_module.so',
  '/usr/lib/nginx/modules/ngx_http_lua_module.so',
];
export const LUA_PACKAGE_PATH = '/usr/share/lua/5.1/?.lua;;';
/**
 * Shared dict: `p:<upstream>` -> "host:port ...", `m:<upstream>` -> 503 text, `routing` -> the
 * route lines, `version`. Each worker parses them once per version (round-robin positions and
 * failed peers are per worker, as nginx's own upstreams without a `zone`).
 */
export const LUA_DICT = 'gateway_peers';

/** A route's options as letters (none: ""), then its `timeout=` in seconds (none: ""). */
function routeFlags(r: Route): string {
  const proto = r.proto === 'grpc' ? 'G' : r.proto ? (r.tlsSkipVerify ? 'K' : 'S') : '';
  return `${r.redirect ? 'R' : ''}${proto}${r.timeout ?? ''}`;
}

/** One route as the Lua code reads it (every field passed the route grammars). */
export function routeLine(r: Route): string {
  return [
    r.upstream,
    r.host === '' ? '-' : r.host,
    r.path,
    r.strip ?? '-',
    r.services.join(','),
    // Remembered routes (no instance left in Consul) explain themselves differently; then the
    // options: R redirect=https, S proto=https, K proto=https tlsskipverify=true, G proto=grpc,
    // then the timeout= seconds.
    (r.remembered ? 'r' : 'h') + routeFlags(r),
    ...r.servers.map((s) => s.target),
  ].join(' ');
}

/**
 * The routing table as the Lua code reads it: `v <version>`, then one line per route,
 * `<upstream> <host|-> <path> <strip|-> <service,...> <h|r>[RSKG]*<timeout s>? <host:port>...` (none: no
 * healthy instance). Data only: the Lua side matches each field against a pattern and never
 * evaluates it; values passed the route grammars already (no whitespace in any of them).
 */
export function encodeMembership(
  table: Pick<RouteTable, 'routes'>,
  version: number,
  line: (r: Route) => string = routeLine,
): string {
  return [`v ${version}`, ...table.routes.map(line)].join('\n') + '\n';
}

/** What the workers index of a route (a patch may change anything else: peers, message). */
export function routingKey(r: Route): string {
  return `${r.upstream} ${r.host} ${r.path} ${r.strip ?? '-'} ${routeFlags(r)}`;
}

/** A patch of the table at `base`: new lines of existing routes, routing unchanged (lua-load.ts). */
export function encodePatch(lines: readonly string[], version: number, base: number): string {
  return [`d ${version} ${base}`, ...lines].join('\n') + '\n';
}

/** The table part of an encoded table (without the version line), to detect changes. */
export function membershipBody(encoded: string): string {
  return encoded.slice(encoded.indexOf('\n') + 1);
}

/**
 * init_by_lua: the `gateway_pool` module. `load` validates a table and stores it in the dict
 * (all or nothing); `match` finds a request's route by host and longest path prefix, as
 * per-route `server`/`location` blocks would (exact host, then the longest `*.` wildcard, with
 * host-less routes serving every host that lacks the same path); `access` (access_by_lua) picks
 * the request's route and answers 404/503 itself. The table file (a whole table, then the patches
 * appended since) is loaded at every config load, so a restarted nginx serves the last table
 * before the gateway sends one; the dict itself survives reloads (HUP).
 */
export function luaInit(membersFile: string, websocketTimeoutS = 3600): string {
  if (!Number.isInteger(websocketTimeoutS) || websocketTimeoutS < 1)
    throw new Error(`websocket timeout: expected whole seconds, received ${websocketTimeoutS}`);
  // The work dir has no quotes, brackets or spaces (config.ts), so a long bracket is safe.
  return `require "resty.core"
        local dict = ngx.shared.${LUA_DICT}
        local M = {}
        -- Idle timeout (s) of upgraded connections and gRPC calls of routes without timeout=.
        M.timeout = ${websocketTimeoutS}
        ${LUA_LOAD}

        -- Per worker: the parsed routing and each route's peers, rebuilt when the version
        -- changes (only the patched routes' peers when every version since was a patch). Each
        -- route list is indexed by path length: a lookup costs one hash probe per distinct
        -- length (longest first), not one comparison per route.
        local cache = { version = false }
        M.rr, M.down, M.fails = {}, {}, {}
        local function indexed(routes)
            local by, lengths = {}, {}
            for _, r in ipairs(routes) do
                local n = #r.path
                if not by[n] then
                    by[n] = {}
                    lengths[#lengths + 1] = n
                end
                by[n][r.path] = r
            end
            table.sort(lengths, function(a, b) return a > b end)
            return { by = by, lengths = lengths }
        end
        local function info_of(name)
            local peers = {}
            for p in (dict:get("p:" .. name) or ""):gmatch("%S+") do
                -- An IPv6 host keeps its brackets: set_current_peer wants "[::1]".
                local host, port = p:match("^(.+):(%d+)$")
                peers[#peers + 1] = { key = p, host = host, port = tonumber(port) }
            end
            return { peers = peers, n = #peers, message = dict:get("m:" .. name) }
        end
        -- Versions a worker skipped that only patched routes: their names (nil: rebuild all).
        local function patched(from, to)
            if not from or not to or to < from or to - from > 64 then return nil end
            local names = {}
            for v = from + 1, to do
                local d = dict:get("d:" .. v)
                if not d then return nil end
                for n in d:gmatch("%S+") do names[#names + 1] = n end
            end
            return names
        end
        local function index()
            local version = dict:get("version")
            if cache.version == version then return cache end
            local names = patched(cache.version, version)
            if names then
                for _, name in ipairs(names) do
                    local r = cache.routes[name]
                    if r then
                        local i = info_of(name)
                        r.peers, r.n, r.message = i.peers, i.n, i.message
                    end
                end
                cache.version = version
                return cache
            end
            local exact, wild, default, routes = {}, {}, {}, {}
            for line in (dict:get("routing") or ""):gmatch("[^\\n]+") do
                local name, host, path, strip, flags, timeout =
                    line:match("^(%S+) (%S+) (%S+) (%S+) (%S+) (%S+)$")
                local r = info_of(name)
                r.upstream, r.path, r.strip = name, path, strip ~= "-" and strip or nil
                r.redirect = flags:find("R", 1, true) ~= nil
                r.grpc = flags:find("G", 1, true) ~= nil
                r.timeout = tonumber(timeout) or M.timeout
                r.tls = (flags:find("K", 1, true) and "@gateway_https_insecure")
                    or (flags:find("S", 1, true) and "@gateway_https") or nil
                routes[name] = r
                local list = default
                if host ~= "-" then
                    local suffix = host:match("^%*(%..+)$")
                    local into = suffix and wild or exact
                    local key = suffix or host
                    into[key] = into[key] or {}
                    list = into[key]
                end
                list[#list + 1] = r
            end
            for _, t in ipairs({ exact, wild }) do
                for key, list in pairs(t) do t[key] = indexed(list) end
            end
            cache = {
                version = version, exact = exact, wild = wild, default = indexed(default),
                routes = routes, any_wild = next(wild) ~= nil,
            }
            local now = ngx.now()
            for p, until_ in pairs(M.down) do if until_ <= now then M.down[p] = nil end end
            for p, f in pairs(M.fails) do if now - f.at >= 10 then M.fails[p] = nil end end
            for name in pairs(M.rr) do if not routes[name] then M.rr[name] = nil end end
            return cache
        end
        -- Per request no loops but tail calls: LuaJIT cannot compile a loop of a few turns met
        -- inside a trace (the trace aborts, and the request phases ended up interpreted).
        local function probe(list, uri, len, i)
            local n = list.lengths[i]
            if not n then return nil end
            local r = n <= len and list.by[n][uri:sub(1, n)]
            if r then return r end
            return probe(list, uri, len, i + 1)
        end
        local function first(list, uri)
            if not list then return nil end
            return probe(list, uri, #uri, 1)
        end
        local function wildcard(wild, host, from)
            local at = host:find(".", from, true)
            if not at then return nil end
            local own = wild[host:sub(at)]
            if own then return own end
            return wildcard(wild, host, at + 1)
        end
        local function match(idx, host, uri)
            local own = idx.exact[host]
            if not own and idx.any_wild then own = wildcard(idx.wild, host, 2) end
            local r, d = first(own, uri), first(idx.default, uri)
            if d and (not r or #d.path > #r.path) then r = d end
            return r
        end
        function M.match(host, uri)
            return match(index(), host, uri)
        end
        ${LUA_ACCESS}
        ${LUA_BALANCE}
        package.loaded.gateway_pool = M
        local f = io.open([==[${membersFile}]==], "r")
        if f then
            local body = f:read("*a")
            f:close()
            -- The whole table, then the patches appended since, each from its "d " line. A
            -- reload (HUP) finds the dict at the file's last version already: loading it again
            -- would step the dict back through older versions while the old workers serve.
            local last = body:match("^v (%d+)\\n")
            for v in body:gmatch("\\nd (%d+) %d+\\n") do last = v end
            local have = dict:get("version")
            if not (have and tonumber(last) and have >= tonumber(last)) then
                local at = body:find("\\nd %d+ %d+\\n")
                local ok, err = M.load(at and body:sub(1, at) or body)
                while ok and at do
                    local nxt = body:find("\\nd %d+ %d+\\n", at + 1)
                    ok, err = M.load(body:sub(at + 1, nxt or #body))
                    at = nxt
                end
                if not ok then ngx.log(ngx.ERR, "gateway membership file: ", err) end
            end
        end`;
}
