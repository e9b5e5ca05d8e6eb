import { isHost, nginxQuote } from '../grammar.js';
import type { Route, VirtualHost } from '../routes.js';
import { tlsDirectives } from './nginx-tls.js';
import { redirectReturn } from './redirect.js';
import type { CertificateFile, CertificateFileSet } from './reload-files.js';

/** A certificate's files as quoted nginx strings. */
export interface TlsFiles {
  cert: string;
  key: string;
}

/** A route of the reload-mode model: `redirectReturn` set for `redirect=https`. */
export type TlsRoute = Route & { redirectReturn?: string };

/**
 * A server of the reload-mode model: a route host (or extra certificate host names serving the
 * host-less routes), with the certificate its TLS listener serves (none: plain only) and, with
 * `--redirect-https`, the return that sends plain HTTP there.
 */
export interface TlsHost extends Omit<VirtualHost, 'routes'> {
  routes: TlsRoute[];
  tls?: TlsFiles;
  redirect?: string;
}

/** `https` of the template model in reload mode. */
export interface ReloadHttps {
  listen: string;
  /** http-level TLS settings (protocols, ciphers, session cache); no certificate. */
  directives: string;
  certificates: { name: string; hosts: string[]; cert: string; key: string; default: boolean }[];
  /** The default TLS server's certificate; absent: it refuses handshakes. */
  defaultCert?: TlsFiles;
}

/** `*.b.test` matches `a.b.test` (one label), other names only themselves. */
const matches = (pattern: string, host: string): boolean =>
  pattern === host ||
  (pattern.startsWith('*.') && host.slice(host.indexOf('.')) === pattern.slice(1));

const quoted = (f: CertificateFile): TlsFiles => ({
  cert: nginxQuote(f.cert),
  key: nginxQuote(f.key),
});

/**
 * The reload-mode TLS model from the route hosts and the written certificate files (pure): each
 * route host gets the certificate selecting its name (exact, wildcard, then the default); the
 * names certificates cover without a route host become servers of the host-less routes, one per
 * certificate. Host names are checked against the route grammar before they reach a config.
 */
export function reloadTlsModel(
  hosts: readonly VirtualHost[],
  set: CertificateFileSet,
  listen: string,
  redirectAll: boolean,
): { https: ReloadHttps; hosts: TlsHost[] } {
  const ret = redirectReturn(listen);
  /** Whether a certificate covers the name itself (the default alone is no redirect). */
  const covers = (f: CertificateFile | undefined, host: string): boolean =>
    f !== undefined &&
    (!f.isDefault || (set.select(host) === f && f.hosts.some((n) => matches(n, host))));
  const decorate = (
    h: VirtualHost,
    f: CertificateFile | undefined,
    name: string,
    redirect: boolean,
  ): TlsHost => ({
    ...h,
    name,
    routes: h.routes.map((r) => (r.redirect === 'https' ? { ...r, redirectReturn: ret } : r)),
    ...(f ? { tls: quoted(f) } : {}),
    ...(f && redirectAll && redirect ? { redirect: ret } : {}),
  });
  const named = new Set(hosts.map((h) => h.name));
  const out: TlsHost[] = hosts.map((h) => {
    if (h.name === '') return decorate(h, undefined, '', false);
    const f = set.select(h.name);
    return decorate(h, f, h.name, covers(f, h.name));
  });
  const hostless = hosts.find((h) => h.name === '');
  for (const f of set.files) {
    const extra = f.hosts.filter((n) => isHost(n) && !named.has(n) && set.select(n) === f);
    if (extra.length === 0 || !hostless) continue;
    for (const n of extra) named.add(n);
    out.push(decorate(hostless, f, extra.join(' '), true));
  }
  return {
    https: {
      listen,
      directives: tlsDirectives({ lua: false, indent: '' }),
      certificates: set.files.map((f) => ({
        name: f.name,
        hosts: f.hosts,
        ...quoted(f),
        default: f.isDefault,
      })),
      ...(set.defaultFile ? { defaultCert: quoted(set.defaultFile) } : {}),
    },
    hosts: out,
  };
}
