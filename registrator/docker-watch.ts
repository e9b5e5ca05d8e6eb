import type { DockerSource } from '../common/docker/client.js';
import type { DockerEvent } from '../common/docker/types.js';
import { describeError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { backoffDelay } from '../common/retry.js';
import { abortableSleep } from '../common/sleep.js';

export interface DockerWatchOptions {
  docker: DockerSource;
  signal: AbortSignal;
  log: Logger;
  retryMaxMs: number;
  /** Every event, in order, as it arrives. */
  onEvent: (event: DockerEvent) => void;
  /**
   * The stream is open (first time and after every reconnect): list and reconcile now. Events
   * keep flowing meanwhile. A rejection closes the stream and retries.
   */
  onConnected: (reconnect: boolean) => Promise<void>;
  onError?: (error: unknown) => void;
}

/**
 * Follows Docker's event stream forever: reconnects with backoff when the daemon goes away
 * (restart, socket gone) and reconciles after each reconnect, since events were missed.
 * Resolves when `signal` aborts.
 */
export async function watchDocker(o: DockerWatchOptions): Promise<void> {
  let attempt = 0;
  let connectedBefore = false;
  while (!o.signal.aborted) {
    const round = new AbortController();
    const onAbort = (): void => round.abort();
    o.signal.addEventListener('abort', onAbort, { once: true });
    try {
      let opened = false;
      const events = o.docker.events({
        signal: round.signal,
        onOpen: () => {
          opened = true;
          const reconnect = connectedBefore;
          connectedBefore = true;
          o.log.info({ docker: o.docker.address, reconnect }, 'listening for Docker events');
          o.onConnected(reconnect).then(
            () => {
              attempt = 0;
            },
            (error: unknown) => {
              o.onError?.(error);
              o.log.warn(
                { err: describeError(error) },
                'sync after connecting failed; reconnecting',
              );
              round.abort();
            },
          );
        },
      });
      for await (const event of events) o.onEvent(event);
      if (!o.signal.aborted && opened) o.log.warn('Docker event stream ended; reconnecting');
    } catch (error) {
      if (o.signal.aborted) break;
      o.onError?.(error);
      o.log.warn(
        { err: describeError(error), docker: o.docker.address, attempt },
        'Docker unavailable; retrying',
      );
    } finally {
      o.signal.removeEventListener('abort', onAbort);
      round.abort();
    }
    if (o.signal.aborted) break;
    const delay = backoffDelay(attempt++, {
      initial: 100,
      max: o.retryMaxMs,
      factor: 2,
      jitter: 0.2,
    });
    await abortableSleep(delay, o.signal).catch(() => undefined);
  }
}
