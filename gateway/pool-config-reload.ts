import type { Route } from './routes.js';

/**
 * Reload mode's pool, the part that follows the routes: one upstream per route with healthy
 * instances and the maps from the route header to its upstream, its 503 text and the named
 * location holding its WebSocket idle timeout (nginx timeouts take no variables, so each
 * distinct timeout has a location of its own, see `timeoutLocations`). Pure: every value passed
 * the route grammars.
 */
export function reloadHttpPart(
  routes: readonly Route[],
  routeVar: string,
  defaultTimeoutS: number,
): string {
  const served = routes.filter((r) => r.servers.length > 0);
  const http = routes.filter((r) => r.proto !== 'grpc');
  const grpc = routes.filter((r) => r.proto === 'grpc');
  const line = (r: Route, value: string): string => `        ${r.upstream} ${value};\n`;
  const map = (variable: string, fallback: string, lines: string[]): string =>
    `    map ${routeVar} ${variable} {\n        default ${fallback};\n${lines.join('')}    }\n`;
  const upstreams = served
    .map(
      (r) =>
        `    # ${r.host}${r.path} (${r.services.join(', ')})\n    upstream ${r.upstream} {\n` +
        r.servers.map((s) => `        server ${s.target} max_fails=1 fail_timeout=5s;\n`).join('') +
        '        keepalive 32;\n    }\n',
    )
    .join('');
  const live = (list: Route[]): Route[] => list.filter((r) => r.servers.length > 0);
  const timeout = (kind: 'w' | 'g', r: Route): string => `@${kind}${r.timeout ?? defaultTimeoutS}`;
  return (
    `${upstreams}\n` +
    map(
      '$gateway_pool',
      '""',
      live(http).map((r) => line(r, r.upstream)),
    ) +
    map('$gateway_unavailable', '"no such route\\n"', [
      ...http.filter((r) => r.unavailable).map((r) => line(r, r.unavailable as string)),
      ...grpc.map((r) => line(r, '"gRPC route: call it over HTTP/2\\n"')),
    ]) +
    map(
      '$gateway_ws_target',
      `@w${defaultTimeoutS}`,
      live(http)
        .filter((r) => r.timeout !== undefined)
        .map((r) => line(r, timeout('w', r))),
    ) +
    map(
      '$gateway_grpc_pool',
      '""',
      live(grpc).map((r) => line(r, r.upstream)),
    ) +
    map(
      '$gateway_grpc_target',
      '@grpc_error',
      grpc.map((r) => line(r, r.servers.length > 0 ? timeout('g', r) : '@grpc_error')),
    ) +
    map(
      '$gateway_grpc_status',
      '12',
      grpc.map((r) => line(r, '14')),
    ) +
    map(
      '$gateway_grpc_message',
      '"no gRPC route"',
      grpc.filter((r) => r.unavailable).map((r) => line(r, grpcMessage(r))),
    )
  );
}

/** The 503 text of a gRPC route without instances as a grpc-message (no newline, `%` encoded). */
function grpcMessage(r: Route): string {
  return (r.unavailable as string).replace(/\\n"$/, '"').replace(/%/g, '%25');
}

/**
 * One named location per distinct idle timeout: `@w<seconds>` (WebSocket upgrades, proxy_pass)
 * or `@g<seconds>` (gRPC calls, grpc_pass).
 */
export function timeoutLocations(
  kind: 'w' | 'g',
  routes: readonly Route[],
  defaultTimeoutS: number,
): string {
  const grpc = kind === 'g';
  const seconds = new Set([defaultTimeoutS]);
  for (const r of routes)
    if ((r.proto === 'grpc') === grpc && r.timeout !== undefined) seconds.add(r.timeout);
  const d = grpc ? 'grpc' : 'proxy';
  const pass = grpc ? 'grpc_pass grpc://$gateway_grpc_pool' : 'proxy_pass http://$gateway_pool';
  return [...seconds]
    .sort((a, b) => a - b)
    .map(
      (s) =>
        `        location @${kind}${s} {\n            ${d}_read_timeout ${s}s;\n` +
        `            ${d}_send_timeout ${s}s;\n            ${pass};\n        }\n`,
    )
    .join('');
}

/**
 * Proxy settings of the pool (http context): WebSocket upgrades forwarded (ordinary requests keep
 * their keepalive connections), retries, and streaming: the pool passes responses through as
 * they come (the edge decides on buffering) and tells the edge not to buffer a
 * text/event-stream response or one the instance marked `X-Accel-Buffering: no` (nginx hides
 * that header from the next hop otherwise).
 */
export function poolProxySettings(routeHeader: string, requestBuffering: boolean): string {
  return `
    map $http_upgrade $gateway_connection {
        default upgrade;
        "" "";
    }
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $gateway_connection;
    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $http_x_real_ip;
    proxy_set_header X-Forwarded-For $http_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;
    proxy_set_header X-Forwarded-Host $http_x_forwarded_host;
    proxy_set_header ${routeHeader} "";
    proxy_connect_timeout 2s;
    proxy_send_timeout 60s;
    proxy_read_timeout 60s;
    # A refused or reset connection (an instance going away) is retried on the next instance; up to
    # 5 tries (every instance of a route of up to 5), so that a request finds a serving instance
    # while several drain at once (a scale-down stops them together; they answer 503 meanwhile).
    proxy_next_upstream error timeout http_502 http_503 http_504;
    proxy_next_upstream_tries 5;
    proxy_next_upstream_timeout 10s;

    proxy_buffering off;
    proxy_request_buffering ${requestBuffering ? 'on' : 'off'};
    map "$upstream_http_x_accel_buffering|$upstream_http_content_type" $gateway_accel_buffering {
        default "";
        "~*^no\\|" no;
        "~*^[^|]*\\|text/event-stream" no;
    }
    add_header X-Accel-Buffering $gateway_accel_buffering always;

    # gRPC: HTTP/2 to the instances; a call is retried on another instance only when it never
    # reached one (nginx does not retry a POST once sent; every gRPC call is a POST).
    grpc_set_header ${routeHeader} "";
    grpc_connect_timeout 2s;
    grpc_next_upstream error timeout;
    grpc_next_upstream_tries 3;
    grpc_next_upstream_timeout 10s;
`;
}
