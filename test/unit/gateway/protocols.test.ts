import { expect } from 'chai';
import { join } from 'node:path';
import { resolveConfig } from '../../../gateway/config.js';
import { encodeMembership, luaInit } from '../../../gateway/lua-module.js';
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
      'urlprefix-/a proto=grpc tlsskipverify=true',
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
      ['/y', undefined, 300, ['c']],
    ]);
    expect(t.errors.map((e) => e.message)).to.deep.equal([
      'tag "urlprefix-/x" dropped: conflicts with other options for /x',
      'tag "urlprefix-/y timeout=6m" dropped: conflicts with other options for /y',
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
      ['--h2c-listen', '80'],
    ] as const)
      expect(() => resolveConfig([flag, value], {}, defaults), `${flag} ${value}`).to.throw(flag);
  });

  it('default template: upgrade headers by map (none without Upgrade), buffering flags, h2c listener', () => {
    const out = renderTemplate([inst('web', 1, ['urlprefix-/app'])]);
    expect(out).to.include(
      'map $http_upgrade $gateway_connection {\n    default upgrade;\n    "" "";\n}',
    );
    expect(out).to.include('proxy_set_header Connection $gateway_connection;');
    expect(out).to.include('proxy_set_header Upgrade $http_upgrade;');
    expect(out).not.to.include('Connection "";');
    expect(out).not.to.match(/Connection "?close/i);
    expect(out).to.include('client_max_body_size 16m;');
    expect(out).to.include('proxy_buffering on;');
    expect(out).to.include('proxy_max_temp_file_size 0;');
    // Reload mode: the pool enforces the timeouts; the edge outlasts the longest.
    expect(out).to.include('proxy_read_timeout 86460s;');
    expect(out).not.to.match(/listen [^;]*http2/);
    const argv = ['--proxy-buffering=off', '--request-buffering=off', '--h2c-listen=8443'];
    const off = renderTemplate([inst('web', 1, ['urlprefix-example.com/'])], { argv });
    expect(off).to.include('proxy_buffering off;');
    expect(off).to.include('proxy_request_buffering off;');
    expect(off).to.include('listen 8443 http2 default_server;');
    expect(off).to.include('listen 8443 http2;\n    server_name example.com;');
    // gRPC routes: HTTP/2 only, over the pool's gRPC socket.
    const grpc = renderTemplate([inst('e', 1, ['urlprefix-/p.E/ proto=grpc strip=/p.E'])]);
    expect(grpc).to.include('server unix:/w/pool-grpc.sock max_fails=0;');
    expect(grpc).to.match(
      /location \/p\.E\/ \{\n {8}set \$gateway_route route_[0-9a-f]{12};\n {8}default_type text\/plain;\n {8}if \(\$server_protocol != "HTTP\/2\.0"\) \{\n[^}]*\}\n {8}rewrite [^\n]*\n {8}error_page 502 504 = @gateway_grpc_unavailable;\n {8}grpc_pass grpc:\/\/gateway_grpc_pool;/,
    );
  });

  it('default template, lua mode: gRPC, SSE and h2c in the catch-all server, 60 s for ordinary responses', () => {
    const argv = ['--h2c-listen', '127.0.0.1:8443'];
    const lua = renderTemplate([inst('echo', 1, ['urlprefix-/p.E/ proto=grpc'])], {
      lua: true,
      argv,
    });
    expect(lua).to.include('listen 127.0.0.1:8443 http2 default_server;');
    expect(lua).to.include('location @gateway_grpc {');
    expect(lua).to.include('grpc_pass grpc://gateway_grpc;');
    expect(lua).to.include('error_page 502 503 504 = @gateway_grpc_unavailable;');
    expect(lua).to.include('add_header grpc-status 14 always;');
    expect(lua).to.include('location @gateway_stream {');
    expect(lua).to.include('proxy_read_timeout 60s;');
    expect(lua).to.include('grpc_next_upstream error timeout;');
    expect(lua).not.to.match(/non_idempotent|route_/);
    expect(lua.match(/\{/g)?.length).to.equal(lua.match(/\}/g)?.length);
  });

  it('lua route table: proto=grpc as G, timeout= in seconds after the flags', () => {
    const text = encodeMembership(
      tableOf([
        inst('echo', 1, ['urlprefix-/p.E/ proto=grpc timeout=10m']),
        inst('chat', 2, ['urlprefix-/chat timeout=30s redirect=https']),
        inst('web', 3, ['urlprefix-/app']),
      ]),
      4,
    );
    expect(text).to.match(/ \/p\.E\/ - echo hG600 10\.0\.0\.1:1\n/);
    expect(text).to.match(/ \/chat - chat hR30 10\.0\.0\.1:2\n/);
    expect(text).to.match(/ \/app - web h 10\.0\.0\.1:3\n/);
    const init = luaInit('/w/members.txt', 90);
    expect(init).to.include('M.timeout = 90');
    expect(() => luaInit('/w/members.txt', 1.5)).to.throw('whole seconds');
  });

  it('reload pool: a named location per idle timeout (WebSocket, gRPC), gRPC statuses per route, streaming marks', () => {
    const out = renderPool([
      inst('echo', 1, ['urlprefix-/pkg.Echo/ proto=grpc timeout=10m']),
      inst('gone', 2, ['urlprefix-/pkg.Gone/ proto=grpc'], 'critical'),
      inst('chat', 3, ['urlprefix-/chat timeout=30s']),
      inst('web', 4, ['urlprefix-/app']),
    ]);
    expect(out).to.include('error_page 418 = $gateway_ws_target;');
    expect(out).to.include('location @w30 {\n            proxy_read_timeout 30s;');
    expect(out).to.include('location @w3600 {');
    expect(out).not.to.include('location @w600 {');
    expect(out).to.include('listen "unix:/w/pool-grpc.sock" http2;');
    expect(out).to.include('location @g600 {\n            grpc_read_timeout 600s;');
    expect(out).to.include('location @g3600 {');
    expect(out).to.match(/route_[0-9a-f]{12} "no healthy instance of gone for \/pkg\.Gone\/";/);
    expect(out).to.match(/route_[0-9a-f]{12} "gRPC route: call it over HTTP\/2\\n";/);
    expect(out).to.include('grpc_next_upstream error timeout;');
    expect(out).not.to.include('non_idempotent');
    expect(out).to.match(/route_[0-9a-f]{12} @w30;/);
    expect(out).to.include('proxy_set_header Connection $gateway_connection;');
    expect(out).to.include('proxy_request_buffering on;');
    expect(out).to.include('proxy_buffering off;');
    expect(out).to.include('add_header X-Accel-Buffering $gateway_accel_buffering always;');
    // Old workers keep their WebSockets across membership reloads, up to the idle timeout.
    expect(out).to.include('worker_shutdown_timeout 3600s;');
    expect(out.match(/\{/g)?.length).to.equal(out.match(/\}/g)?.length);
  });

  it('direct template: per-route WebSocket location with the route timeout, grpc_pass for gRPC routes', () => {
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
