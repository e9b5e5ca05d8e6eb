/**
 * A full garbage collection whenever the heap has grown by `growthBytes` since the last one:
 * with a large catalog, each change reads a catalog-wide answer (about 1 MB of text at 5,000
 * services) and builds per-render lists of every service, and V8 lets that garbage pile up in
 * old space before it collects, so the resident size follows the garbage, not the data kept.
 * Needs Node's `--expose-gc` (the CLIs' shebangs pass it); without it, nothing happens. Checked
 * every `intervalMs` on an unref'd timer, and whenever the program calls `check()` after a unit
 * of work.
 */
export interface HeapTrimOptions {
  growthBytes?: number;
  intervalMs?: number;
  /** Injected for tests; default `globalThis.gc` and `process.memoryUsage().heapUsed`. */
  gc?: () => void;
  heapUsed?: () => number;
}

export interface HeapTrim {
  /** Full collections run so far. */
  readonly collections: number;
  /**
   * Checks now (and collects if the heap grew enough). A program calls it when it has just
   * finished a unit of work: a full collection of a large heap stops it for tens of ms, better
   * right after a change was applied than while the next one arrives (as a timer may).
   */
  check(): void;
  stop(): void;
}

const DEFAULTS = { growthBytes: 32 * 1024 * 1024, intervalMs: 1_000 };

export function startHeapTrim(options: HeapTrimOptions = {}): HeapTrim {
  const gc = options.gc ?? (globalThis as { gc?: () => void }).gc;
  const heapUsed = options.heapUsed ?? (() => process.memoryUsage().heapUsed);
  const { growthBytes, intervalMs } = { ...DEFAULTS, ...options };
  let collections = 0;
  if (!gc) return { collections, check: () => undefined, stop: () => undefined };
  let baseline = heapUsed();
  const check = (): void => {
    if (heapUsed() - baseline < growthBytes) return;
    gc();
    collections++;
    baseline = heapUsed();
  };
  const timer = setInterval(check, intervalMs);
  timer.unref();
  return {
    get collections() {
      return collections;
    },
    check,
    stop: () => clearInterval(timer),
  };
}
