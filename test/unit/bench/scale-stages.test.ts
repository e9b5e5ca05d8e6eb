import { expect } from 'chai';
import { scaleStages, stageDistributions } from '../../../bench/lib/scale-stages.js';

const line = (time: number, msg: string, extra = {}): string =>
  JSON.stringify({ level: 20, time, msg, ...extra });

describe('bench scale stages (from the gateway’s debug lines)', () => {
  const logs = [
    line(990, 'feed answer', { changed: 1 }), // an earlier change
    line(1005, 'feed answer', { changed: 0 }), // nothing this gateway routes changed yet
    'nginx: not json',
    line(1080, 'feed answer', { changed: 1 }),
    line(1088, 'fetched, changed', { fetchMs: 7 }),
    line(1100, 'rendered'),
    line(1104, 'pool applied', { durationMs: 3 }),
  ];

  it('splits register -> served into commit, consul, fetch, render, pool and routed', () => {
    const [s] = scaleStages(logs, [{ registeredAt: 1000, committedAt: 1004, servedAt: 1110 }]);
    expect(s).to.deep.equal({ commit: 4, consul: 76, fetch: 8, render: 12, pool: 4, routed: 6 });
  });

  it('leaves a change without its feed answer empty, and stages without lines undefined', () => {
    const stages = scaleStages(
      [line(1080, 'feed answer', { changed: 2 }), line(1090, 'rendered, unchanged')],
      [
        { registeredAt: 1000, servedAt: 1095 },
        { registeredAt: 2000, servedAt: 2100 },
      ],
    );
    expect(stages[0]).to.deep.equal({ consul: 80, render: 10, pool: undefined, routed: undefined });
    expect(stages[1]).to.deep.equal({});
    expect(stageDistributions(stages)).to.have.keys('consul', 'render');
  });
});
