import { constants } from 'node:os';
import type { DockerEvent } from '../common/docker/types.js';

/** What a Docker event asks of the reconciler (pure classification). */
export type EventAction =
  | { kind: 'sync'; containerId: string }
  | { kind: 'kill'; containerId: string; signal: string }
  | { kind: 'die'; containerId: string; exitCode: number | undefined }
  | { kind: 'remove'; containerId: string }
  | { kind: 'ignore' };

/** Actions that can change what a container should register: re-read it and reconcile. */
const SYNC_ACTIONS = new Set(['start', 'unpause', 'pause', 'rename', 'restart', 'update']);

export function classifyEvent(event: DockerEvent): EventAction {
  const action = event.Action ?? '';
  if (event.Type === 'network') {
    const containerId = event.Actor?.Attributes?.container;
    if ((action === 'connect' || action === 'disconnect') && containerId)
      return { kind: 'sync', containerId };
    return { kind: 'ignore' };
  }
  if (event.Type !== 'container') return { kind: 'ignore' };
  const containerId = event.Actor?.ID;
  if (!containerId) return { kind: 'ignore' };
  if (SYNC_ACTIONS.has(action) || action.startsWith('health_status'))
    return { kind: 'sync', containerId };
  if (action === 'kill')
    return { kind: 'kill', containerId, signal: event.Actor.Attributes?.signal ?? '' };
  if (action === 'die') {
    const code = Number(event.Actor.Attributes?.exitCode);
    return { kind: 'die', containerId, exitCode: Number.isInteger(code) ? code : undefined };
  }
  if (action === 'destroy') return { kind: 'remove', containerId };
  return { kind: 'ignore' };
}

/** "15", "SIGTERM", "TERM" -> 15; undefined when unknown. */
export function signalNumber(signal: string | undefined): number | undefined {
  if (!signal) return undefined;
  const text = signal.trim().toUpperCase();
  if (/^\d+$/.test(text)) return Number(text);
  const name = (text.startsWith('SIG') ? text : `SIG${text}`) as keyof typeof constants.signals;
  return constants.signals[name];
}

const TERMINATING = new Set(['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGQUIT'].map(signalNumber));

/**
 * Whether a `kill` event means the container is being stopped (so drain it): SIGTERM, SIGKILL,
 * SIGINT, SIGQUIT or the container's own stop signal. `docker kill -s HUP` (reload) is not.
 */
export function isStopSignal(signal: string, stopSignal?: string): boolean {
  const n = signalNumber(signal);
  if (n === undefined) return false;
  return TERMINATING.has(n) || (stopSignal !== undefined && signalNumber(stopSignal) === n);
}

/** Mirrors Docker's exit status of a signalled process (128 + signal). */
export const SIGNALLED_BIT = 128;

/** -deregister on-success: remove after a clean exit or a kill, keep after a crash. */
export function shouldDeregisterOnDie(
  mode: 'always' | 'on-success',
  exitCode: number | undefined,
): boolean {
  if (mode === 'always' || exitCode === undefined) return true;
  return exitCode === 0 || (exitCode & SIGNALLED_BIT) === SIGNALLED_BIT;
}
