import { expect } from 'chai';
import { RouteMemory } from '../../../gateway/route-memory.js';
import { buildRouteTable, type InstanceInput } from '../../../gateway/routes.js';

const table = (...tags: string[]) => {
  const entries = new Map<string, InstanceInput[]>();
  if (tags.length > 0)
    entries.set('web', [
      {
        ID: 'w1',
        Name: 'web',
        Node: 'n',
        Address: '10.0.0.1',
        Port: 80,
        Tags: tags,
        Status: 'passing',
      },
    ]);
  return buildRouteTable(entries);
};

describe('gateway route memory (pure, fake clock)', () => {
  it('keeps a vanished route for the grace period as a 503, then drops it', () => {
    let now = 1_000;
    const memory = new RouteMemory(60_000, () => now);
    const live = memory.merge(table('urlprefix-/app', 'urlprefix-example.com/api strip=/api'));
    expect(live.routes.map((r) => r.servers.length)).to.deep.equal([1, 1]);
    expect(memory.nextExpiryMs()).to.equal(undefined);

    now += 1_000;
    const gone = memory.merge(table());
    expect(gone.routes.map((r) => `${r.host}${r.path}`)).to.deep.equal(['/app', 'example.com/api']);
    expect(gone.routes[0]!.servers).to.deep.equal([]);
    expect(gone.routes[0]!.unavailable).to.equal('"no instance of web for /app\\n"');
    expect(gone.routes[1]).to.include({ strip: '/api', upstream: live.routes[1]!.upstream });
    expect(gone.hosts.map((h) => h.name)).to.deep.equal(['', 'example.com']);
    expect(memory.nextExpiryMs()).to.equal(60_000);

    now += 59_999;
    expect(memory.merge(table()).routes).to.have.length(2);
    now += 1;
    expect(memory.merge(table()).routes).to.deep.equal([]);
    expect(memory.nextExpiryMs()).to.equal(undefined);
  });

  it('a route that comes back is live again and its clock restarts', () => {
    let now = 0;
    const memory = new RouteMemory(10_000, () => now);
    memory.merge(table('urlprefix-/app'));
    now = 9_000;
    memory.merge(table());
    expect(memory.merge(table('urlprefix-/app')).routes[0]!.servers).to.have.length(1);
    now = 15_000;
    expect(memory.merge(table()).routes).to.have.length(1);
  });

  it('counts the grace period from the change that removed the route, not the table before it', () => {
    // The table that had the route came long before its last instance left (a quiet catalog).
    let now = 0;
    const memory = new RouteMemory(3_000, () => now);
    memory.merge(table('urlprefix-/app'));
    now = 10_000;
    expect(memory.merge(table()).routes.map((r) => r.servers.length)).to.deep.equal([0]);
    expect(memory.nextExpiryMs()).to.equal(3_000);
  });

  it('grace 0 disables it', () => {
    const memory = new RouteMemory(0);
    memory.merge(table('urlprefix-/app'));
    expect(memory.merge(table()).routes).to.deep.equal([]);
  });
});
