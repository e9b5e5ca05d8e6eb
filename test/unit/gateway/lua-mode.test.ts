import { expect } from 'chai';
import fc from 'fast-check';
import {
  encodeMembership,
  encodePatch,
  membershipBody,
  routeLine,
  routingKey,
} from '../../../gateway/lua-module.js';
import { renderMainConfig, workPaths } from '../../../gateway/nginx-config.js';
import { inst, renderPool, tableOf } from './instances.js';

/** The gateway's nginx.conf in lua mode (work dir /w). */
const luaMain = (): string =>
  renderMainConfig({
    paths: workPaths('/w'),
    routesFile: '/w/routes.conf',
    generation: 3,
    workerProcesses: 'auto',
    shutdownTimeoutMs: 10_000,
    lua: true,
  });

const sample = [
  inst('web', 8001, ['urlprefix-/web']),
  inst('web', 8002, ['urlprefix-/web']),
  inst('down', 9000, ['urlprefix-/down'], 'critical'),
];

describe('gateway lua mode (pure)', () => {
  it('nginx.conf loads the lua module and the balancer upstreams (HTTP, gRPC); no route in the config', () => {
    const out = luaMain();
    expect(out.startsWith('load_module "/usr/lib/nginx/modules/ndk_http_module.so";\n')).to.equal(
      true,
    );
    expect(out).to.include('load_module "/usr/lib/nginx/modules/ngx_http_lua_module.so";');
    expect(out).to.include('lua_shared_dict gateway_peers 16m;');
    expect(out.match(/^ *upstream /gm)).to.have.length(2);
    expect(out).to.include('upstream gateway_grpc {');
    expect(out).to.match(
      /upstream gateway_pool \{\n {8}server 0\.0\.0\.1;\n {8}balancer_by_lua_block \{\n {12}require\("gateway_pool"\)\.balance\(\)\n {8}\}\n {8}keepalive 32;\n {4}\}/,
    );
    expect(out).to.include('location = /__gateway/membership {');
    expect(out).to.include('[==[/w/members.txt]==]');
    expect(out).to.include('include "/w/routes.conf";');
    expect(out).to.include('function M.access(route)');
    expect(out).to.include('r = match(idx, var.host or "", var.uri)');
    expect(out).to.include('function M.balance()');
    expect(out.match(/\{/g)?.length).to.equal(out.match(/\}/g)?.length);
  });

  it('the per-request route match has no loop (LuaJIT aborts such traces: interpreted)', () => {
    const out = luaMain();
    const match = out.slice(out.indexOf('local function probe('), out.indexOf('function M.match('));
    expect(match).to.include('local function wildcard(').and.include('local function match(');
    expect(match).to.not.match(/\b(for|while|repeat)\b/);
  });

  it('reload mode has no lua anywhere: instances inline in the pool', () => {
    const main = renderMainConfig({
      paths: workPaths('/w'),
      routesFile: '/w/routes.conf',
      generation: 3,
      workerProcesses: 'auto',
      shutdownTimeoutMs: 10_000,
    });
    expect(main).not.to.match(/lua|load_module|gateway_pool/);
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

  it("a patch: the changed routes' lines on a base version; routing keys ignore peers", () => {
    const before = tableOf(sample);
    const after = tableOf([...sample, inst('down', 9, ['urlprefix-/down'])]);
    expect(before.routes.map(routingKey)).to.deep.equal(after.routes.map(routingKey));
    const changed = after.routes
      .map(routeLine)
      .filter((l, i) => l !== routeLine(before.routes[i]!));
    expect(changed).to.have.length(1);
    const text = encodePatch(changed, 8, 7);
    expect(text.split('\n')[0]).to.equal('d 8 7');
    expect(text).to.match(/^d 8 7\nroute_[0-9a-f]{12} - \/down - down h 10\.0\.0\.1:9\n$/);
  });

  it('encodes redirect=https, proto=https and tlsskipverify=true as letters after h|r', () => {
    const table = tableOf([
      inst('r', 1, ['urlprefix-/r redirect=https']),
      inst('s', 2, ['urlprefix-/s proto=https']),
      inst('k', 3, ['urlprefix-/k proto=https tlsskipverify=true redirect=https']),
    ]);
    const lines = encodeMembership(table, 1).trimEnd().split('\n').slice(1);
    expect(
      lines.map((l) => l.split(' ').slice(2, 3).concat(l.split(' ').slice(5, 6))),
    ).to.deep.equal([
      ['/k', 'hRK'],
      ['/r', 'hR'],
      ['/s', 'hS'],
    ]);
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
            /^route_[0-9a-f]{12} (-|[a-z0-9.*-]+) \/[\w.~/-]* (-|\/[\w.~/-]+) [\w,-]+ [hr][RSK]*( (\d+\.\d+\.\d+\.\d+|\[[0-9a-f:.]+\]):\d+)*$/,
          );
      }),
      { numRuns: 300 },
    );
  });
});
