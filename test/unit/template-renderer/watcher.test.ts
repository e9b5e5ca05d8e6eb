import { expect } from 'chai';
import { createLogger } from '../../../common/log.js';
import { ToolkitError } from '../../../common/errors.js';
import type { ConsulClient } from '../../../common/consul/client.js';
import type { FetchOptions, FetchResult, Query } from '../../../template-renderer/queries/query.js';
import { Snapshot } from '../../../template-renderer/snapshot.js';
import { Watcher } from '../../../template-renderer/watch/watcher.js';
import { waitFor } from '../../helpers/wait-for.js';

/** A query answering from a script of results; records the index each request blocked on. */
function scripted(answers: (FetchResult | Error)[]): Query & { seen: number[] } {
  const seen: number[] = [];
  return {
    key: 'fake()',
    blocking: true,
    seen,
    async fetch(_c: ConsulClient, opts: FetchOptions) {
      seen.push(opts.index);
      const next = answers.shift();
      if (!next)
        return new Promise<FetchResult>((_, reject) =>
          opts.signal.addEventListener('abort', () =>
            reject(new ToolkitError('aborted', { code: 'E_ABORTED' })),
          ),
        );
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

describe('Watcher', () => {
  const logger = createLogger({ name: 't', level: 'silent' });

  it('blocks on the last index, ignores unchanged index and content, resets when it goes backwards, retries errors', async () => {
    const snapshot = new Snapshot();
    const changes: unknown[] = [];
    const q = scripted([
      { data: ['a'], index: 10, lastContactMs: 0 },
      { data: ['a'], index: 10, lastContactMs: 0 }, // same index: ignored
      { data: ['a'], index: 12, lastContactMs: 0 }, // same content: no change
      { data: ['a'], index: 12, lastContactMs: 0 },
      { data: ['b'], index: 3, lastContactMs: 0 }, // backwards: reset to 0
      new ToolkitError('down', { code: 'E_CONSUL_UNAVAILABLE', retryable: true }),
      { data: ['b'], index: 3, lastContactMs: 0 },
    ]);
    const w = new Watcher({
      client: { transport: { requestsPerConnection: 1 } } as unknown as ConsulClient,
      snapshot,
      logger,
      onChange: () => changes.push(snapshot.get('fake()')),
      blockWaitMs: 1000,
      minDelayMs: 1,
      maxStaleMs: 0,
    });
    w.ensure(q);
    w.ensure(q); // shared: one loop per key
    await waitFor(() => q.seen.length >= 8, { timeoutMs: 5000 });
    await w.stop();
    expect(q.seen).to.deep.equal([0, 10, 10, 12, 12, 0, 0, 3]); // backwards -> 0, error -> 0
    expect(changes).to.deep.equal([['a'], ['b']]);
  });

  it('keeps the last data when fetches fail', async () => {
    const snapshot = new Snapshot();
    const q = scripted([
      { data: 1, index: 5, lastContactMs: 0 },
      new ToolkitError('down', { code: 'E_CONSUL_UNAVAILABLE' }),
    ]);
    const w = new Watcher({
      client: { transport: { requestsPerConnection: 1 } } as unknown as ConsulClient,
      snapshot,
      logger,
      onChange: () => undefined,
      blockWaitMs: 1000,
      minDelayMs: 1,
      maxStaleMs: 0,
    });
    w.ensure(q);
    await waitFor(() => snapshot.status()[0]?.error, { timeoutMs: 5000 });
    expect(snapshot.get('fake()')).to.equal(1);
    w.retain(new Set());
    expect(w.size).to.equal(0);
    await w.stop();
  });

  it('counts streams, not connections, once the agent speaks HTTP/2: 700 queries all block on their own within 4 connections', async () => {
    const make = (perConnection: number) =>
      new Watcher({
        client: { transport: { requestsPerConnection: perConnection } } as unknown as ConsulClient,
        snapshot: new Snapshot(),
        logger,
        onChange: () => undefined,
        blockWaitMs: 1000,
        minDelayMs: 1,
        maxStaleMs: 0,
        maxConns: 4,
      });
    const queries = Array.from({ length: 700 }, (_x, i) => ({
      ...scripted([]),
      key: `q${i}`,
      feed: { kind: 'kv' as const },
    }));
    const h2 = make(250);
    const h1 = make(1);
    for (const q of queries) {
      h2.ensure(q);
      h1.ensure(q);
    }
    // 4 connections: 1 for the pool, 3 blocking; over HTTP/2 each carries 250 streams.
    expect(h2.counts()).to.deep.equal({ blocking: 700, shared: 0, polled: 0, feeds: 0 });
    expect(h1.counts()).to.deep.equal({ blocking: 1, shared: 699, polled: 0, feeds: 1 });
    await Promise.all([h2.stop(), h1.stop()]);
  });
});
