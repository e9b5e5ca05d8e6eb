import type { Logger } from '../../common/log.js';
import type { Certificate } from './certificate.js';

/** Days before its not-after time from which a served certificate is reported as expiring. */
export const EXPIRY_WARN_DAYS = 14;

const DAY_MS = 86_400_000;
/** setTimeout's longest delay (about 24.8 days); a later transition is re-checked then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type ExpiryState = 'valid' | 'expiring' | 'expired';

/** Whole days from `now` to `notAfter` (negative once expired). Pure. */
export function daysLeft(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
}

/** Where a certificate stands at `now`. Pure. */
export function expiryState(notAfter: Date, now: Date, warnDays = EXPIRY_WARN_DAYS): ExpiryState {
  const left = notAfter.getTime() - now.getTime();
  if (left <= 0) return 'expired';
  return left <= warnDays * DAY_MS ? 'expiring' : 'valid';
}

/** The first instant after `now` at which one of these certificates changes state. Pure. */
export function nextExpiryTransition(
  certs: readonly Pick<Certificate, 'notAfter'>[],
  now: Date,
  warnDays = EXPIRY_WARN_DAYS,
): Date | undefined {
  let next = Infinity;
  for (const c of certs)
    for (const at of [c.notAfter.getTime() - warnDays * DAY_MS, c.notAfter.getTime()])
      if (at > now.getTime() && at < next) next = at;
  return Number.isFinite(next) ? new Date(next) : undefined;
}

export interface ExpiryWatchOptions {
  log: Logger;
  now?: () => Date;
  warnDays?: number;
}

/**
 * Logs when a served certificate enters the warning window (warn) and when it expires (error):
 * once per certificate version and state, at the load of that version and then at the exact
 * transition (one timer for the earliest). An expired certificate keeps serving until a source
 * replaces it: refusing its hosts' handshakes would not help their clients, and the log line,
 * `/status` (`expiry`, `daysLeft`) and the expiry gauge say what to replace.
 */
export class ExpiryWatch {
  private certs: readonly Certificate[] = [];
  private readonly logged = new Map<string, ExpiryState>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly o: ExpiryWatchOptions) {}

  /** The serving set changed (also the first load). */
  update(certs: readonly Certificate[]): void {
    this.certs = certs;
    this.check();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    const now = this.o.now?.() ?? new Date();
    const live = new Set<string>();
    for (const c of this.certs) {
      const key = `${c.name}\0${c.version}`;
      live.add(key);
      const state = expiryState(c.notAfter, now, this.o.warnDays);
      if (state === 'valid' || this.logged.get(key) === state) continue;
      this.logged.set(key, state);
      this.report(c, state, now);
    }
    for (const key of this.logged.keys()) if (!live.has(key)) this.logged.delete(key);
    this.schedule(now);
  }

  private report(c: Certificate, state: ExpiryState, now: Date): void {
    const fields = {
      name: c.name,
      source: c.source,
      hosts: c.hosts,
      notAfter: c.notAfter.toISOString(),
      daysLeft: daysLeft(c.notAfter, now),
    };
    if (state === 'expired')
      this.o.log.error(
        fields,
        'certificate expired; it keeps serving until its source replaces it',
      );
    else this.o.log.warn(fields, 'certificate expires soon; replace it in its source');
  }

  private schedule(now: Date): void {
    this.stop();
    const next = nextExpiryTransition(this.certs, now, this.o.warnDays);
    if (!next) return;
    const delay = Math.min(MAX_TIMER_MS, next.getTime() - now.getTime() + 1);
    this.timer = setTimeout(() => this.check(), delay);
    this.timer.unref();
  }
}
