import { expect } from 'chai';
import { pino } from 'pino';
import { duplicateTopLevelKeys } from '../../helpers/log-keys.js';

describe('log lines carry one value per key', () => {
  it('finds a key bound by a parent and a child logger, not nested or quoted ones', () => {
    const lines: string[] = [];
    const root = pino({ base: null }, { write: (l: string) => void lines.push(l) });
    root.child({ component: 'a' }).child({ component: 'b' }).info('x');
    root.child({ component: 'a' }).info({ err: { component: 'c' }, msg2: '"component":1' }, 'y');
    expect(duplicateTopLevelKeys(lines[0] as string)).to.deep.equal(['component']);
    expect(duplicateTopLevelKeys(lines[1] as string)).to.deep.equal([]);
  });
});
