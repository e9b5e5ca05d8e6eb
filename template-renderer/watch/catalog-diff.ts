import type { ServiceSummary } from './feeds.js';

/** What one detector answer changed, compared with the answer before it. */
export interface CatalogChange {
  /** Services whose summary differs (appeared, went, or changed). */
  services: Set<string>;
  /** Whether the set of names or any service's tags changed (what `services` lists). */
  namesOrTags: boolean;
}

/** Remembers the last summary per service and tells what the next answer changed. Pure. */
export class CatalogDiff {
  private prints = new Map<string, string>();
  private listing = '';

  apply(data: unknown): CatalogChange {
    const next = new Map<string, string>();
    const names: string[] = [];
    for (const s of Array.isArray(data) ? (data as ServiceSummary[]) : []) {
      if (!s || typeof s.Name !== 'string') continue;
      const tags = [...new Set(Array.isArray(s.Tags) ? s.Tags.map(String) : [])].sort();
      names.push(`${s.Name}\0${tags.join('\0')}`);
      next.set(s.Name, JSON.stringify(s));
    }
    const services = new Set<string>();
    for (const [name, print] of next) if (this.prints.get(name) !== print) services.add(name);
    for (const name of this.prints.keys()) if (!next.has(name)) services.add(name);
    const listing = names.sort().join('\n');
    const namesOrTags = listing !== this.listing;
    this.prints = next;
    this.listing = listing;
    return { services, namesOrTags };
  }
}
