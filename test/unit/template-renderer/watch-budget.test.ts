import { expect } from 'chai';
import fc from 'fast-check';
import { CatalogDiff } from '../../../template-renderer/watch/catalog-diff.js';
import {
  FEED_RESERVE,
  parseMaxConns,
  placeQuery,
  splitBudget,
} from '../../../template-renderer/watch/budget.js';
import { FetchPool } from '../../../template-renderer/watch/fetch-pool.js';

describe('connection budget', () => {
  it('splits any budget into a pool and blocking connections that add up', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 10_000 }), (max) => {
        const { pool, blocking } = splitBudget(max);
        expect(pool).to.be.within(1, 8);
        expect(pool + blocking).to.equal(max);
        expect(blocking).to.be.at.least(FEED_RESERVE + 1);
      }),
    );
  });

  it('never places more blocking queries and feeds than the blocking connections', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 64 }),
        fc.array(fc.boolean(), { maxLength: 300 }),
        (max, feeds) => {
          const { blocking } = splitBudget(max);
          let dedicated = 0;
          const channels = new Set<string>();
          feeds.forEach((hasFeed, i) => {
            const channel = i % 3 === 0 ? 'kv' : 'catalog';
            const mode = placeQuery({
              blocking,
              dedicated,
              feeds: channels.size,
              hasFeed,
              feedExists: channels.has(channel),
            });
            if (mode === 'blocking') dedicated++;
            if (mode === 'shared') channels.add(channel);
            expect(dedicated + channels.size).to.be.at.most(blocking);
          });
        },
      ),
    );
  });

  it('reads the budget from flags and files, with a message naming the option', () => {
    expect(parseMaxConns('32', '-consul-max-conns')).to.equal(32);
    expect(parseMaxConns(8, 'consul.maxConns')).to.equal(8);
    for (const bad of ['3', '0', '-1', '2.5', 'many', '', 10_001])
      expect(() => parseMaxConns(bad, '-consul-max-conns')).to.throw(
        /-consul-max-conns: expected a whole number from 4 to 10000/,
      );
  });
});

describe('CatalogDiff', () => {
  const summary = (name: string, extra: object = {}) => ({
    Name: name,
    Tags: ['a'],
    Nodes: ['n1'],
    InstanceCount: 1,
    ChecksPassing: 1,
    ...extra,
  });

  it('names the services whose summary changed, appeared or went, and whether names or tags did', () => {
    const d = new CatalogDiff();
    expect([...d.apply([summary('a'), summary('b')]).services].sort()).to.deep.equal(['a', 'b']);
    expect(d.apply([summary('a'), summary('b')])).to.deep.equal({
      services: new Set(),
      namesOrTags: false,
    });
    const more = d.apply([summary('a', { InstanceCount: 2 }), summary('b')]);
    expect([...more.services]).to.deep.equal(['a']);
    expect(more.namesOrTags).to.equal(false);
    const tags = d.apply([summary('a', { InstanceCount: 2, Tags: ['b', 'a'] }), summary('b')]);
    expect(tags.namesOrTags).to.equal(true);
    const gone = d.apply([summary('a', { InstanceCount: 2, Tags: ['a', 'b'] })]);
    expect([...gone.services]).to.deep.equal(['a', 'b']);
    expect(gone.namesOrTags).to.equal(true);
  });

  it('ignores malformed entries instead of failing', () => {
    const d = new CatalogDiff();
    expect([...d.apply([null, 5, { Name: 7 }, summary('ok')]).services]).to.deep.equal(['ok']);
    expect(d.apply('not a list').services).to.deep.equal(new Set(['ok']));
  });
});

describe('FetchPool', () => {
  it('never runs more tasks at once than its size, and runs them all', async () => {
    const pool = new FetchPool(3);
    let running = 0;
    let most = 0;
    const task = async (): Promise<number> => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, Math.random() * 5));
      running--;
      return 1;
    };
    const results = await Promise.all(Array.from({ length: 50 }, () => pool.run(task)));
    expect(results.length).to.equal(50);
    expect(most).to.equal(3);
    expect(pool.running).to.equal(0);
  });
});
