/**
 * HTTP -> HTTPS redirects (308: method and body kept). The target keeps the request's host and
 * URI; the port is added when the HTTPS listener is not on 443. `$host` is nginx's validated
 * host (lower-cased, no port), never a raw header.
 */

/** The port of an nginx listen value ("443", "0.0.0.0:8443", "[::]:443"). */
export function listenPort(listen: string): number {
  return Number(/(\d+)$/.exec(listen)?.[1]);
}

/** The directive for a redirecting location or server (reload mode, `redirect=https` routes). */
export function redirectReturn(httpsListen: string): string {
  const port = listenPort(httpsListen);
  return `return 308 https://$host${port === 443 ? '' : `:${port}`}$request_uri;`;
}

/**
 * access_by_lua (lua mode, on the plain HTTP listener only), before routing: `--redirect-https`
 * redirects every host a served certificate covers (exact or wildcard; not the default).
 */
export function luaRedirectHttps(httpsListen: string): string {
  const port = listenPort(httpsListen);
  const suffix = port === 443 ? '' : `:${port}`;
  return `if ngx.var.scheme == "http" and require("gateway_certs").covers(ngx.var.host) then
                    return ngx.redirect("https://" .. ngx.var.host .. "${suffix}" .. ngx.var.request_uri, 308)
                end`;
}

/**
 * init_by_lua, after luaCertsInit: `gateway_certs.redirect()` answers 308 to the same URL on the
 * HTTPS listener, and `redirect_all` (`--redirect-https`) tells `gateway_pool.access` to send
 * every host a certificate covers there (`redirect=https` routes go there regardless).
 */
export function luaRedirectModule(httpsListen: string, all: boolean): string {
  const port = listenPort(httpsListen);
  const suffix = port === 443 ? '' : `:${port}`;
  return `do
            local C = package.loaded.gateway_certs
            C.redirect_all = ${all ? 'true' : 'false'}
            function C.redirect()
                return ngx.redirect("https://" .. ngx.var.host .. "${suffix}" .. ngx.var.request_uri, 308)
            end
        end`;
}
