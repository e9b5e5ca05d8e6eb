import type { MetaReader } from './meta-reader.js';
import type { CheckSpec } from './types.js';
import * as v from './validate.js';

export const DEFAULT_INTERVAL = '10s';

/** "host:port", with brackets around IPv6 addresses. */
export function hostPort(address: string, port: number): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/** `$SERVICE_IP` and `$SERVICE_PORT` in a script become the registered address and port. */
export function interpolateScript(script: string, address: string, port: number): string {
  return script.replaceAll('$SERVICE_IP', address).replaceAll('$SERVICE_PORT', String(port));
}

/**
 * The Consul check of one service from `check_*` metadata, in the original's order of
 * precedence (http, https, script, ttl, tcp, grpc). URLs use the registered address and port.
 */
export function buildCheck(r: MetaReader, address: string, port: number): CheckSpec | undefined {
  const base = hostPort(address, port);
  let check: CheckSpec | undefined;
  const http = r.get('check_http', v.text());
  const https = http === undefined ? r.get('check_https', v.text()) : undefined;
  if (http !== undefined || https !== undefined) {
    const path = (http ?? https) as string;
    const kind = http !== undefined ? 'http' : 'https';
    const method =
      (kind === 'https' ? r.get('check_https_method', v.httpMethod) : undefined) ??
      r.get('check_http_method', v.httpMethod);
    check = {
      kind,
      target: `${kind}://${base}${path.startsWith('/') ? '' : '/'}${path}`,
      ...(method ? { method: method.toUpperCase() } : {}),
    };
    const skip = r.get('check_tls_skip_verify');
    if (skip !== undefined && v.truthy(skip)) check.tlsSkipVerify = true;
  } else if (r.has('check_cmd')) {
    r.warn(r.source('check_cmd'), 'not supported (it needs docker exec); use SERVICE_CHECK_SCRIPT');
  }
  if (!check) {
    const script = r.get('check_script', v.text());
    const ttl = script === undefined ? r.get('check_ttl', v.duration()) : undefined;
    if (script !== undefined) {
      check = { kind: 'script', target: interpolateScript(script, address, port) };
    } else if (ttl !== undefined) {
      check = { kind: 'ttl', target: '', ttl };
    } else if (r.get('check_tcp') !== undefined) {
      check = { kind: 'tcp', target: base };
    } else {
      const grpc = r.get('check_grpc', v.text(255));
      if (grpc !== undefined) {
        // A value starting with "/" names the gRPC service to check ("host:port/service").
        check = { kind: 'grpc', target: grpc.startsWith('/') ? base + grpc : base };
        const tls = r.get('check_grpc_use_tls');
        if (tls !== undefined && v.truthy(tls)) check.grpcUseTls = true;
      }
    }
  }
  if (!check) return undefined;
  if (check.kind !== 'ttl') {
    check.interval = r.get('check_interval', v.duration()) ?? DEFAULT_INTERVAL;
    const timeout = r.get('check_timeout', v.duration());
    if (timeout) check.timeout = timeout;
  }
  const status = r.get('check_initial_status', v.initialStatus);
  if (status) check.initialStatus = status.toLowerCase() as CheckSpec['initialStatus'];
  const after = r.get('check_deregister_after', v.duration());
  if (after) check.deregisterAfter = after;
  return check;
}
