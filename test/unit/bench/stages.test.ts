import { expect } from 'chai';
import { missingFigures, type PipelineResult } from '../../../bench/lib/report.js';
import { stageBreakdown, stagesOf } from '../../../bench/lib/stages.js';
import { distribution } from '../../../bench/lib/stats.js';
import type { LogLine } from '../../../test/helpers/stack.js';

const line = (program: string, time: number, msg: string, extra = {}): LogLine => {
  const json = { time, msg, ...extra };
  return { at: time, program, json, text: JSON.stringify(json) };
};

// A new route: registered, rendered (changed), pool applied, then the edge.
const logs: LogLine[] = [
  line('gateway', 990, 'rendered'), // an earlier round, not this container's
  line('registrator', 1003, 'registered', { containerName: 'c1' }),
  line('gateway', 1010, 'rendered'),
  line('gateway', 1110, 'pool applied', { validateMs: 12, durationMs: 100 }),
  line('gateway', 1210, 'config applied', { validateMs: 9, durationMs: 100 }),
  { at: 1211, program: 'gateway', json: undefined, text: 'nginx: not json' },
];

describe('bench stages (from the programs’ log lines)', () => {
  it('splits start -> routed into register, render, pool, edge and routed', () => {
    const s = stagesOf({ containerName: 'c1', startedAt: 1000, routedAt: 1230 }, logs);
    expect(s).to.deep.equal({
      register: 3,
      render: 7,
      pool: 100,
      poolValidate: 12,
      edge: 100,
      edgeValidate: 9,
      routed: 20,
    });
  });

  it('has no edge stage when the render did not change the routes (membership only)', () => {
    const only = [
      line('registrator', 1003, 'registered', { containerName: 'c2' }),
      line('gateway', 1006, 'rendered, unchanged'),
      line('gateway', 1100, 'pool applied', { validateMs: 11 }),
      line('gateway', 1300, 'config applied'), // a later, unrelated edge apply
    ];
    const s = stagesOf({ containerName: 'c2', startedAt: 1000, routedAt: 1120 }, only);
    expect(s).to.deep.equal({ register: 3, render: 3, pool: 94, poolValidate: 11, routed: 20 });
  });

  it('uses the last render before the container was served (a health check passing later)', () => {
    const checked = [
      line('registrator', 1003, 'registered', { containerName: 'c3' }),
      line('gateway', 1010, 'rendered'), // route appears, instance critical
      line('gateway', 1100, 'pool applied'),
      line('gateway', 2005, 'rendered, unchanged'), // the check passed
      line('gateway', 2100, 'pool applied'),
    ];
    const s = stagesOf({ containerName: 'c3', startedAt: 1000, routedAt: 2120 }, checked);
    expect(s).to.include({ render: 1002, pool: 95, routed: 20 });
  });

  it('returns what it found when lines are missing, and skips samples without them', () => {
    expect(stagesOf({ containerName: 'nope', startedAt: 1000, routedAt: 1200 }, logs)).to.eql({});
    const b = stageBreakdown(
      [
        { containerName: 'c1', startedAt: 1000, routedAt: 1230 },
        { containerName: 'nope', startedAt: 1000, routedAt: 1200 },
      ],
      logs,
    );
    expect(b.register?.n).to.equal(1);
    expect(b.edge?.p50).to.equal(100);
  });
});

describe('bench figure check (bench:smoke fails without figures)', () => {
  const d = distribution([10, 20]);
  const stages = { register: d, render: d, pool: d };
  const good: PipelineResult = {
    convergence: {
      passing: { ...d, stages },
      httpCheck1s: { ...d, stages },
      scaleOut: { ...d, stages },
    },
    removal: { lastRouted: d, failedTotal: 0, requestsTotal: 100, stages },
    burst: { containers: 5, allRoutableMs: 900, reloads: 4, lagMs: d, stages: {} },
    burstHostNetwork: { containers: 5, allRoutableMs: 900, reloads: 0, lagMs: d, stages: {} },
    footprint: {
      idle: { registratorMb: 70, gatewayNodeMb: 70, nginxMb: 30 },
      after: { registratorMb: 70, gatewayNodeMb: 70, nginxMb: 30 },
    },
  };

  it('accepts a complete result', () => {
    expect(missingFigures(good)).to.eql([]);
  });

  it('names NaN, empty and missing figures', () => {
    const bad = structuredClone(good);
    bad.convergence.scaleOut = { ...distribution([]), stages: { register: d } };
    bad.burst.allRoutableMs = NaN;
    bad.removal.requestsTotal = 0;
    const missing = missingFigures(bad);
    expect(missing).to.include.members([
      'convergence.scaleOut.n',
      'convergence.scaleOut.p50',
      'convergence.scaleOut.stages.render.p50',
      'burst.allRoutableMs',
      'removal.requestsTotal',
    ]);
    expect(missing.some((m) => m.startsWith('convergence.passing'))).to.equal(false);
  });
});
