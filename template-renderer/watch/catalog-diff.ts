import type { ServiceSummary } from './feeds.js';

/** What one detector answer changed, compared with the answer before it. */
export interface CatalogChange {
  /** Services whose summary differs (appeared, went, or changed). */
  services: Set<string>;
  /** Whether the set of names or any service's tags changed (what `services` lists). */
  namesOrTags: boolean;
}

interface Seen {
  print: string;
  tags: string;
  /** The answer that last listed it. */
  round: number;
}

const KNOWN = new Set([
  'Name',
  'Tags',
  'Nodes',
  'InstanceCount',
  'ChecksPassing',
  'ChecksWarning',
  'ChecksCritical',
  'Kind',
]);

/** Tags as a set: sorted and deduplicated (most services have one or two). */
function tagKey(tags: unknown): string {
  if (!Array.isArray(tags) || tags.length === 0) return '';
  if (tags.length === 1) return String(tags[0]);
  return [...new Set(tags.map(String))].sort().join('\0');
}

/**
 * A service's summary as one string: the fields Consul 1.8 sends, in a fixed order (tags as
 * sent: a new order re-reads the service), then any other field as JSON (rare: gateway and proxy
 * details), so every difference shows.
 */
function printOf(s: ServiceSummary): string {
  const tags = Array.isArray(s.Tags) ? s.Tags.join('\0') : '';
  const nodes = Array.isArray(s.Nodes) ? s.Nodes.join(',') : '';
  let out = `${s.Kind ?? ''}|${tags}|${nodes}|${s.InstanceCount}|${s.ChecksPassing}|${s.ChecksWarning}|${s.ChecksCritical}`;
  for (const key in s) {
    if (KNOWN.has(key)) continue;
    const value = (s as unknown as Record<string, unknown>)[key];
    out += `|${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`;
  }
  return out;
}

/**
 * Remembers one short print per service (not the answer) and tells what the next answer
 * changed, in one pass over it. Pure.
 */
export class CatalogDiff {
  private readonly seen = new Map<string, Seen>();
  private round = 0;

  apply(data: unknown): CatalogChange {
    const round = ++this.round;
    const services = new Set<string>();
    let namesOrTags = false;
    let current = 0;
    for (const s of Array.isArray(data) ? (data as ServiceSummary[]) : []) {
      if (!s || typeof s.Name !== 'string') continue;
      const tags = tagKey(s.Tags);
      const print = printOf(s);
      const old = this.seen.get(s.Name);
      if (!old) {
        this.seen.set(s.Name, { print, tags, round });
        current++;
        services.add(s.Name);
        namesOrTags = true;
        continue;
      }
      if (old.round !== round) current++;
      if (old.print !== print) services.add(s.Name);
      if (old.tags !== tags) namesOrTags = true;
      old.print = print;
      old.tags = tags;
      old.round = round;
    }
    // Services the answer no longer lists: only look for them when some went.
    if (current < this.seen.size)
      for (const [name, s] of this.seen)
        if (s.round !== round) {
          this.seen.delete(name);
          services.add(name);
          namesOrTags = true;
        }
    return { services, namesOrTags };
  }
}
