import { openH2, trackSession, type H2Slot, type H2Target } from './h2-sessions.js';
import type { ConsulTraffic } from './traffic.js';

interface Waiter {
  wake(): void;
  fail(error: unknown): void;
}

/**
 * HTTP/2 sessions to one agent, at most `maxSessions` of them (each one TCP connection, what the
 * agent's `http_max_conns_per_client` counts), each carrying up to the agent's stream limit. A
 * request takes a stream of the first session with room, opens a session when none has room and
 * the bound allows, and waits otherwise. Failures are left for the transport to describe.
 */
export class H2Pool {
  private readonly slots: H2Slot[] = [];
  private readonly waiters = new Set<Waiter>();
  private opening = 0;
  private closed = false;
  /** Kept while no session is open (the agent restarting): placement still needs it. */
  private perSession = 1;

  constructor(
    private readonly target: H2Target,
    private readonly maxSessions: number,
    private readonly traffic: ConsulTraffic,
    first: H2Slot,
  ) {
    this.add(first);
  }

  /** Streams one session carries: the agent's limit, as the last session opened learned it. */
  get streamsPerSession(): number {
    return this.perSession;
  }

  async acquire(signal?: AbortSignal): Promise<H2Slot> {
    for (;;) {
      if (this.closed)
        throw Object.assign(new Error('client closed'), { code: 'ERR_HTTP2_INVALID_SESSION' });
      const slot = this.slots.find(
        (s) => s.active < s.max && !s.session.closed && !s.session.destroyed,
      );
      if (slot) {
        if (slot.active++ === 0) slot.session.ref();
        return slot;
      }
      // One more session only when those being opened will not carry every waiting request.
      const coming = this.opening * this.streamsPerSession;
      if (this.slots.length + this.opening < this.maxSessions && coming <= this.waiters.size)
        await this.open();
      else await this.wait(signal);
    }
  }

  release(slot: H2Slot): void {
    if (--slot.active === 0) slot.session.unref();
    this.wakeOne();
  }

  close(): void {
    this.closed = true;
    for (const slot of [...this.slots]) slot.session.destroy();
    this.wakeAll();
  }

  private async open(): Promise<void> {
    this.opening++;
    try {
      this.add(await openH2(this.target));
      this.opening--;
      this.wakeAll();
    } catch (error) {
      this.opening--;
      // The agent cannot be reached: every request waiting for this session fails with it,
      // rather than each trying a connection of its own in turn.
      for (const w of [...this.waiters]) w.fail(error);
      throw error;
    }
  }

  private add(slot: H2Slot): void {
    if (this.closed) {
      slot.session.destroy();
      return;
    }
    this.slots.push(slot);
    this.perSession = slot.max;
    trackSession(slot, this.target, this.traffic, (gone) => {
      const i = this.slots.indexOf(gone);
      if (i >= 0) this.slots.splice(i, 1);
      this.wakeAll();
    });
  }

  private wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const leave = (): void => {
        this.waiters.delete(waiter);
        signal?.removeEventListener('abort', aborted);
      };
      const waiter: Waiter = {
        wake: () => (leave(), resolve()),
        fail: (error) => (leave(), reject(error)),
      };
      const aborted = (): void => waiter.fail(signal?.reason ?? new Error('aborted'));
      if (signal?.aborted) return aborted();
      signal?.addEventListener('abort', aborted, { once: true });
      this.waiters.add(waiter);
    });
  }

  private wakeOne(): void {
    const first = this.waiters.values().next();
    if (!first.done) first.value.wake();
  }

  private wakeAll(): void {
    for (const w of [...this.waiters]) w.wake();
  }
}
