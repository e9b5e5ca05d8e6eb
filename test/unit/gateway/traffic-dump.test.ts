import { expect } from 'chai';
import { isToolkitError } from '../../../common/errors.js';
import { parseTrafficDump, type TrafficDump } from '../../../gateway/traffic-dump.js';
import { TrafficTotals } from '../../../gateway/traffic-totals.js';

const R = 'route_0123456789ab';

function dump(epoch: string, lines: string[]): string {
  return [`e ${epoch}`, 'c 3 0 1 2', ...lines].join('\n') + '\n';
}

function totalsOf(t: TrafficTotals): Record<string, number> {
  return Object.fromEntries([...t.values()].map((v) => [v.key, v.total]));
}

describe('gateway traffic dump (pure)', () => {
  it('parses the epoch, the connections and every counter kind', () => {
    const d = parseTrafficDump(
      dump('1718000000123', [
        `n:${R}:2 10`,
        `n:-:4 3`,
        `b:${R}:0 7`,
        `b:${R}:11 1`,
        `s:${R} 0.123`,
        `f:${R} 2`,
        `t:${R} 1`,
        `u:${R} 4`,
      ]),
    );
    expect(d.epoch).to.equal('1718000000123');
    expect(d.connections).to.deep.equal({ active: 3, reading: 0, writing: 1, waiting: 2 });
    expect(d.entries.map((e) => [e.key, e.kind, e.route, e.slot, e.value])).to.deep.equal([
      [`n:${R}:2`, 'requests', R, 2, 10],
      ['n:-:4', 'requests', '-', 4, 3],
      [`b:${R}:0`, 'bucket', R, 0, 7],
      [`b:${R}:11`, 'bucket', R, 11, 1],
      [`s:${R}`, 'sum', R, 0, 0.123],
      [`f:${R}`, 'failures', R, 0, 2],
      [`t:${R}`, 'retries', R, 0, 1],
      [`u:${R}`, 'local', R, 0, 4],
    ]);
  });

  it('an empty dict is a valid dump', () => {
    expect(parseTrafficDump(dump('1', [])).entries).to.deep.equal([]);
  });

  for (const [what, text] of [
    ['no epoch line', 'c 1 0 1 0\n'],
    ['no connections line', 'e 1\n'],
    ['status class 6', dump('1', [`n:${R}:6 1`])],
    ['status class missing', dump('1', [`n:${R} 1`])],
    ['bucket past +Inf', dump('1', [`b:${R}:12 1`])],
    ['a slot on a sum', dump('1', [`s:${R}:1 1`])],
    ['unrouted failures', dump('1', ['f:- 1'])],
    ['a name that is not a route', dump('1', ['n:/admin:2 1'])],
    ['client data in a key', dump('1', [`n:${R}:2 1 x="y"`])],
    ['a negative value', dump('1', [`n:${R}:2 -1`])],
    ['not a number', dump('1', [`n:${R}:2 inf`])],
    ['an unknown kind', dump('1', [`x:${R} 1`])],
  ] as const)
    it(`rejects the whole dump with E_NGINX: ${what}`, () => {
      let error: unknown;
      try {
        parseTrafficDump(text);
      } catch (e) {
        error = e;
      }
      expect(isToolkitError(error, 'E_NGINX'), String(error)).to.equal(true);
    });
});

describe('gateway traffic totals (pure)', () => {
  const at = (epoch: string, lines: string[]): TrafficDump => parseTrafficDump(dump(epoch, lines));

  it('adds the first dump whole, then what each counter gained (reload: same epoch)', () => {
    const t = new TrafficTotals();
    expect(t.add(at('1', [`n:${R}:2 5`, `s:${R} 0.5`]))).to.equal(false);
    expect(t.add(at('1', [`n:${R}:2 8`, `s:${R} 0.75`, `n:${R}:5 1`]))).to.equal(false);
    expect(totalsOf(t)).to.deep.equal({ [`n:${R}:2`]: 8, [`s:${R}`]: 0.75, [`n:${R}:5`]: 1 });
  });

  it('a restart (new epoch) adds the new dict whole: totals never go down', () => {
    const t = new TrafficTotals();
    t.add(at('1', [`n:${R}:2 5`]));
    expect(t.add(at('2', [`n:${R}:2 7`]))).to.equal(true);
    expect(totalsOf(t)).to.deep.equal({ [`n:${R}:2`]: 12 });
    t.add(at('2', [`n:${R}:2 9`]));
    expect(totalsOf(t)).to.deep.equal({ [`n:${R}:2`]: 14 });
  });

  it('a key that went down (evicted, counted again) restarts alone', () => {
    const t = new TrafficTotals();
    t.add(at('1', [`n:${R}:2 5`, `n:${R}:4 9`]));
    t.add(at('1', [`n:${R}:2 2`, `n:${R}:4 10`]));
    expect(totalsOf(t)).to.deep.equal({ [`n:${R}:2`]: 7, [`n:${R}:4`]: 10 });
  });

  it('prune forgets routes gone from both the table and the dict', () => {
    const t = new TrafficTotals();
    const gone = 'route_ffffffffffff';
    t.add(at('1', [`n:${R}:2 5`, `n:${gone}:2 1`]));
    t.add(at('1', [`n:${R}:2 6`]));
    t.prune((route) => route === R);
    expect(totalsOf(t)).to.deep.equal({ [`n:${R}:2`]: 6 });
    // Still in the dict: kept even when not live (the route may come back).
    t.add(at('1', [`n:${R}:2 6`, `n:${gone}:2 2`]));
    t.prune((route) => route === R);
    expect(totalsOf(t)).to.deep.equal({ [`n:${R}:2`]: 6, [`n:${gone}:2`]: 2 });
  });
});
