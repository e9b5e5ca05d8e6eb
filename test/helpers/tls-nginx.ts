import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { luaCertsInit } from '../../gateway/certs/lua-module.js';
import {
  certificatesControlLocation,
  certsDictDirective,
  httpsListen,
  tlsDirectives,
} from '../../gateway/certs/nginx-tls.js';
import { writePlaceholder, type Placeholder } from '../../gateway/certs/placeholder.js';
import { luaRedirectHttps } from '../../gateway/certs/redirect.js';
import { LUA_MODULES, LUA_PACKAGE_PATH } from '../../gateway/lua-module.js';
import { startNginx, type TestNginx } from './nginx.js';
import { freePorts } from './ports.js';

export interface TlsNginx {
  http: number;
  https: number;
  /** The control socket that takes `PUT /__gateway/certificates`. */
  socket: string;
  /** The set file nginx loads at start. */
  setFile: string;
  dir: string;
  placeholder: Placeholder;
  nginx: TestNginx;
  stop(): Promise<void>;
}

/**
 * A real nginx (Debian's lua module) assembled from the gateway's certificate pieces only: the
 * dict and module, the TLS directives with ssl_certificate_by_lua, the control location, and
 * `--redirect-https` on the plain listener. HTTPS answers `tls <server name>`.
 */
export async function startTlsNginx(
  o: { workers?: number; prepare?: (setFile: string) => Promise<void> } = {},
): Promise<TlsNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'tls-nginx-'));
  const placeholder = await writePlaceholder(dir);
  const setFile = join(dir, 'certificates.set');
  await o.prepare?.(setFile);
  const [http, https] = (await freePorts(2)) as [number, number];
  const socket = join(dir, 'control.sock');
  const listen = `127.0.0.1:${https}`;
  const nginx = await startNginx(
    [
      `lua_package_path "${LUA_PACKAGE_PATH}";`,
      certsDictDirective(),
      `init_by_lua_block {\n${luaCertsInit(setFile)}\n}`,
      `server {\n  listen 127.0.0.1:${http};\n  location / {`,
      `    access_by_lua_block {\n${luaRedirectHttps(listen)}\n    }`,
      '    content_by_lua_block { ngx.say("plain") }\n  }\n}',
      `server {\n  ${httpsListen(listen)}\n${tlsDirectives({ placeholder, lua: true })}`,
      '  location / { return 200 "tls $ssl_server_name\\n"; }\n}',
      `server {\n  listen unix:${socket};\n${certificatesControlLocation()}}`,
    ].join('\n'),
    {
      port: http,
      workers: o.workers ?? 2,
      main: LUA_MODULES.map((m) => `load_module ${m};`).join('\n'),
    },
  );
  return {
    http,
    https,
    socket,
    setFile,
    dir,
    placeholder,
    nginx,
    async stop() {
      await nginx.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
