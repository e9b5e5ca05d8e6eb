import { expect } from 'chai';
import { startHeapTrim } from '../../../common/process/heap-trim.js';
import { waitFor } from '../../helpers/wait-for.js';

describe('heap trim: a full collection after each growth of the heap', () => {
  it('collects once the heap grew by the threshold, then measures growth from there', async () => {
    let used = 100;
    const calls: number[] = [];
    const trim = startHeapTrim({
      growthBytes: 50,
      intervalMs: 5,
      heapUsed: () => used,
      gc: () => {
        calls.push(used);
        used = 110; // what survived
      },
    });
    try {
      used = 140;
      await new Promise((r) => setTimeout(r, 30));
      expect(calls).to.deep.equal([]);
      used = 151;
      await waitFor(() => trim.collections === 1, { what: 'the first collection' });
      used = 150;
      await new Promise((r) => setTimeout(r, 30));
      expect(trim.collections).to.equal(1);
      used = 161;
      await waitFor(() => trim.collections === 2, { what: 'the second collection' });
      expect(calls).to.deep.equal([151, 161]);
    } finally {
      trim.stop();
    }
  });

  it('check() collects at once when the heap grew enough, not before', () => {
    let used = 100;
    const trim = startHeapTrim({
      growthBytes: 50,
      intervalMs: 60_000,
      heapUsed: () => used,
      gc: () => (used = 100),
    });
    try {
      used = 149;
      trim.check();
      expect(trim.collections).to.equal(0);
      used = 150;
      trim.check();
      expect(trim.collections).to.equal(1);
      expect(used).to.equal(100);
    } finally {
      trim.stop();
    }
  });

  it('does nothing without gc (node without --expose-gc)', () => {
    const trim = startHeapTrim({ heapUsed: () => 0 });
    trim.check();
    expect(trim.collections).to.equal(0);
    trim.stop();
  });
});
