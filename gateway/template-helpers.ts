import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HelperFactory } from '../template-renderer/index.js';
import type { GatewayConfig } from './config.js';
import { nginxQuote } from './grammar.js';
import type { WorkPaths } from './nginx-config.js';
import { MAX_TIMEOUT_S } from './route-tags.js';
import type { RouteMemory } from './route-memory.js';
import {
  buildRouteTable,
  routedServices,
  type InstanceInput,
  type RouteTable,
  type VirtualHost,
} from './routes.js';

/** What templates get from `(gatewayRoutes)`: the validated table plus the gateway's settings. */
export interface TemplateModel extends RouteTable {
  /** nginx `listen` value for public servers, e.g. "127.0.0.1:8080". */
  listen: string;
  /** Arguments for `access_log` (a quoted path with the JSON format, or "off"). */
  accessLog: string;
  /**
   * The upstream pool: `server` value for an upstream block, the route header to set, and
   * whether the pool matches host and path itself (lua mode): a template can then send every
   * request to it without a header, and route changes reload no nginx at all.
   */
  pool: { server: string; header: string; routing: boolean };
  /** WebSocket, streaming and gRPC settings (the protocol flags). */
  protocols: TemplateProtocols;
  /** `hosts` with their gRPC routes only (every host, the default one first). */
  grpcHosts: VirtualHost[];
}

export interface TemplateProtocols {
  /** nginx `listen` value of the cleartext HTTP/2 listener (--h2c-listen); "" when none. */
  h2cListen: string;
  /** `server` value of the pool's HTTP/2 (gRPC) socket. */
  grpcServer: string;
  clientMaxBodySize: string;
  /** `on`/`off` for proxy_buffering and proxy_request_buffering. */
  buffering: 'on' | 'off';
  requestBuffering: 'on' | 'off';
  /**
   * Read/send timeout of the edge towards the pool, longer than any route's idle timeout: the
   * pool enforces each route's (and the ordinary 60 s of non-upgraded requests).
   */
  tunnelTimeout: string;
  /** --websocket-timeout as an nginx time ("3600s"): for templates that proxy to instances. */
  websocketTimeout: string;
}

export type TemplateSettings = Pick<TemplateModel, 'listen' | 'accessLog' | 'pool' | 'protocols'>;

/** The hosts' gRPC routes: what the h2c listener routes (reload mode). */
export function grpcHosts(hosts: readonly VirtualHost[]): VirtualHost[] {
  return hosts.map((h) => {
    const routes = h.routes.filter((r) => r.proto === 'grpc');
    return { name: h.name, routes, hasRoot: routes.some((r) => r.path === '/') };
  });
}

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
  return {
    gatewayRoutes: (ctx) => () => {
      const { names, errors } = routedServices(ctx.services() ?? []);
      const entries = new Map<string, InstanceInput[]>();
      for (const name of names) entries.set(name, ctx.service(`${name}|any`) ?? []);
      const built = buildRouteTable(entries, errors);
      const table = memory ? memory.merge(built) : built;
      onTable(table);
      const model: TemplateModel = { ...table, ...settings, grpcHosts: grpcHosts(table.hosts) };
      return model;
    },
    // For custom templates: a value as an nginx double-quoted string (throws on `$`/controls).
    nginxQuote: () => (value: unknown) => nginxQuote(String(value ?? '')),
  };
}

/** The protocol settings templates get, from the flags. */
export function templateProtocols(config: GatewayConfig, paths: WorkPaths): TemplateProtocols {
  const p = config.protocols;
  return {
    h2cListen: p.h2cListen ?? '',
    grpcServer: `unix:${paths.pool.grpcSocket}`,
    clientMaxBodySize: p.clientMaxBodySize,
    buffering: p.proxyBuffering ? 'on' : 'off',
    requestBuffering: p.requestBuffering ? 'on' : 'off',
    tunnelTimeout: `${MAX_TIMEOUT_S + 60}s`,
    websocketTimeout: `${p.websocketTimeoutS}s`,
  };
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
