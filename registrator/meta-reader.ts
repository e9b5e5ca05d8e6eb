import type { PortMetadata } from './metadata.js';
import type { MetadataWarning } from './types.js';
import type { Check } from './validate.js';

/** Reads validated values from one port's metadata and collects a warning per skipped key. */
export class MetaReader {
  readonly warnings: MetadataWarning[] = [];

  constructor(readonly meta: PortMetadata) {}

  has(key: string): boolean {
    return (this.meta.get(key)?.value.trim() ?? '') !== '';
  }

  /** The trimmed value, or undefined when absent, empty or rejected by one of `checks`. */
  get(key: string, ...checks: Check[]): string | undefined {
    const entry = this.meta.get(key);
    if (!entry) return undefined;
    const value = entry.value.trim();
    if (value === '') return undefined;
    for (const check of checks) {
      const reason = check(value);
      if (reason !== undefined) {
        this.warn(entry.source, reason);
        return undefined;
      }
    }
    return value;
  }

  warn(key: string, reason: string, kind?: MetadataWarning['kind']): void {
    this.warnings.push({ key, reason, ...(kind ? { kind } : {}) });
  }

  source(key: string): string {
    return this.meta.get(key)?.source ?? `SERVICE_${key.toUpperCase()}`;
  }
}
