import { configError } from '../common/errors.js';
import { parseConsulAddress, type ConsulConfig } from '../common/consul/config.js';

/** What a registry URI selects: the backend, where it is, and the KV prefix for consulkv. */
export interface RegistryTarget {
  kind: 'consul' | 'consulkv';
  consul: ConsulConfig;
  prefix: string;
}

const SCHEMES = 'consul://, consul-tls://, consul-unix:// or consulkv://';

/**
 * `consul://host:port`, `consul-tls://host:port`, `consul-unix:///path.sock`,
 * `consulkv://host:port/prefix`. An empty host uses `defaultAddr` (CONSUL_HTTP_ADDR or
 * 127.0.0.1:8500), as the original's Consul client did.
 */
export function parseRegistryUri(uri: string, defaultAddr = '127.0.0.1:8500'): RegistryTarget {
  const m = /^([a-z-]+):\/\/(.*)$/i.exec(uri.trim());
  if (!m) throw configError('registry URI', SCHEMES, uri);
  const scheme = (m[1] as string).toLowerCase();
  const rest = m[2] as string;
  switch (scheme) {
    case 'consul':
    case 'consul-tls': {
      const host = rest.replace(/\/.*$/, '');
      const addr = host || defaultAddr.replace(/^https?:\/\//, '');
      const parsed = parseConsulAddress(
        scheme === 'consul-tls' ? `https://${addr}` : addr,
        'registry URI',
      );
      return { kind: 'consul', consul: parsed, prefix: '' };
    }
    case 'consul-unix': {
      if (!rest.startsWith('/'))
        throw configError('registry URI', 'consul-unix:///path/to.sock', uri);
      return {
        kind: 'consul',
        consul: parseConsulAddress(`unix://${rest}`, 'registry URI'),
        prefix: '',
      };
    }
    case 'consulkv': {
      const slash = rest.indexOf('/');
      const host = slash === -1 ? rest : rest.slice(0, slash);
      const prefix = slash === -1 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
      const consul = parseConsulAddress(host || defaultAddr, 'registry URI');
      return { kind: 'consulkv', consul, prefix };
    }
    default:
      throw configError('registry URI', SCHEMES, uri);
  }
}
