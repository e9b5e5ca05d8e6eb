import { expect } from 'chai';
import fc from 'fast-check';
import { RouteTableCache } from '../../../gateway/route-table-cache.js';
import { buildRouteTable, type InstanceInput } from '../../../gateway/routes.js';
import { inst } from './instances.js';

const SERVICES = ['a', 'b', 'c', 'bad name'];
const TAGS = [
  'urlprefix-/x',
  'urlprefix-/x strip=/x',
  'urlprefix-/y',
  'urlprefix-h.example.com/y proto=https',
  'urlprefix-/x redirect=https',
  'urlprefix-/z proto=grpc',
  'urlprefix-/x timeout=30s',
  'other',
];

/** One step: service `s` gets a new instance list (ports, tags and health drawn small). */
const step = fc.record({
  s: fc.constantFrom(...SERVICES),
  list: fc.array(
    fc.record({
      port: fc.integer({ min: 1, max: 4 }),
      tags: fc.subarray(TAGS, { maxLength: 2 }),
      status: fc.constantFrom('passing', 'critical'),
      address: fc.constantFrom('10.0.0.1', '10.0.0.2', 'bad address'),
    }),
    { maxLength: 4 },
  ),
});

function listOf(
  name: string,
  drawn: { port: number; tags: string[]; status: string; address: string }[],
): InstanceInput[] {
  const byId = new Map<string, InstanceInput>();
  for (const d of drawn) {
    const i = { ...inst(name, d.port, d.tags, d.status), Address: d.address };
    byId.set(i.ID, i);
  }
  return [...byId.values()];
}

describe('RouteTableCache', () => {
  it('always gives what a whole build gives, after any sequence of service changes (property)', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        fc.boolean(),
        (steps, health, reorder) => {
          const cache = new RouteTableCache();
          const entries = new Map<string, readonly InstanceInput[]>(SERVICES.map((s) => [s, []]));
          for (const { s, list } of steps) {
            const next = listOf(s, list);
            // Health-only steps: the same instances, each with its status flipped.
            const prev = entries.get(s) ?? [];
            entries.set(
              s,
              health && prev.length > 0
                ? prev.map((i) => ({
                    ...i,
                    Status: i.Status === 'passing' ? 'critical' : 'passing',
                  }))
                : next,
            );
            // Names usually come in one order; another order must give the same table.
            const order = reorder && steps.length % 2 === 0 ? [...entries].reverse() : entries;
            const copy = new Map(order);
            expect(cache.build(copy)).to.deep.equal(buildRouteTable(copy));
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('keeps every untouched route object when one instance changes', () => {
    const cache = new RouteTableCache();
    const entries = new Map<string, readonly InstanceInput[]>([
      ['a', [inst('a', 1, ['urlprefix-/a'])]],
      ['b', [inst('b', 2, ['urlprefix-/b'])]],
    ]);
    const first = cache.build(new Map(entries));
    entries.set('a', [inst('a', 1, ['urlprefix-/a']), inst('a', 3, ['urlprefix-/a'])]);
    const second = cache.build(new Map(entries));
    expect(second.routes[1]).to.equal(first.routes[1]);
    expect(second.routes[0]?.servers.map((s) => s.target)).to.deep.equal([
      '10.0.0.1:1',
      '10.0.0.1:3',
    ]);
    expect(cache.build(new Map(entries))).to.equal(second);
  });
});
