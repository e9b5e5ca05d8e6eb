import { expect } from 'chai';
import { join } from 'node:path';
import { resolveConfig } from '../../../gateway/config.js';
import { parseRouteTag } from '../../../gateway/route-tags.js';
import { ROOT } from '../../helpers/paths.js';
import { inst, renderPool, renderTemplate, tableOf } from './instances.js';

const defaults = { tmpDir: '/tmp', cwd: '/srv' };

describe('gateway protocols: WebSocket, streaming, gRPC (pure)', () => {
  it('tags: proto=grpc and timeout= (1 s to 24 h, whole s/m/h) are parsed; anything else refuses the tag', () => {
    expect(parseRouteTag('urlprefix-/pkg.Svc/ proto=grpc timeout=90s')).to.deep.equal({
      ok: true,
      route: { host: '', path: '/pkg.Svc/', proto: 'grpc', timeout: 90 },
    });
    expect(parseRouteTag('urlprefix-/ws timeout=2h proto=http')).to.deep.equal({
      ok: true,
      route: { host: '', path: '/ws', timeout: 7200 },
    });
    expect(parseRouteTag('urlprefix-/ws timeout=24h')).to.have.nested.property(
      'route.timeout',
      86_400,
    );
    for (const tag of [
      'urlprefix-/a proto=tcp',
      'urlprefix-/a proto=GRPC',
      'urlprefix-/a timeout=0s',
      'urlprefix-/a timeout=25h',
      'urlprefix-/a timeout=1.5s',
      'urlprefix-/a timeout=10',
      'urlprefix-/a timeout=1d',
      'urlprefix-/a timeout=5s;',
      'urlprefix-/a timeout=5s timeout=6s',
      'urlprefix-/a proto=grpc;return',
    ])
      expect(parseRouteTag(tag), tag).to.have.property('ok', false);
  });

  it('two tags of one route must agree on proto and timeout', () => {
    const t = tableOf([
      inst('a', 1, ['urlprefix-/x proto=grpc']),
      inst('b', 2, ['urlprefix-/x']),
      inst('c', 3, ['urlprefix-/y timeout=5m']),
      inst('d', 4, ['urlprefix-/y timeout=6m']),
    ]);
    expect(t.routes.map((r) => [r.path, r.proto, r.timeout, r.services])).to.deep.equal([
      ['/x', 'grpc', undefined, ['a']],
      ['/y', 'http', 300, ['c']],
    ]);
    expect(t.errors.map((e) => e.message)).to.deep.equal([
      'tag "urlprefix-/x" dropped: conflicts with another proto for /x',
      'tag "urlprefix-/y timeout=6m" dropped: conflicts with another timeout for /y',
    ]);
  });

  it('flags: defaults, values and refusals naming the option', () => {
    expect(resolveConfig([], {}, defaults).protocols).to.deep.equal({
      websocketTimeoutS: 3600,
      clientMaxBodySize: '16m',
      proxyBuffering: true,
      requestBuffering: true,
    });
    const c = resolveConfig(
      [
        '--websocket-timeout=90s',
        '--h2c-listen=127.0.0.1:8443',
        '--client-max-body-size=0',
        '--proxy-buffering=off',
        '--request-buffering=off',
      ],
      {},
      defaults,
    );
    expect(c.protocols).to.deep.equal({
      websocketTimeoutS: 90,
      h2cListen: '127.0.0.1:8443',
      clientMaxBodySize: '0',
      proxyBuffering: false,
      requestBuffering: false,
    });
    expect(
      resolveConfig([], { GATEWAY_H2C_LISTEN: ':9000' }, defaults).protocols.h2cListen,
    ).to.equal('9000');
    for (const [flag, value] of [
      ['--websocket-timeout', '500ms'],
      ['--websocket-timeout', '25h'],
      ['--h2c-listen', 'x:y'],
      ['--client-max-body-size', '1t'],
      ['--client-max-body-size', '10m;'],
      ['--proxy-buffering', 'yes'],
      ['--request-buffering', ''],
    ] as const)
      expect(() => resolveConfig([flag, value], {}, defaults), `${flag} ${value}`).to.throw(flag);
  });

  it('edge template: upgrade headers by map, buffering flags, no h2c server without --h2c-listen', () => {
    const out = renderTemplate([inst('web', 1, ['urlprefix-/app'])]);
    expect(out).to.include(
      'map $http_upgrade $connection_upgrade {\n    default upgrade;\n    "" "";\n}',
    );
    expect(out).to.include('proxy_set_header Connection $connection_upgrade;');
    expect(out).to.include('proxy_set_header Upgrade $http_upgrade;');
    expect(out).not.to.include('proxy_set_header Connection "";');
    expect(out).to.include('client_max_body_size 16m;');
    expect(out).to.include('proxy_buffering on;');
    expect(out).to.include('proxy_max_temp_file_size 0;');
    expect(out).to.include('proxy_read_timeout 86460s;');
    expect(out).not.to.match(/http2|grpc_pass/);
    const off = renderTemplate([], { argv: ['--proxy-buffering=off', '--request-buffering=off'] });
    expect(off).to.include('proxy_buffering off;');
    expect(off).to.include('proxy_request_buffering off;');
  });

  it('edge template with --h2c-listen: a catch-all gRPC server (lua) or one location per gRPC route (reload)', () => {
    const list = [
      inst('echo', 1, ['urlprefix-/pkg.Echo/ proto=grpc']),
      inst('h', 2, ['urlprefix-example.com/pkg.Host/ proto=grpc']),
      inst('web', 3, ['urlprefix-/app']),
    ];
    const argv = ['--h2c-listen', '127.0.0.1:8443'];
    const lua = renderTemplate(list, { routing: true, argv });
    expect(lua).to.include('listen 127.0.0.1:8443 http2 default_server;');
    expect(lua).to.include('server unix:/w/pool-grpc.sock max_fails=0;');
    expect(lua).to.include('grpc_pass grpc://gateway_grpc_pool;');
    expect(lua).not.to.include('route_');
    const reload = renderTemplate(list, { argv });
    const h2 = reload.slice(reload.indexOf('listen 127.0.0.1:8443'));
    expect(h2.match(/listen 127\.0\.0\.1:8443 http2/g)).to.have.length(2);
    expect(h2).to.match(
      /location \/pkg\.Echo\/ \{\n {8}set \$gateway_route route_[0-9a-f]{12};\n {8}grpc_pass/,
    );
    expect(h2).to.include('server_name example.com;');
    expect(h2).not.to.include('location /app');
    expect(h2).to.include('add_header grpc-status 12 always;');
    expect(reload.match(/\{/g)?.length).to.equal(reload.match(/\}/g)?.length);
  });

  it('reload pool: HTTP and gRPC maps, a named location per idle timeout, gRPC status and message per route', () => {
    const out = renderPool([
      inst('echo', 1, ['urlprefix-/pkg.Echo/ proto=grpc timeout=10m']),
      inst('gone', 2, ['urlprefix-/pkg.Gone/ proto=grpc'], 'critical'),
      inst('chat', 3, ['urlprefix-/chat timeout=30s']),
      inst('web', 4, ['urlprefix-/app']),
    ]);
    expect(out).to.include('listen "unix:/w/pool-grpc.sock" http2;');
    expect(out).to.include('error_page 418 = $gateway_ws_target;');
    expect(out).to.include('location @w30 {\n            proxy_read_timeout 30s;');
    expect(out).to.include('location @w3600 {');
    expect(out).to.include('location @g600 {\n            grpc_read_timeout 600s;');
    expect(out).to.include('location @g3600 {');
    expect(out).to.match(/route_[0-9a-f]{12} "no healthy instance of gone for \/pkg\.Gone\/";/);
    expect(out).to.match(
      /route_[0-9a-f]{12} "gRPC route: call it over HTTP\/2 \(--h2c-listen\)\\n";/,
    );
    expect(out).to.include('grpc_next_upstream error timeout;');
    expect(out).not.to.include('non_idempotent');
    expect(out).to.include('proxy_request_buffering on;');
    expect(out).to.include('proxy_buffering off;');
    expect(out).to.include('add_header X-Accel-Buffering $gateway_accel_buffering always;');
    // Old workers keep their WebSockets across membership reloads, up to the idle timeout.
    expect(out).to.include('worker_shutdown_timeout 3600s;');
    expect(out.match(/\{/g)?.length).to.equal(out.match(/\}/g)?.length);
  });

  it('direct template: per-route WebSocket location with the route timeout, gRPC routes on h2c only', () => {
    const out = renderTemplate(
      [
        inst('chat', 1, ['urlprefix-/chat timeout=5m strip=/chat']),
        inst('web', 2, ['urlprefix-/app']),
        inst('echo', 3, ['urlprefix-/pkg.Echo/ proto=grpc']),
      ],
      { file: join(ROOT, 'templates/gateway-direct.hbs'), argv: ['--h2c-listen', '8443'] },
    );
    expect(out).to.match(/location @ws_route_[0-9a-f]{12} \{\n {8}proxy_read_timeout 300s;/);
    expect(out).to.match(/location @ws_route_[0-9a-f]{12} \{\n {8}proxy_read_timeout 3600s;/);
    expect(out).to.include('return 503 "gRPC route: call it over HTTP/2 (--h2c-listen)\\n";');
    expect(out).to.match(
      /listen 8443 http2 default_server;[^]*grpc_pass grpc:\/\/route_[0-9a-f]{12};/,
    );
    expect(out.match(/\{/g)?.length).to.equal(out.match(/\}/g)?.length);
  });
});
