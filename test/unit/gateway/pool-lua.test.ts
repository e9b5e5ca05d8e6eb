import { expect } from 'chai';
import fc from 'fast-check';
import { encodeMembership, membershipBody } from '../../../gateway/pool-lua.js';
import { inst, renderPool, tableOf } from './instances.js';

const sample = [
  inst('web', 8001, ['urlprefix-/web']),
  inst('web', 8002, ['urlprefix-/web']),
  inst('down', 9000, ['urlprefix-/down'], 'critical'),
];

describe('gateway pool in lua mode (pure)', () => {
  it('loads the lua module, one balancer upstream, the retry policy, no route in the config', () => {
    const out = renderPool(sample, 'lua');
    expect(out.startsWith('load_module "/usr/lib/nginx/modules/ndk_http_module.so";\n')).to.equal(
      true,
    );
    expect(out).to.include('load_module "/usr/lib/nginx/modules/ngx_http_lua_module.so";');
    expect(out).to.include('lua_shared_dict gateway_peers 16m;');
    expect(out.match(/^ *upstream /gm)).to.have.length(1);
    expect(out).to.match(
      /upstream gateway_pool \{\n {8}server 0\.0\.0\.1;\n {8}balancer_by_lua_block \{[^]*set_more_tries[^]*\n {8}\}\n {8}keepalive 32;\n {4}\}/,
    );
    expect(out).to.include('proxy_next_upstream error timeout http_502 http_503 http_504;');
    expect(out).to.include('proxy_next_upstream_tries 3;');
    expect(out).to.include('proxy_pass http://gateway_pool;');
    expect(out).to.include('access_by_lua_block {');
    expect(out).to.include('location = /__gateway/membership {');
    expect(out).to.include('[==[/w/pool-members.txt]==]');
    // Routes, their explanations and instances are in the dict only.
    expect(out).not.to.match(/route_[0-9a-f]{12}|map |\$gateway_pool|10\.0\.0\.1/);
    expect(out).to.include('require("gateway_pool").match(ngx.var.host or "", ngx.var.uri)');
    expect(out.match(/\{/g)?.length).to.equal(out.match(/\}/g)?.length);
  });

  it('neither membership nor route changes change the lua config (no reload)', () => {
    const base = renderPool(sample, 'lua');
    expect(renderPool(sample.slice(1), 'lua')).to.equal(base);
    expect(renderPool([...sample, inst('web', 8003, ['urlprefix-/web'])], 'lua')).to.equal(base);
    expect(
      renderPool([...sample, inst('api', 1, ['urlprefix-api.example/api strip=/api'])], 'lua'),
    ).to.equal(base);
  });

  it('reload mode is unchanged: instances inline, no lua', () => {
    const out = renderPool(sample);
    expect(out).not.to.match(/lua|load_module/);
    expect(out).to.include('server 10.0.0.1:8001 max_fails=1 fail_timeout=5s;');
    expect(out).to.match(/^ {8}(route_[0-9a-f]{12}) \1;$/m);
    expect(out).to.match(/route_[0-9a-f]{12} "no healthy instance of down for \/down\\n";/);
    expect(out).to.include('return 503 $gateway_unavailable;');
  });

  it('encodes the table as a version line and one line per route', () => {
    const table = tableOf([
      ...sample,
      inst('api', 7, ['urlprefix-*.example.com/api/v1 strip=/api']),
    ]);
    const text = encodeMembership(table, 7);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).to.equal('v 7');
    expect(lines.slice(1).map((l) => l.replace(/^route_[0-9a-f]{12} /, 'R '))).to.deep.equal([
      'R - /down - down h',
      'R - /web - web h 10.0.0.1:8001 10.0.0.1:8002',
      'R *.example.com /api/v1 /api api h 10.0.0.1:7',
    ]);
    expect(membershipBody(text)).to.equal(membershipBody(encodeMembership(table, 8)));
  });

  it('hostile names, tags and addresses never reach the table (property)', () => {
    const hostile = fc.stringMatching(/^[ -~\n]{0,30}$/);
    fc.assert(
      fc.property(hostile, hostile, hostile, (tag, name, address) => {
        const list = [
          inst('good', 1, ['urlprefix-/good']),
          { ...inst(name, 2, [`urlprefix-${tag}`]), Address: address },
        ];
        const lines = encodeMembership(tableOf(list), 1).trimEnd().split('\n');
        expect(lines[0]).to.equal('v 1');
        for (const l of lines.slice(1))
          expect(l).to.match(
            /^route_[0-9a-f]{12} (-|[a-z0-9.*-]+) \/[\w.~/-]* (-|\/[\w.~/-]+) [\w,-]+ [hr]( (\d+\.\d+\.\d+\.\d+|\[[0-9a-f:.]+\]):\d+)*$/,
          );
      }),
      { numRuns: 300 },
    );
  });
});
