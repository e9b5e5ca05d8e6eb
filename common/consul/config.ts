import { readFileSync } from 'node:fs';
import { configError } from '../errors.js';

/** Where and how to reach a Consul agent; resolved by each CLI from flags and env. */
export interface ConsulConfig {
  /** "http" | "https" | "unix" */
  scheme: 'http' | 'https' | 'unix';
  host: string;
  port: number;
  /** Unix socket path when scheme is "unix". */
  socketPath?: string;
  token?: string;
  tls?: { ca?: string; cert?: string; key?: string; insecureSkipVerify?: boolean };
  /**
   * Most TCP connections this client holds to the agent at once (requests beyond it wait for a
   * free one). A stock agent refuses more than 200 per client address
   * (`limits.http_max_conns_per_client`); absent: no bound.
   */
  maxConns?: number;
  /** HTTPS agents spoken to over HTTP/2: how often each connection is pinged (default 30 s). */
  pingMs?: number;
}

export const consulDefaults: ConsulConfig = { scheme: 'http', host: '127.0.0.1', port: 8500 };

/**
 * Accepts the address forms users write for consul-template and the Consul CLI:
 * "host:port", "host", "http://host:port", "https://host:port", "unix:///path/to.sock".
 */
export function parseConsulAddress(value: string, option = '-consul-addr'): ConsulConfig {
  const text = value.trim();
  if (text.startsWith('unix://')) {
    const socketPath = text.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw configError(option, 'unix:///absolute/path.sock', value);
    return { scheme: 'unix', host: 'localhost', port: 80, socketPath };
  }
  const m = /^(?:(https?):\/\/)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?\/?$/.exec(text);
  if (!m) throw configError(option, 'host:port, http(s)://host:port or unix:///path', value);
  const scheme = (m[1] as 'http' | 'https' | undefined) ?? 'http';
  const port = m[3] === undefined ? (scheme === 'https' ? 8501 : 8500) : Number(m[3]);
  if (port < 1 || port > 65535) throw configError(option, 'a port from 1 to 65535', m[3]);
  return { scheme, host: (m[2] as string).replace(/^\[|\]$/g, ''), port };
}

export interface ConsulTlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** Reads CONSUL_CACERT / CONSUL_CLIENT_CERT / CONSUL_CLIENT_KEY files (paths given by the CLI). */
export function loadTls(files: ConsulTlsFiles): NonNullable<ConsulConfig['tls']> {
  const read = (path: string | undefined, name: string): string | undefined => {
    if (!path) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw configError(name, 'a readable PEM file', `${path} (${(error as Error).message})`);
    }
  };
  return {
    ca: read(files.caFile, 'CONSUL_CACERT'),
    cert: read(files.certFile, 'CONSUL_CLIENT_CERT'),
    key: read(files.keyFile, 'CONSUL_CLIENT_KEY'),
  };
}

/**
 * The Consul CLI's TLS environment (CONSUL_CACERT, CONSUL_CLIENT_CERT, CONSUL_CLIENT_KEY) applied
 * to `consul`: the files are read, and a plain "host:port" address then means HTTPS. Mutates.
 */
export function applyTlsEnv(consul: ConsulConfig, env: Record<string, string | undefined>): void {
  if (!env.CONSUL_CACERT && !env.CONSUL_CLIENT_CERT && !env.CONSUL_CLIENT_KEY) return;
  consul.tls = loadTls({
    caFile: env.CONSUL_CACERT,
    certFile: env.CONSUL_CLIENT_CERT,
    keyFile: env.CONSUL_CLIENT_KEY,
  });
  if (consul.scheme === 'http') consul.scheme = 'https';
}

/** "http://127.0.0.1:8500" style text for logs and status; never includes the token. */
export function describeConsul(config: ConsulConfig): string {
  if (config.scheme === 'unix') return `unix://${config.socketPath}`;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `${config.scheme}://${host}:${config.port}`;
}
