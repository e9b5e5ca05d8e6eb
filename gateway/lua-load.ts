/**
 * `M.load(body)` of the `gateway_pool` module (the control socket's PUT): a whole table
 * (`v <version>`, then one line per route; all or nothing, routes no longer listed are dropped)
 * or a patch (`d <version> <base>`, then the lines of routes whose peers or message changed,
 * their routing unchanged; refused unless the dict holds <base>). A patch names its routes in
 * `d:<version>`, so a worker refreshes just those (`index` in lua-module.ts); a whole table
 * deletes every `d:` key, so a worker that crosses it rebuilds everything. Needs `dict` and `M`.
 */
export const LUA_LOAD = `local LINE = "^(route_%x+) (%S+) (/%S*) (%S+) ([%w_,%-]+) ([hr])([RSKG]*)(%d*)(.*)$"
-- One route line: its name, what the dict keeps for it, its routing line (or nil, why).
        local function parse(line)
            local name, host, path, strip, services, kind, flags, timeout, rest = line:match(LINE)
            if not name then return nil, "bad route line" end
            local peers = {}
            for p in rest:gmatch("%S+") do
                if not p:match("^[%w%.:%[%]]+:%d+$") then return nil, "bad peer" end
                peers[#peers + 1] = p
            end
            local shown = (host == "-" and "" or host) .. path
            local what = kind == "r" and "no instance of " or "no healthy instance of "
            if flags == "" then flags = "-" end
            if timeout == "" then timeout = "-" end
            return name, {
                peers = table.concat(peers, " "),
                message = what .. services:gsub(",", ", ") .. " for " .. shown .. "\\n",
            }, table.concat({ name, host, path, strip, flags, timeout }, " ")
        end
        local function store(name, r)
            local ok, err = dict:safe_set("p:" .. name, r.peers)
            if ok then ok, err = dict:safe_set("m:" .. name, r.message) end
            return ok, err
        end
        -- "d <version> <base>": new peers and messages of existing routes (routing unchanged),
        -- applied only on top of <base>; "d:<version>" names them for the workers.
        local function patch(version, base, body)
            if dict:get("version") ~= base then return nil, "stale base" end
            local names, parsed, header = {}, {}, true
            for line in body:gmatch("[^\\n]+") do
                if header then
                    header = false
                else
                    local name, r = parse(line)
                    if not name then return nil, r end
                    if not dict:get("m:" .. name) then return nil, "unknown route" end
                    names[#names + 1], parsed[#parsed + 1] = name, r
                end
            end
            for i, name in ipairs(names) do
                local ok, err = store(name, parsed[i])
                if not ok then return nil, err end
            end
            local ok, err = dict:safe_set("d:" .. version, table.concat(names, " "), 600)
            if not ok then return nil, err end
            dict:set("version", version)
            return version
        end
        function M.load(body)
            local dv, base = body:match("^d (%d+) (%d+)\\n")
            if dv then return patch(tonumber(dv), tonumber(base), body) end
            local version, routes, routing = nil, {}, {}
            for line in body:gmatch("[^\\n]+") do
                if not version then
                    version = line:match("^v (%d+)$")
                    if not version then return nil, "first line must be: v <version>" end
                else
                    local name, r, route = parse(line)
                    if not name then return nil, r end
                    routes[name] = r
                    routing[#routing + 1] = route
                end
            end
            if not version then return nil, "empty table" end
            for _, k in ipairs(dict:get_keys(0)) do
                local kind, name = k:match("^(%a+):(.*)$")
                if kind == "d" or ((kind == "p" or kind == "m") and routes[name] == nil) then
                    dict:delete(k)
                end
            end
            for name, r in pairs(routes) do
                local ok, err = store(name, r)
                if not ok then return nil, err end
            end
            -- Routing before version: a worker that sees the new version reads the new routes.
            local ok, err = dict:safe_set("routing", table.concat(routing, "\\n"))
            if not ok then return nil, err end
            dict:set("version", tonumber(version))
            return tonumber(version)
        end`;
