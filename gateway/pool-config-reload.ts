import { nginxQuote } from './grammar.js';
import { ROUTE_HEADER_VAR } from './pool-lua-phases.js';
import type { Route } from './routes.js';

/**
 * A `grpc-message` value as a quoted nginx string: gRPC percent-encodes only `%` and bytes outside
 * printable ASCII, and the route grammars leave neither in a message.
 */
export function grpcMessage(text: string): string {
  return nginxQuote(text.replace(/%/g, '%25'));
}

/** Named location of the idle timeout for upgraded (`w`) or gRPC (`g`) requests of a route. */
const target = (kind: 'w' | 'g', r: Route, defaultTimeoutS: number): string =>
  `@${kind}${r.timeout ?? defaultTimeoutS}`;

function map(variable: string, fallback: string, lines: string[]): string {
  return `    map ${ROUTE_HEADER_VAR} ${variable} {\n        default ${fallback};\n${lines.join('')}    }\n`;
}

/**
 * Reload mode's http-level part: one upstream per route with healthy instances and the maps
 * from the route header to its upstream (HTTP and gRPC apart), its 503 text and gRPC status, and
 * the named location holding its idle timeout (nginx timeouts take no variables, so each
 * distinct timeout has a location of its own, see `timeoutLocations`).
 */
export function reloadHttpPart(routes: readonly Route[], defaultTimeoutS: number): string {
  const served = routes.filter((r) => r.servers.length > 0);
  const http = routes.filter((r) => r.proto === 'http');
  const grpc = routes.filter((r) => r.proto === 'grpc');
  const line = (r: Route, value: string): string => `        ${r.upstream} ${value};\n`;
  const upstreams = served
    .map(
      (r) =>
        `    # ${r.host}${r.path} (${r.services.join(', ')}${r.proto === 'grpc' ? ', gRPC' : ''})\n` +
        `    upstream ${r.upstream} {\n` +
        r.servers.map((s) => `        server ${s.target} max_fails=1 fail_timeout=5s;\n`).join('') +
        '        keepalive 32;\n    }\n',
    )
    .join('');
  const grpcText = (r: Route): string =>
    grpcMessage(
      r.servers.length > 0
        ? ''
        : `${r.remembered ? 'no instance' : 'no healthy instance'} of ${r.services.join(', ')} for ${r.host}${r.path}`,
    );
  return (
    `${upstreams}\n` +
    map(
      '$gateway_pool',
      '""',
      http.filter((r) => r.servers.length > 0).map((r) => line(r, r.upstream)),
    ) +
    map('$gateway_unavailable', '"no such route\\n"', [
      ...http.filter((r) => r.unavailable).map((r) => line(r, r.unavailable as string)),
      ...grpc.map((r) => line(r, '"gRPC route: call it over HTTP/2 (--h2c-listen)\\n"')),
    ]) +
    map(
      '$gateway_ws_target',
      `@w${defaultTimeoutS}`,
      http.filter((r) => r.timeout !== undefined).map((r) => line(r, target('w', r, 0))),
    ) +
    map(
      '$gateway_grpc_pool',
      '""',
      grpc.filter((r) => r.servers.length > 0).map((r) => line(r, r.upstream)),
    ) +
    map(
      '$gateway_grpc_target',
      '@grpc_error',
      grpc.map((r) =>
        line(r, r.servers.length > 0 ? target('g', r, defaultTimeoutS) : '@grpc_error'),
      ),
    ) +
    map(
      '$gateway_grpc_status',
      '12',
      grpc.map((r) => line(r, '14')),
    ) +
    map(
      '$gateway_grpc_message',
      grpcMessage('no gRPC route'),
      grpc.filter((r) => r.servers.length === 0).map((r) => line(r, grpcText(r))),
    )
  );
}

/** One named location per distinct idle timeout (`@w<s>`: WebSocket, `@g<s>`: gRPC). */
export function timeoutLocations(
  kind: 'w' | 'g',
  routes: readonly Route[],
  defaultTimeoutS: number,
): string {
  const proto = kind === 'w' ? 'http' : 'grpc';
  const seconds = new Set([defaultTimeoutS]);
  for (const r of routes) if (r.proto === proto && r.timeout) seconds.add(r.timeout);
  const d = kind === 'w' ? 'proxy' : 'grpc';
  const pass =
    kind === 'w' ? 'proxy_pass http://$gateway_pool' : 'grpc_pass grpc://$gateway_grpc_pool';
  return [...seconds]
    .sort((a, b) => a - b)
    .map(
      (s) =>
        `        location @${kind}${s} {\n            ${d}_read_timeout ${s}s;\n` +
        `            ${d}_send_timeout ${s}s;\n            ${pass};\n        }\n`,
    )
    .join('');
}
