import { luaPutHandler } from '../lua-phases.js';
/**
 * Shared dict of the certificate set: `set:<generation>` (one encoded set per load), `current`
 * (the generation served), `generation` (counter), `version` (the gateway's, answered on PUT).
 */
export const CERTS_DICT = 'gateway_certs';

/**
 * init_by_lua: the `gateway_certs` module (append it to the http block's single init_by_lua).
 * - `load(body)` checks every line of an encoded set (encode.ts) against a pattern, parses every
 *   chain and key with OpenSSL, and only then stores the set under a new key and points
 *   `current` at it: all or nothing, the previous set serves until the pointer moves.
 * - `serve()` (ssl_certificate_by_lua) selects by SNI: exact host, then the wildcard of the first
 *   label, then the default; none: the handshake is refused. Each worker indexes a set once per
 *   version and parses each certificate once per certificate version, on first use.
 * With `setFile`, a restarted nginx loads the last set the gateway wrote before any handshake.
 */
export function luaCertsInit(setFile?: string): string {
  // The file path has no quotes, brackets or spaces (the work dir grammar): a long bracket is safe.
  const fromFile = setFile
    ? `
        local f = io.open([==[${setFile}]==], "r")
        if f then
            local body = f:read("*a")
            f:close()
            local ok, err = C.load(body)
            if not ok then ngx.log(ngx.ERR, "gateway certificate file: ", err) end
        end`
    : '';
  return `require "resty.core"
        local ssl = require "ngx.ssl"
        local cdict = ngx.shared.${CERTS_DICT}
        local C = {}
        local NAME, HOST = "^[%w][%w%._%-]*$", "^[%*%w][%w%.%-]*$"
        local function blocks(text)
            local at = text:find("-----BEGIN PRIVATE KEY-----", 1, true)
            if not at then return nil end
            return text:sub(1, at - 1), text:sub(at)
        end
        -- The set as a table: hosts, default and the PEM texts by name (not parsed here).
        local function parse(body)
            local set = { exact = {}, wild = {}, certs = {} }
            local cur
            for line in body:gmatch("[^\\n]+") do
                local tag = line:sub(1, 2)
                if not set.version then
                    set.version = tonumber(line:match("^v (%d+)$"))
                    if not set.version then return nil, "first line must be: v <version>" end
                elseif cur and (line:match("^[%w+/=]+$") or line:match("^%-%-%-%-%-[A-Z ]+%-%-%-%-%-$")) then
                    cur.text[#cur.text + 1] = line
                elseif tag == "d " then
                    set.default = line:sub(3)
                    if set.default == "-" then set.default = nil end
                    if set.default and not set.default:match(NAME) then return nil, "bad default" end
                elseif tag == "h " then
                    local host, name = line:match("^h (%S+) (%S+)$")
                    if not host or not host:match(HOST) or not name:match(NAME) then return nil, "bad host line" end
                    local suffix = host:match("^%*(%..+)$")
                    if suffix then set.wild[suffix] = name else set.exact[host] = name end
                elseif tag == "c " then
                    local name, ver = line:match("^c (%S+) (%x+)$")
                    if not name or not name:match(NAME) then return nil, "bad certificate line" end
                    cur = { name = name, id = name .. " " .. ver, text = {} }
                    set.certs[name] = cur
                else
                    return nil, "bad line"
                end
            end
            if not set.version then return nil, "empty set" end
            for name, c in pairs(set.certs) do
                c.chain, c.key = blocks(table.concat(c.text, "\\n") .. "\\n")
                c.text = nil
                if not c.chain then return nil, "no key for certificate " .. name end
            end
            for _, t in ipairs({ set.exact, set.wild }) do
                for _, name in pairs(t) do
                    if not set.certs[name] then return nil, "host names a missing certificate" end
                end
            end
            if set.default and not set.certs[set.default] then return nil, "missing default" end
            return set
        end
        function C.load(body)
            local set, err = parse(body)
            if not set then return nil, err end
            for name, c in pairs(set.certs) do
                if not ssl.parse_pem_cert(c.chain) then return nil, "certificate " .. name .. ": bad chain" end
                if not ssl.parse_pem_priv_key(c.key) then return nil, "certificate " .. name .. ": bad key" end
            end
            -- Each load gets its own key (a restarted gateway counts versions from 1 again).
            local gen = cdict:incr("generation", 1, 0)
            local ok, serr = cdict:safe_set("set:" .. gen, body)
            if not ok then return nil, serr end
            cdict:set("current", gen)
            cdict:set("version", set.version)
            for _, k in ipairs(cdict:get_keys(0)) do
                if k:sub(1, 4) == "set:" and k ~= "set:" .. gen then cdict:delete(k) end
            end
            return set.version
        end

        -- Per worker: the current set (indexed once per version) and parsed certificates.
        local cache, parsed = { gen = false }, {}
        local function current()
            local gen = cdict:get("current")
            if not gen then return nil end
            if cache.gen == gen then return cache end
            -- A load in another worker may have replaced the set in between: read the pointer again.
            local body = cdict:get("set:" .. gen)
            if not body then
                gen = cdict:get("current")
                body = gen and cdict:get("set:" .. gen)
            end
            local set = body and parse(body)
            if not set then return nil end
            set.gen = gen
            local keep = {}
            for _, c in pairs(set.certs) do keep[c.id] = parsed[c.id] end
            parsed, cache = keep, set
            return set
        end
        local function named(set, server_name)
            if not server_name or server_name == "" then return nil end
            -- No gsub (LuaJIT does not compile it): this runs for every handshake.
            local host = server_name:lower()
            if host:byte(-1) == 46 then host = host:sub(1, -2) end
            local name = set.exact[host]
            if name then return name end
            local dot = host:find(".", 2, true)
            return dot and set.wild[host:sub(dot)]
        end
        function C.select(server_name)
            local set = current()
            if not set then return nil end
            return set.certs[named(set, server_name) or set.default or ""]
        end
        -- Whether a certificate names this host (exact or wildcard; the default does not count).
        function C.covers(host)
            local set = current()
            return set ~= nil and named(set, host) ~= nil
        end
        function C.serve()
            local c = C.select(ssl.server_name())
            if not c then return nil end
            local p = parsed[c.id]
            if not p then
                local cert, key = ssl.parse_pem_cert(c.chain), ssl.parse_pem_priv_key(c.key)
                if not cert or not key then return nil end
                p = { cert = cert, key = key }
                parsed[c.id] = p
            end
            local ok = ssl.clear_certs()
            ok = ok and ssl.set_cert(p.cert)
            ok = ok and ssl.set_priv_key(p.key)
            return ok
        end
        package.loaded.gateway_certs = C${fromFile}`;
}

/**
 * ssl_certificate_by_lua: serve the selected certificate or refuse the handshake. The fallback
 * `ssl_certificate` nginx requires is therefore never sent to anyone.
 */
export const LUA_SSL_CERTIFICATE = `if not require("gateway_certs").serve() then
                return ngx.exit(ngx.ERROR)
            end`;

/** content_by_lua of the control location: PUT replaces the set; every method answers the version. */
export const LUA_CERTIFICATES_CONTROL = luaPutHandler(
  CERTS_DICT,
  'gateway_certs',
  'certificate set',
);
