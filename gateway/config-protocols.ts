import type { FlagSpec } from '../common/cli/argv.js';
import { parseDuration } from '../common/duration.js';
import { configError } from '../common/errors.js';
import { parseListen } from './listen.js';
import { MAX_TIMEOUT_S } from './route-tags.js';

/** How the gateway carries WebSockets, streamed bodies and gRPC (flags of their own). */
export interface ProtocolConfig {
  /** Idle timeout of upgraded connections and gRPC streams (s); a route's `timeout=` wins. */
  websocketTimeoutS: number;
  /** nginx `listen` value of the cleartext HTTP/2 (gRPC) listener; absent: none. */
  h2cListen?: string;
  /** nginx `client_max_body_size` (`0`: unlimited). */
  clientMaxBodySize: string;
  /**
   * `proxy_buffering` of the client-facing nginx (responses, in memory only); SSE and
   * `X-Accel-Buffering: no` responses are never buffered.
   */
  proxyBuffering: boolean;
  /** `proxy_request_buffering` (off: request bodies stream to the instance as they arrive). */
  requestBuffering: boolean;
}

export const protocolFlagSpecs: FlagSpec[] = [
  {
    name: 'websocket-timeout',
    kind: 'string',
    value: '<duration>',
    default: '1h',
    description:
      'idle timeout of WebSocket (upgraded) connections and gRPC streams; per route: timeout=',
  },
  {
    name: 'h2c-listen',
    kind: 'string',
    value: '<addr>',
    env: 'GATEWAY_H2C_LISTEN',
    description:
      'cleartext HTTP/2 listener (gRPC: proto=grpc routes); nginx cannot serve HTTP/1.1 and h2c on one port',
  },
  {
    name: 'client-max-body-size',
    kind: 'string',
    value: '<size>',
    default: '16m',
    description: 'largest request body (nginx size: 512k, 100m, 1g; 0 = unlimited)',
  },
  {
    name: 'proxy-buffering',
    kind: 'string',
    value: 'on|off',
    default: 'on',
    description: 'buffer responses in memory (never on disk); SSE and X-Accel-Buffering: no stream',
  },
  {
    name: 'request-buffering',
    kind: 'string',
    value: 'on|off',
    default: 'on',
    description:
      'read a whole request body (to disk above 16k) before passing it on; off streams it',
  },
];

function onOff(value: string, option: string): boolean {
  if (value !== 'on' && value !== 'off') throw configError(option, 'on or off', value);
  return value === 'on';
}

/**
 * The protocol flags; `pick` reads a flag (or its env); `listen` (and --https-listen) must not
 * share their port with --h2c-listen.
 */
export function resolveProtocols(
  pick: (name: string, env?: string) => string | undefined,
  listen: string,
): ProtocolConfig {
  const timeoutMs = parseDuration(pick('websocket-timeout') ?? '1h', '--websocket-timeout');
  if (timeoutMs < 1000 || timeoutMs > MAX_TIMEOUT_S * 1000 || timeoutMs % 1000 !== 0)
    throw configError(
      '--websocket-timeout',
      'whole seconds from 1s to 24h',
      pick('websocket-timeout'),
    );
  const size = pick('client-max-body-size') ?? '16m';
  if (!/^(0|[1-9]\d{0,9}[kKmMgG]?)$/.test(size))
    throw configError('--client-max-body-size', 'an nginx size such as 512k, 100m, 1g or 0', size);
  const h2c = pick('h2c-listen', 'GATEWAY_H2C_LISTEN');
  const https = pick('https-listen', 'GATEWAY_HTTPS_LISTEN');
  const taken = [listen, ...(https ? [parseListen(https, '--https-listen')] : [])];
  const port = (value: string): string => value.replace(/^.*:/, '');
  if (h2c && taken.some((t) => port(t) === port(parseListen(h2c, '--h2c-listen'))))
    throw configError('--h2c-listen', 'a port of its own (not --listen or --https-listen)', h2c);
  return {
    websocketTimeoutS: timeoutMs / 1000,
    ...(h2c ? { h2cListen: parseListen(h2c, '--h2c-listen') } : {}),
    clientMaxBodySize: size,
    proxyBuffering: onOff(pick('proxy-buffering') ?? 'on', '--proxy-buffering'),
    requestBuffering: onOff(pick('request-buffering') ?? 'on', '--request-buffering'),
  };
}
