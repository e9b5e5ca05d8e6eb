import { GoMap, sortedKeys, type GoMethods } from '../values.js';

/** consul-template's scratch: a per-render key/value store with map values. */
export class Scratch implements GoMethods {
  readonly goMethods = new Set(['Key', 'Get', 'Set', 'SetX', 'MapSet', 'MapSetX', 'MapValues']);
  readonly goType = '*template.Scratch';
  private readonly values = new Map<string, unknown>();

  Key(k: unknown): boolean {
    return this.values.has(String(k));
  }
  Get(k: unknown): unknown {
    return this.values.has(String(k)) ? this.values.get(String(k)) : null;
  }
  Set(k: unknown, v: unknown): string {
    this.values.set(String(k), v);
    return '';
  }
  SetX(k: unknown, v: unknown): string {
    if (!this.values.has(String(k))) this.values.set(String(k), v);
    return '';
  }
  MapSet(k: unknown, mk: unknown, v: unknown): string {
    this.map(String(k)).set(String(mk), v);
    return '';
  }
  MapSetX(k: unknown, mk: unknown, v: unknown): string {
    const m = this.map(String(k));
    if (!m.has(String(mk))) m.set(String(mk), v);
    return '';
  }
  MapValues(k: unknown): unknown[] {
    const m = this.values.get(String(k));
    if (m === undefined || m === null) return [];
    if (!(m instanceof Map)) throw new Error(`${String(k)} is not a map`);
    return sortedKeys(m).map((key) => m.get(key));
  }

  private map(k: string): GoMap {
    const m = this.values.get(k);
    if (m instanceof GoMap) return m;
    if (m !== undefined) throw new Error(`scratch key ${JSON.stringify(k)} is not a map`);
    const created = new GoMap([], null);
    this.values.set(k, created);
    return created;
  }
}
