import { Writable } from 'node:stream';
import { expect } from 'chai';
import { CertificateManager } from '../../../../gateway/certs/manager.js';
import {
  expiryState,
  nextExpiryTransition,
  EXPIRY_WARN_DAYS,
} from '../../../../gateway/certs/expiry.js';
import { createLogger } from '../../../../common/log.js';
import { createTestCa, type TestCa } from '../../../helpers/tls.js';
import { waitFor } from '../../../helpers/wait-for.js';

const DAY = 86_400_000;

describe('gateway certificates: expiry (state, next transition, log lines while serving)', function () {
  this.timeout(30_000);
  let ca: TestCa;
  before(async () => {
    ca = await createTestCa();
  });
  after(() => ca.cleanup());

  it('is valid, then expiring within the warning window, then expired at notAfter', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const at = (ms: number): Date => new Date(now.getTime() + ms);
    expect(expiryState(at(EXPIRY_WARN_DAYS * DAY + 1), now)).to.equal('valid');
    expect(expiryState(at(EXPIRY_WARN_DAYS * DAY), now)).to.equal('expiring');
    expect(expiryState(at(1), now)).to.equal('expiring');
    expect(expiryState(at(0), now)).to.equal('expired');
    expect(expiryState(at(5 * DAY), now, 3)).to.equal('valid');
  });

  it('finds the earliest future transition of a set', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const c = (days: number) => ({ notAfter: new Date(now.getTime() + days * DAY) });
    expect(nextExpiryTransition([c(40), c(20)], now)?.toISOString()).to.equal(
      new Date(now.getTime() + 6 * DAY).toISOString(),
    );
    expect(nextExpiryTransition([c(40), c(5)], now)?.getTime()).to.equal(now.getTime() + 5 * DAY);
    expect(nextExpiryTransition([c(-1)], now)).to.equal(undefined);
    expect(nextExpiryTransition([], now)).to.equal(undefined);
  });

  it('logs "expires soon" at load and "expired" when notAfter passes, and keeps serving it', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({
      name: 'test',
      level: 'info',
      destination: new Writable({
        write(chunk, _enc, done) {
          lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
          done();
        },
      }),
    });
    // Valid for 6 more seconds (openssl dates have 1 s steps), and one with 30 days left.
    const [short, long] = await Promise.all([
      ca.issue({ dns: ['short.test'], toDays: 6 / 86_400 }),
      ca.issue({ dns: ['long.test'], toDays: 30 }),
    ]);
    const manager = new CertificateManager({ log });
    const input = (name: string, leaf: typeof short) => ({
      name,
      kind: 'file' as const,
      source: `/certs/${name}.pem`,
      certPem: leaf.chain,
      keyPem: leaf.key,
    });
    try {
      manager.update('file', [input('short', short), input('long', long)]);
      const soon = lines.filter(
        (l) => l.msg === 'certificate expires soon; replace it in its source',
      );
      expect(soon.map((l) => l.name)).to.deep.equal(['short']);
      expect(soon[0]).to.include({ level: 40, source: '/certs/short.pem', daysLeft: 0 });
      expect(manager.status().find((s) => s.name === 'short')?.expiry).to.equal('expiring');
      const expired = await waitFor(
        () =>
          lines.find(
            (l) => l.msg === 'certificate expired; it keeps serving until its source replaces it',
          ),
        { timeoutMs: 15_000, what: 'the expired line' },
      );
      expect(expired).to.include({ level: 50, name: 'short' });
      const status = manager.status().find((s) => s.name === 'short');
      expect(status).to.include({ expiry: 'expired', serving: true });
      expect(manager.store.select('short.test')?.name).to.equal('short');
      expect(manager.status().find((s) => s.name === 'long')?.expiry).to.equal('valid');
      // Once per version and state: a rescan of the same inputs logs nothing new.
      const count = lines.length;
      manager.update('file', [input('short', short), input('long', long)]);
      expect(lines.length).to.equal(count);
      expect(JSON.stringify(lines)).not.to.contain('PRIVATE KEY');
    } finally {
      await manager.stop();
    }
  });
});
