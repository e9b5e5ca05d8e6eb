import { luaCertsInit } from './lua-module.js';
import { certificatesControlLocation, certsDictDirective, tlsDirectives } from './nginx-tls.js';
import type { Placeholder } from './placeholder.js';
import { luaRedirectModule } from './redirect.js';

/** What the gateway's nginx.conf needs to serve HTTPS in lua mode. */
export interface MainTls {
  /** `--https-listen` (the port of redirects). */
  listen: string;
  /** The certificate nginx requires in a TLS server; never served (placeholder.ts). */
  placeholder: Placeholder;
  /** The encoded set nginx loads at every start and reload (CertificateSync writes it). */
  setFile: string;
  /** `--redirect-https`. */
  redirectAll: boolean;
}

/**
 * The nginx.conf pieces of the HTTPS front door (lua mode), all constant for a gateway run:
 * - `http`: the certificate dict and the TLS settings at http level, inherited by every server
 *   with an `ssl` listen (the template only writes `listen <addr> ssl http2;`);
 * - `init`: the `gateway_certs` module (loads `setFile`) and its redirect function, for the
 *   single init_by_lua_block;
 * - `control`: `PUT /__gateway/certificates` in the control server.
 */
export function mainTlsPieces(t: MainTls | undefined): {
  http: string;
  init: string;
  control: string;
} {
  if (!t) return { http: '', init: '', control: '' };
  return {
    http: certsDictDirective() + tlsDirectives({ placeholder: t.placeholder, lua: true }),
    init: `do\n        ${luaCertsInit(t.setFile)}\n        end\n        ${luaRedirectModule(t.listen, t.redirectAll)}`,
    control: certificatesControlLocation(),
  };
}
