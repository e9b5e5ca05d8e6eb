import { expect } from 'chai';
import fc from 'fast-check';
import { join } from 'node:path';
import { defaultTemplatePath } from '../../../gateway/template-helpers.js';
import { nginxQuote } from '../../../gateway/grammar.js';
import {
  adaptListen,
  placeholderRoutes,
  renderMainConfig,
  workPaths,
} from '../../../gateway/nginx-config.js';
import { type InstanceInput } from '../../../gateway/routes.js';
import { inst, renderPool, renderTemplate } from './instances.js';
import { ROOT } from '../../helpers/paths.js';

/** The default template rendered with plain Handlebars and a fixed table (no Consul, no nginx). */
function renderDefault(
  instances: InstanceInput[],
  listen = '127.0.0.1:8080',
  file = defaultTemplatePath(),
  lua = false,
  https?: { listen: string },
  upstreamCa = '"/etc/ssl/certs/ca-certificates.crt"',
): string {
  return renderTemplate(instances, { listen, file, lua, upstreamCa, ...(https ? { https } : {}) });
}

describe('gateway nginx config rendering (pure)', () => {
  const sample = [
    inst('web', 8001, ['urlprefix-/app']),
    inst('web', 8002, ['urlprefix-/app']),
    inst('site', 9000, ['urlprefix-example.com/api strip=/api']),
    inst('down', 7000, ['urlprefix-/down'], 'critical'),
  ];

  it('default template, reload mode: routes to the pool by route name; default server, host server, strip', () => {
    const out = renderDefault(sample);
    expect(out).to.include(
      'upstream gateway_pool {\n    server unix:/w/pool.sock max_fails=0;\n    keepalive 64;',
    );
    expect(out).to.match(
      /location \/app \{\n {8}set \$gateway_route route_[0-9a-f]{12};\n {8}proxy_pass http:\/\/gateway_pool;/,
    );
    expect(out).to.include('proxy_set_header X-Gateway-Route $gateway_route;');
    expect(out).to.include('listen 127.0.0.1:8080 default_server;');
    expect(out).to.include('server_name example.com;');
    expect(out).to.include('rewrite ^/api/?(.*)$ /$1 break;');
    // Instances are not in the edge config: membership changes do not change it.
    expect(out).not.to.include('10.0.0.1');
    expect(renderDefault([...sample, inst('web', 8003, ['urlprefix-/app'])])).to.equal(out);
    expect(out.match(/\{/g)?.length).to.equal(out.match(/\}/g)?.length);
  });

  it('default template, lua mode: one catch-all server, retries, unchanged by routes', () => {
    const out = renderDefault(sample, '127.0.0.1:8080', defaultTemplatePath(), true);
    expect(out).to.match(
      /server \{\n {4}listen 127\.0\.0\.1:8080 default_server;\n {4}server_name _;\n {4}location \/ \{\n {8}access_by_lua_block \{ require\("gateway_pool"\)\.access\(\) \}\n {8}proxy_pass http:\/\/gateway_pool;\n {4}\}\n/,
    );
    expect(out).to.include('proxy_next_upstream error timeout http_502 http_503 http_504;');
    // The catch-all, the named locations of SSE, proto=grpc (and its UNAVAILABLE) and
    // proto=https routes.
    expect(out.match(/^ *(server \{|location |upstream )/gm)).to.have.length(7);
    expect(out).to.include('proxy_ssl_trusted_certificate "/etc/ssl/certs/ca-certificates.crt";');
    expect(out).not.to.include(' ssl http2');
    expect(out).not.to.match(/route_|rewrite|10\.0\.0\.1|example\.com|X-Gateway-Route/);
    const other = [
      inst('api', 1, ['urlprefix-api.example/v1 strip=/v1']),
      inst('x', 2, ['urlprefix-/']),
    ];
    expect(renderDefault(other, '127.0.0.1:8080', defaultTemplatePath(), true)).to.equal(out);
    expect(renderDefault([], '127.0.0.1:8080', defaultTemplatePath(), true)).to.equal(out);
  });

  it('default template, lua mode with --https-listen: the same server listens with TLS too', () => {
    const https = { listen: '127.0.0.1:8443' };
    const out = renderDefault(sample, '127.0.0.1:8080', defaultTemplatePath(), true, https);
    expect(out).to.include(
      '    listen 127.0.0.1:8080 default_server;\n    listen 127.0.0.1:8443 ssl http2 default_server;\n',
    );
    expect(out.match(/^ *server \{/gm)).to.have.length(1);
  });

  it('lua mode without a CA bundle file: proto=https routes answer 502 instead of nginx -t failing', () => {
    const out = renderDefault(sample, '127.0.0.1:8080', defaultTemplatePath(), true, undefined, '');
    expect(out).not.to.include('proxy_ssl_trusted_certificate');
    expect(out).to.include('return 502 "proto=https: no CA bundle to verify the upstream');
    const withCa = renderDefault(sample, '127.0.0.1:8080', defaultTemplatePath(), true);
    expect(withCa).to.include(
      'proxy_ssl_trusted_certificate "/etc/ssl/certs/ca-certificates.crt";',
    );
  });

  it('direct template: instances inline with keepalive and retries, 503 without an empty upstream', () => {
    const out = renderDefault(sample, '127.0.0.1:8080', join(ROOT, 'templates/gateway-direct.hbs'));
    expect(out).to.match(/upstream route_[0-9a-f]{12} \{\n {4}server 10\.0\.0\.1:8001 /);
    expect(out).to.include('keepalive 32;');
    expect(out).to.include('proxy_next_upstream error timeout http_502 http_503 http_504;');
    expect(out).to.include('return 503 "no healthy instance of down for /down\\n";');
    expect(out).not.to.match(/upstream [^{]*\{\s*keepalive/);
    expect(out.match(/\{/g)?.length).to.equal(out.match(/\}/g)?.length);
  });

  it('pool config: upstreams with keepalive and retries, route map, 503 explanation', () => {
    const out = renderPool(sample);
    expect(out).to.match(
      /upstream route_[0-9a-f]{12} \{\n {8}server 10\.0\.0\.1:8001 max_fails=1 fail_timeout=5s;\n {8}server 10\.0\.0\.1:8002 /,
    );
    expect(out).to.include('keepalive 32;');
    expect(out).to.include('proxy_next_upstream error timeout http_502 http_503 http_504;');
    expect(out).to.match(
      /map \$http_x_gateway_route \$gateway_pool \{\n {8}default "";\n {8}(route_[0-9a-f]{12}) \1;/,
    );
    expect(out).to.match(/route_[0-9a-f]{12} "no healthy instance of down for \/down\\n";/);
    expect(out).to.include('listen "unix:/w/pool.sock";');
    expect(out).to.include('return 200 "3";');
    expect(out).not.to.match(/upstream [^{]*\{\s*keepalive/); // no empty upstream
    expect(out.match(/\{/g)?.length).to.equal(out.match(/\}/g)?.length);
  });

  it('hostile tags, names and addresses never reach the config (property)', () => {
    const REWRITE = /^rewrite \^[A-Za-z0-9_~/\\.-]+\/\?\(\.\*\)\$ \/\$1 break;$/;
    // A valid hostile-looking route (e.g. tag "/", name "0") gets its own route name.
    const ROUTE_NAME = /^set \$gateway_route route_[0-9a-f]{12};$/;
    const baseline = new Set(
      (renderDefault([inst('good', 1, ['urlprefix-/good'])]) + renderPool([]))
        .split('\n')
        .map((l) => l.trim()),
    );
    const hostile = fc.stringMatching(/^[ -~\n]{0,30}$/);
    fc.assert(
      fc.property(hostile, hostile, hostile, (tag, name, address) => {
        const list = [
          { ...inst('good', 1, ['urlprefix-/good']) },
          { ...inst(name, 2, [`urlprefix-${tag}`]), Address: address },
        ];
        const out = renderDefault(list) + renderPool(list);
        // Every line has the template's own shape: one directive, one block opening or closing;
        // `$` only where the template itself writes variables.
        for (const line of out.split('\n')) {
          const t = line.trim();
          if (t === '' || t.startsWith('#')) continue;
          const unquoted = t.replace(/"(?:[^"\\]|\\.)*"/g, '""');
          expect(unquoted.replace(/[^;{}]/g, ''), line).to.be.oneOf([';', '{', '}']);
          expect(
            unquoted.endsWith(';') || unquoted.endsWith('{') || unquoted === '}',
            line,
          ).to.equal(true);
          if (t.includes('$'))
            expect(baseline.has(t) || REWRITE.test(t) || ROUTE_NAME.test(t), line).to.equal(true);
        }
        expect(out).to.include('location /good {');
        expect(out.match(/\{/g)?.length).to.equal(out.match(/\}/g)?.length);
      }),
      { numRuns: 300 },
    );
  });

  it('main config: generation on the control socket, include of the routes, quoted paths', () => {
    const paths = workPaths('/tmp/gw-x');
    const conf = renderMainConfig({
      paths,
      routesFile: paths.candidate,
      generation: 7,
      workerProcesses: 'auto',
      shutdownTimeoutMs: 10_000,
    });
    expect(conf).to.include('return 200 "7";');
    expect(conf).to.include('include "/tmp/gw-x/routes.candidate.conf";');
    expect(conf).to.include('listen "unix:/tmp/gw-x/control.sock";');
    expect(conf).to.include('worker_shutdown_timeout 10s;');
    expect(conf).to.include('daemon off;');
    expect(() =>
      renderMainConfig({
        paths,
        routesFile: 'x',
        generation: 1,
        workerProcesses: '1;',
        shutdownTimeoutMs: 1,
      }),
    ).to.throw(/worker processes/);
  });

  it('adaptListen points a reference-setup `listen 80` at --listen', () => {
    const ref = '    listen 80 default_server;\n    listen 8080;\n';
    expect(adaptListen(ref, '127.0.0.1:9999')).to.equal(
      '    listen 127.0.0.1:9999 default_server;\n    listen 8080;\n',
    );
    expect(adaptListen(ref, '0.0.0.0:80')).to.equal(ref);
    expect(placeholderRoutes('127.0.0.1:1')).to.include('listen 127.0.0.1:1 default_server;');
  });

  it('nginxQuote escapes quotes and backslashes and refuses $ and control characters', () => {
    expect(nginxQuote('a "b" \\c')).to.equal('"a \\"b\\" \\\\c"');
    expect(() => nginxQuote('$host')).to.throw();
    expect(() => nginxQuote('a\nb')).to.throw();
  });
});
