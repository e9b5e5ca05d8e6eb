import { expect } from 'chai';
import {
  buildRouteTable,
  routedServices,
  withoutRoutes,
  type InstanceInput,
} from '../../../gateway/routes.js';

const inst = (
  service: string,
  id: string,
  port: number,
  tags: string[],
  extra: Partial<InstanceInput> = {},
): InstanceInput => ({
  ID: id,
  Name: service,
  Node: 'n1',
  Address: '127.0.0.1',
  Port: port,
  Tags: tags,
  Status: 'passing',
  ...extra,
});

const table = (list: InstanceInput[]) => {
  const m = new Map<string, InstanceInput[]>();
  for (const i of list) m.set(i.Name, [...(m.get(i.Name) ?? []), i]);
  return buildRouteTable(m);
};

describe('gateway route table (pure)', () => {
  it('withoutRoutes drops what a mode cannot serve, with an error per service', () => {
    const t = table([
      inst('tls', 'a', 1, ['urlprefix-/secure proto=https']),
      inst('web', 'b', 2, ['urlprefix-/web']),
    ]);
    const out = withoutRoutes(t, (r) => r.proto === 'https', 'needs lua mode');
    expect(out.routes.map((r) => r.path)).to.deep.equal(['/web']);
    expect(out.hosts.flatMap((h) => h.routes.map((r) => r.path))).to.deep.equal(['/web']);
    expect(out.errors).to.deep.equal([{ service: 'tls', message: '/secure: needs lua mode' }]);
    expect(withoutRoutes(t, () => false, 'x')).to.equal(t);
  });

  it('routes healthy instances only, several routes per service', () => {
    const t = table([
      inst('web', 'w1', 8001, ['urlprefix-/app', 'urlprefix-/web']),
      inst('web', 'w2', 8002, ['urlprefix-/app', 'urlprefix-/web']),
      inst('web', 'w3', 8003, ['urlprefix-/app', 'urlprefix-/web'], { Status: 'critical' }),
    ]);
    expect(t.routes.map((r) => r.path)).to.deep.equal(['/app', '/web']);
    expect(t.routes[0]!.servers.map((s) => s.target)).to.deep.equal([
      '127.0.0.1:8001',
      '127.0.0.1:8002',
    ]);
    expect(t.instances).to.have.length(3);
    expect(t.instances.find((i) => i.id === 'w3')).to.include({
      healthy: false,
      status: 'critical',
    });
  });

  it('a route without healthy instances gets a 503 explanation instead of an empty upstream', () => {
    const t = table([inst('api', 'a1', 9001, ['urlprefix-/api'], { Status: 'critical' })]);
    expect(t.routes[0]!.servers).to.deep.equal([]);
    expect(t.routes[0]!.unavailable).to.equal('"no healthy instance of api for /api\\n"');
  });

  it('sorts longest prefix first and puts host-less routes on every host too', () => {
    const t = table([
      inst('root', 'r1', 1, ['urlprefix-/']),
      inst('api', 'a1', 2, ['urlprefix-/api', 'urlprefix-example.com/api strip=/api']),
      inst('site', 's1', 3, ['urlprefix-example.com/']),
    ]);
    expect(t.hosts.map((h) => h.name)).to.deep.equal(['', 'example.com']);
    expect(t.hosts[0]!.routes.map((r) => r.path)).to.deep.equal(['/api', '/']);
    const ex = t.hosts[1]!;
    expect(ex.routes.map((r) => `${r.host}${r.path}`)).to.deep.equal([
      'example.com/api',
      'example.com/',
    ]);
    expect(ex.hasRoot).to.equal(true);
    const strip = t.routes.find((r) => r.host === 'example.com' && r.path === '/api')!;
    expect(strip.stripPattern).to.equal('^/api/?(.*)$');
  });

  it('drops hostile values with an error naming the service; the rest keeps working', () => {
    const t = table([
      inst('evil', 'e1', 1, ['urlprefix-/ok', 'urlprefix-/x;} server { listen 81;']),
      inst('evil2', 'e2', 2, ['urlprefix-/e2'], { Address: '1.2.3.4; return 200' }),
      inst('good', 'g1', 3, ['urlprefix-/good']),
    ]);
    expect(t.routes.map((r) => r.path)).to.deep.equal(['/good', '/e2', '/ok']);
    expect(t.routes.find((r) => r.path === '/e2')!.servers).to.deep.equal([]);
    expect(t.errors.map((e) => e.service)).to.deep.equal(['evil', 'evil2']);
    expect(t.errors[0]!.message).to.match(/dropped: invalid path/);
    expect(JSON.stringify(t.routes)).not.to.include('listen 81');
  });

  it('rejects service names that are not routable', () => {
    const r = routedServices([
      { Name: 'web', Tags: ['urlprefix-/'] },
      { Name: 'x{y}', Tags: ['urlprefix-/x'] },
      { Name: 'plain', Tags: [] },
    ]);
    expect(r.names).to.deep.equal(['web']);
    expect(r.errors).to.deep.equal([
      { service: 'x{y}', message: 'service name is not routable; service dropped' },
    ]);
  });

  it('merges a route claimed by two services; conflicting strip is an error', () => {
    const t = table([
      inst('a', 'a1', 1, ['urlprefix-/shared']),
      inst('b', 'b1', 2, ['urlprefix-/shared', 'urlprefix-/s strip=/s']),
      inst('c', 'c1', 3, ['urlprefix-/s']),
    ]);
    expect(t.routes.find((r) => r.path === '/shared')!.services).to.deep.equal(['a', 'b']);
    expect(t.errors.map((e) => e.service)).to.deep.equal(['c']);
  });

  it('carries redirect, proto and tlsskipverify on the route; conflicting options are an error', () => {
    const t = table([
      inst('a', 'a1', 1, ['urlprefix-s.test/ redirect=https proto=https tlsskipverify=true']),
      inst('b', 'b1', 2, ['urlprefix-s.test/ redirect=https proto=https tlsskipverify=true']),
      inst('c', 'c1', 3, ['urlprefix-s.test/ proto=https']),
      inst('d', 'd1', 4, ['urlprefix-/plain']),
    ]);
    const secure = t.routes.find((r) => r.host === 's.test')!;
    expect(secure).to.include({ redirect: 'https', proto: 'https', tlsSkipVerify: true });
    expect(secure.services).to.deep.equal(['a', 'b']);
    expect(t.errors).to.deep.equal([
      {
        service: 'c',
        message:
          'tag "urlprefix-s.test/ proto=https" dropped: conflicts with other options for s.test/',
      },
    ]);
    const plain = t.routes.find((r) => r.path === '/plain')!;
    expect(plain).to.not.have.any.keys('redirect', 'proto', 'tlsSkipVerify');
  });

  it('is deterministic whatever the input order', () => {
    const list = [
      inst('b', 'b2', 2, ['urlprefix-/b']),
      inst('a', 'a1', 1, ['urlprefix-/a']),
      inst('b', 'b1', 3, ['urlprefix-/b']),
    ];
    expect(JSON.stringify(table(list))).to.equal(JSON.stringify(table([...list].reverse())));
  });

  it('brackets IPv6 upstream addresses', () => {
    const t = table([inst('v6', 'v', 80, ['urlprefix-/v6'], { Address: '::1' })]);
    expect(t.routes[0]!.servers[0]!.target).to.equal('[::1]:80');
  });

  it('drops instances whose address is not an IP literal (nginx would resolve names at load)', () => {
    const bad = ['db.example', '999.1.1.1', 'fe80::1%eth0', '10.0.0.1;', '', '1.2.3.4:80'];
    const t = table([
      inst('web', 'ok', 80, ['urlprefix-/a']),
      ...bad.map((Address, i) => inst('web', `bad${i}`, 80, ['urlprefix-/a'], { Address })),
    ]);
    expect(t.routes[0]!.servers.map((s) => s.id)).to.deep.equal(['ok']);
    expect(t.errors.filter((e) => e.message.includes('invalid address'))).to.have.length(
      bad.length,
    );
  });
});
