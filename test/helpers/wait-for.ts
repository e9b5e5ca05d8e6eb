export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Describes the condition in the timeout error. */
  what?: string;
}

/**
 * Polls `check` until it returns a value other than undefined/false, or throws after the
 * timeout with the last error or value seen. Tests wait for conditions, never sleep.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${options.what ?? 'condition'} (last: ${detail})`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
