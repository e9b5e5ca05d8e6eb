import type { FlagSpec } from '../../common/cli/argv.js';
import { configError } from '../../common/errors.js';
import { parseHostPort, parseListen } from '../listen.js';
import { CERT_NAME } from './validate.js';

/** The HTTPS listener and where its certificates come from. */
export interface TlsConfig {
  /** nginx `listen` value of the HTTPS listener ("443", "0.0.0.0:443"). */
  listen: string;
  /** Folder of `<name>.pem|.crt` (+ `<name>.key`), watched. */
  certDir?: string;
  /** Consul KV prefix holding `<prefix>/<name>/cert` and `<prefix>/<name>/key`, watched. */
  kvPrefix?: string;
  /** The certificate (by name) for unknown or absent SNI; none: such handshakes are refused. */
  defaultCert?: string;
  /** Plain HTTP for every host with a certificate answers 308 to HTTPS. */
  redirectHttps: boolean;
}

/** Debian's bundle of the system CAs (package ca-certificates). */
export const DEFAULT_UPSTREAM_CA = '/etc/ssl/certs/ca-certificates.crt';

export const tlsFlagSpecs: FlagSpec[] = [
  {
    name: 'https-listen',
    kind: 'string',
    value: '<addr>',
    env: 'GATEWAY_HTTPS_LISTEN',
    description: 'address nginx serves HTTPS on (TLS 1.2/1.3, HTTP/2); needs a certificate source',
  },
  {
    name: 'cert-dir',
    kind: 'string',
    value: '<dir>',
    env: 'GATEWAY_CERT_DIR',
    description: 'folder of <name>.pem|.crt chains, key inside or in <name>.key; watched',
  },
  {
    name: 'cert-kv-prefix',
    kind: 'string',
    value: '<prefix>',
    env: 'GATEWAY_CERT_KV_PREFIX',
    description: 'Consul KV prefix of <prefix>/<name>/cert and <prefix>/<name>/key; watched',
  },
  {
    name: 'default-cert',
    kind: 'string',
    value: '<name>',
    env: 'GATEWAY_DEFAULT_CERT',
    description: 'certificate for unknown or absent SNI (default: refuse the handshake)',
  },
  {
    name: 'redirect-https',
    kind: 'boolean',
    env: 'GATEWAY_REDIRECT_HTTPS',
    description: 'plain HTTP for every host with a certificate answers 308 to HTTPS',
  },
  {
    name: 'upstream-ca',
    kind: 'string',
    value: '<file>',
    env: 'GATEWAY_UPSTREAM_CA',
    description: `CA bundle proto=https routes verify their upstream against (default ${DEFAULT_UPSTREAM_CA})`,
  },
];

const KV_PREFIX = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;

type Flags = Record<string, string | boolean | string[]>;

function envBoolean(value: string | undefined, option: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^(true|1|t)$/i.test(value)) return true;
  if (/^(false|0|f)$/i.test(value)) return false;
  throw configError(option, 'true or false', value);
}

/**
 * The TLS part of the config, validated where it is defined: `--https-listen` needs a source
 * and a port other than `--listen`'s; the source and certificate flags need `--https-listen`.
 * Undefined when HTTPS is off. Pure.
 */
export function resolveTlsConfig(
  flags: Flags,
  env: Record<string, string | undefined>,
  o: { listen: string; abs: (path: string) => string },
): TlsConfig | undefined {
  const pick = (name: string, envName: string): string | undefined => {
    const v = flags[name];
    return typeof v === 'string' ? v : env[envName] || undefined;
  };
  const listenText = pick('https-listen', 'GATEWAY_HTTPS_LISTEN');
  const certDir = pick('cert-dir', 'GATEWAY_CERT_DIR');
  const kvText = pick('cert-kv-prefix', 'GATEWAY_CERT_KV_PREFIX');
  const defaultCert = pick('default-cert', 'GATEWAY_DEFAULT_CERT');
  const flag = flags['redirect-https'];
  const redirect =
    typeof flag === 'boolean'
      ? flag
      : envBoolean(env.GATEWAY_REDIRECT_HTTPS, 'GATEWAY_REDIRECT_HTTPS');
  if (listenText === undefined) {
    const stray = Object.entries({ certDir, kvText, defaultCert }).find(([, v]) => v);
    if (stray || redirect) {
      const option = stray
        ? { certDir: '--cert-dir', kvText: '--cert-kv-prefix', defaultCert: '--default-cert' }[
            stray[0] as 'certDir'
          ]
        : '--redirect-https';
      throw configError(option, 'to be used with --https-listen', stray?.[1] ?? true);
    }
    return undefined;
  }
  const listen = parseListen(listenText, '--https-listen');
  if (parseHostPort(listen, '--https-listen').port === parseHostPort(o.listen, '--listen').port)
    throw configError('--https-listen', 'a port other than the one of --listen', listenText);
  if (!certDir && !kvText)
    throw configError('--https-listen', '--cert-dir or --cert-kv-prefix as well', listenText);
  const kvPrefix = kvText?.replace(/^\/+|\/+$/g, '');
  if (kvPrefix !== undefined && (!KV_PREFIX.test(kvPrefix) || /(^|\/)\.\.?(\/|$)/.test(kvPrefix)))
    throw configError('--cert-kv-prefix', 'a KV path of letters, digits, _ . - and /', kvText);
  if (defaultCert !== undefined && !CERT_NAME.test(defaultCert))
    throw configError('--default-cert', 'a certificate name (letters, digits, . _ -)', defaultCert);
  return {
    listen,
    ...(certDir ? { certDir: o.abs(certDir) } : {}),
    ...(kvPrefix ? { kvPrefix } : {}),
    ...(defaultCert ? { defaultCert } : {}),
    redirectHttps: redirect ?? false,
  };
}

/** `--upstream-ca`: an absolute plain path (nginx loads it; `nginx -t` names a missing file). */
export function resolveUpstreamCa(
  flags: Flags,
  env: Record<string, string | undefined>,
  abs: (path: string) => string,
): string {
  const v = flags['upstream-ca'];
  const text = typeof v === 'string' ? v : env.GATEWAY_UPSTREAM_CA || DEFAULT_UPSTREAM_CA;
  if (/[\s"'\\$;{}]/.test(text) || text === '')
    throw configError('--upstream-ca', 'a plain file path', text);
  return abs(text);
}

/** The TLS part of GatewayConfig: `tls` (undefined when HTTPS is off) and `upstreamCa`. */
export function resolveTlsFlags(
  flags: Flags,
  env: Record<string, string | undefined>,
  o: { listen: string; abs: (path: string) => string },
): { tls?: TlsConfig; upstreamCa: string } {
  const tls = resolveTlsConfig(flags, env, o);
  return { ...(tls ? { tls } : {}), upstreamCa: resolveUpstreamCa(flags, env, o.abs) };
}
