import type { Logger } from '../common/log.js';

/**
 * After Consul failed to answer, keeps rendering on hold for `holdMs` once it answers again: a
 * restarted agent comes back empty until registrators re-register. Every watch recovers on its
 * own, so each recovery restarts the hold and only the first of an outage is logged.
 */
export class OutageHold {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly holdMs: number,
    private readonly log: Logger,
    private readonly onRelease: () => void,
  ) {}

  get active(): boolean {
    return this.timer !== undefined;
  }

  recovered(): void {
    if (this.holdMs <= 0) return;
    if (this.timer) clearTimeout(this.timer);
    else
      this.log.info(
        { holdMs: this.holdMs },
        'Consul answers again; keeping the last output while it refills',
      );
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onRelease();
    }, this.holdMs);
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
