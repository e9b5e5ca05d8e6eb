import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HelperFactory } from '../template-renderer/index.js';
import type { ProtocolConfig } from './config-protocols.js';
import { nginxQuote } from './grammar.js';
import { MAX_TIMEOUT_S } from './route-tags.js';
import type { ReloadHttps } from './certs/reload-model.js';
import type { RouteMemory } from './route-memory.js';
import { RouteTableCache } from './route-table-cache.js';
import {
  routedServices,
  withoutRoutes,
  type CatalogInput,
  type InstanceInput,
  type RouteError,
  type RouteTable,
} from './routes.js';

/** The routed services of one service list, and each one's query text. */
interface Routed {
  names: string[];
  errors: RouteError[];
  queries: string[];
}

/** What templates get from `(gatewayRoutes)`: the validated table plus the gateway's settings. */
export interface TemplateModel extends RouteTable {
  /** nginx `listen` value for public servers, e.g. "127.0.0.1:8080". */
  listen: string;
  /** Arguments for `access_log` (a quoted path with the JSON format, or "off"). */
  accessLog: string;
  /**
   * Lua mode: one nginx whose nginx.conf defines `upstream gateway_pool` (its balancer picks the
   * route's instances from a shared dict) and the `gateway_pool` lua module; a location sends
   * requests there with `access_by_lua_block { require("gateway_pool").access() }` (or
   * `.access("<upstream>")` in a per-route location) and
   * `proxy_pass http://gateway_pool;`, and neither routes nor instances reload nginx.
   */
  lua: boolean;
  /**
   * Reload mode: the upstream pool nginx (`server` value for an upstream block) and the header
   * naming a request's route there.
   */
  pool: { server: string; header: string };
  /**
   * `--https-listen`: its nginx `listen` value. Lua mode: a server serves HTTPS with
   * `listen {{https.listen}} ssl http2;` (nginx.conf holds the TLS settings and the certificate
   * selection by SNI). Reload mode adds `directives` (http-level TLS settings), `certificates`
   * (name, hosts, quoted `cert`/`key` paths, `default`) and `defaultCert`; each host then carries
   * `tls` (its certificate) and `redirect` (see certs/reload-model.ts). Undefined without HTTPS.
   */
  https?: { listen: string } & Partial<ReloadHttps>;
  /**
   * `--upstream-ca` as a quoted nginx string: the CA bundle `proto=https` routes verify their
   * upstream against (`proxy_ssl_trusted_certificate`); "" when that file does not exist.
   */
  upstreamCa: string;
  /** WebSocket, streaming and gRPC settings (the protocol flags). */
  protocols: TemplateProtocols;
}

export interface TemplateProtocols {
  /** nginx `listen` value of the cleartext HTTP/2 listener (--h2c-listen); "" when none. */
  h2cListen: string;
  /** `server` value of reload mode's pool HTTP/2 (gRPC) socket. */
  grpcServer: string;
  clientMaxBodySize: string;
  /** `on`/`off` for proxy_buffering and proxy_request_buffering. */
  buffering: 'on' | 'off';
  requestBuffering: 'on' | 'off';
  /**
   * Reload mode: read/send timeout of the edge towards the pool, longer than any route's idle
   * timeout (the pool enforces each route's, and the 60 s of ordinary responses).
   */
  tunnelTimeout: string;
  /** --websocket-timeout as an nginx time ("3600s"), for templates that proxy to instances. */
  websocketTimeout: string;
}

/** The protocol settings templates get, from the flags. */
export function templateProtocols(p: ProtocolConfig, grpcSocket: string): TemplateProtocols {
  return {
    h2cListen: p.h2cListen ?? '',
    grpcServer: `unix:${grpcSocket}`,
    clientMaxBodySize: p.clientMaxBodySize,
    buffering: p.proxyBuffering ? 'on' : 'off',
    requestBuffering: p.requestBuffering ? 'on' : 'off',
    tunnelTimeout: `${MAX_TIMEOUT_S + 60}s`,
    websocketTimeout: `${p.websocketTimeoutS}s`,
  };
}

export type TemplateSettings = Pick<
  TemplateModel,
  'listen' | 'accessLog' | 'lua' | 'pool' | 'https' | 'upstreamCa'
> & {
  /** The protocol flags and the pool's gRPC socket (the model's `protocols`: templateProtocols). */
  protocols: ProtocolConfig & { grpcSocket: string };
  /** Adds what changes without Consul changes (reload-mode certificates) to each model. */
  decorate?: (model: TemplateModel) => TemplateModel;
};

const NONE: readonly InstanceInput[] = [];

const RELOAD_NO_TLS_UPSTREAM =
  'proto=https needs lua mode (reload mode proxies upstreams in plain HTTP); route not served';

/**
 * Helpers the gateway adds to template-renderer. `gatewayRoutes` reads the catalog, then every
 * instance (any health) of each service carrying a `urlprefix-` tag, through the renderer's
 * store, so changes re-render like any other query. `onTable` sees each table built.
 */
export function gatewayHelpers(
  settings: TemplateSettings,
  onTable: (table: RouteTable) => void,
  memory?: RouteMemory,
): Record<string, HelperFactory> {
  // One per gateway: a change to a few services rebuilds only their routes.
  const tables = new RouteTableCache();
  // Per version of the service list (the same object until it changes): the routed names and
  // each one's query text, built once (5,000 new strings per render, each hashed again by the
  // renderer's lookups, were a fifth of a render's time).
  const routedCache = new WeakMap<object, Routed>();
  const routedOf = (catalog: readonly CatalogInput[]): Routed => {
    let routed = routedCache.get(catalog);
    if (!routed) {
      const { names, errors } = routedServices(catalog);
      routed = { names, errors, queries: names.map((name) => `${name}|any`) };
      routedCache.set(catalog, routed);
    }
    return routed;
  };
  return {
    gatewayRoutes: (ctx) => () => {
      const { names, errors, queries } = routedOf(ctx.services() ?? []);
      const lists: (readonly InstanceInput[])[] = [];
      for (let i = 0; i < names.length; i++) lists.push(ctx.service(queries[i] as string) ?? NONE);
      const built = tables.buildLists(names, lists, errors);
      const merged = memory ? memory.merge(built) : built;
      // Reload mode's pool proxies plain HTTP only: a TLS upstream is refused, not sent plain.
      const table = settings.lua
        ? merged
        : withoutRoutes(merged, (r) => r.proto === 'https', RELOAD_NO_TLS_UPSTREAM);
      onTable(table);
      const { decorate, protocols, ...rest } = settings;
      const model: TemplateModel = {
        ...table,
        ...rest,
        protocols: templateProtocols(protocols, protocols.grpcSocket),
      };
      return decorate ? decorate(model) : model;
    },
    // For custom templates: a value as an nginx double-quoted string (throws on `$`/controls).
    nginxQuote: () => (value: unknown) => nginxQuote(String(value ?? '')),
  };
}

/** `upstreamCa` of the model: the quoted CA bundle path, or "" when the file does not exist. */
export function upstreamCaValue(path: string): string {
  return existsSync(path) ? nginxQuote(path) : '';
}

/** The shipped default template (source checkout or dist/ build). */
export function defaultTemplatePath(): string {
  const candidates = ['../templates/gateway-default.hbs', '../../templates/gateway-default.hbs'];
  for (const c of candidates) {
    const p = fileURLToPath(new URL(c, import.meta.url));
    if (existsSync(p)) return p;
  }
  return fileURLToPath(new URL(candidates[0] as string, import.meta.url));
}
