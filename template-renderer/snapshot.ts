import { createHash } from 'node:crypto';
import type { QueryStatus } from './types.js';

interface Entry {
  data: unknown;
  /**
   * JSON of `data` (a SHA-1 of it when long), to tell a real change from a re-delivery of the
   * same content without keeping a second copy of every answer.
   */
  json: string;
  hasData: boolean;
  index: number;
  lastOkAt?: number;
  error?: string;
}

/** What `Snapshot.read` answers for a key without data yet. */
export const NO_DATA: unique symbol = Symbol('no data');

/** The store helpers read: query key -> latest data, plus the watch state shown in status(). */
export class Snapshot {
  private readonly entries = new Map<string, Entry>();

  /** The key's data, or NO_DATA (one lookup: what helpers read on every render). */
  read(key: string): unknown {
    const entry = this.entries.get(key);
    return entry?.hasData === true ? entry.data : NO_DATA;
  }

  get(key: string): unknown {
    return this.entries.get(key)?.data;
  }

  /** Stores data; returns whether the content differs from what was there. */
  set(key: string, data: unknown, index: number): boolean {
    const json = fingerprint(JSON.stringify(data) ?? 'null');
    const entry = this.entry(key);
    const changed = !entry.hasData || entry.json !== json;
    if (changed) {
      entry.data = data;
      entry.json = json;
      entry.hasData = true;
    }
    entry.index = index;
    entry.lastOkAt = Date.now();
    entry.error = undefined;
    return changed;
  }

  /** Records a failed fetch; the last data stays (last output is kept during an outage). */
  fail(key: string, error: string): void {
    this.entry(key).error = error;
  }

  ok(key: string, index: number): void {
    const entry = this.entry(key);
    entry.index = index;
    entry.lastOkAt = Date.now();
    entry.error = undefined;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  status(): QueryStatus[] {
    return [...this.entries.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, e]) => ({
        key,
        index: e.index,
        hasData: e.hasData,
        ...(e.lastOkAt ? { lastOkAt: new Date(e.lastOkAt).toISOString() } : {}),
        ...(e.error ? { error: e.error } : {}),
      }));
  }

  private entry(key: string): Entry {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { data: undefined, json: '', hasData: false, index: 0 };
      this.entries.set(key, entry);
    }
    return entry;
  }
}

/** Short JSON as is; longer JSON as its SHA-1 (marked, so the two never compare equal). */
function fingerprint(json: string): string {
  return json.length <= 64 ? json : `#${createHash('sha1').update(json).digest('base64')}`;
}
