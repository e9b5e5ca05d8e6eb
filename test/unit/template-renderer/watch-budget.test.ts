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

  // The detector's data is the answer's text, as Consul writes it.
  const answer = (entries: unknown[]): string => JSON.stringify(entries);

  it('names the services whose summary changed, appeared or went, and whether names or tags did', () => {
    const d = new CatalogDiff();
    const first = d.apply(answer([summary('a'), summary('b')]));
    expect([...first.services].sort()).to.deep.equal(['a', 'b']);
    expect(d.apply(answer([summary('a'), summary('b')]))).to.deep.equal({
      services: new Set(),
      namesOrTags: false,
    });
    const more = d.apply(answer([summary('a', { InstanceCount: 2 }), summary('b')]));
    expect([...more.services]).to.deep.equal(['a']);
    expect(more.namesOrTags).to.equal(false);
    const reordered = d.apply(
      answer([summary('a', { InstanceCount: 2, Tags: ['b', 'a'] }), summary('b')]),
    );
    expect([...reordered.services]).to.deep.equal(['a']);
    expect(reordered.namesOrTags).to.equal(true);
    // The same set of tags in another order: the service is re-read, the list of names is not.
    const sameSet = d.apply(
      answer([summary('a', { InstanceCount: 2, Tags: ['a', 'b'] }), summary('b')]),
    );
    expect([...sameSet.services]).to.deep.equal(['a']);
    expect(sameSet.namesOrTags).to.equal(false);
    const gone = d.apply(answer([summary('a', { InstanceCount: 2, Tags: ['a', 'b'] })]));
    expect([...gone.services]).to.deep.equal(['b']);
    expect(gone.namesOrTags).to.equal(true);
  });

  it('skips entries that are not named services; an empty answer lists none', () => {
    const d = new CatalogDiff();
    const text = answer([null, 5, 'x', { Name: 7 }, { Tags: [] }, summary('ok')]);
    expect([...d.apply(text).services]).to.deep.equal(['ok']);
    expect(d.apply('null').services).to.deep.equal(new Set(['ok']));
    expect(d.apply('[]').services).to.deep.equal(new Set());
  });

  it('throws, retryably, on an answer that is not a JSON array (the watch retries it)', () => {
    const d = new CatalogDiff();
    d.apply(answer([summary('ok')]));
    const bad = [
      'not a list',
      '{"Name":"a"}',
      '[{"Name":"a"}',
      '[{"Name":"a"}]]',
      '[{"Name":"a"}}',
    ];
    for (const text of bad)
      expect(() => d.apply(text), text)
        .to.throw(/catalog summary is not a JSON array/)
        .with.property('retryable', true);
    // The services seen before are still known: the next good answer compares with them.
    expect(d.apply(answer([summary('ok')])).services).to.deep.equal(new Set());
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
