import { arrayEntries, entryName } from './summary-text.js';

/** What one detector answer changed, compared with the answer before it. */
export interface CatalogChange {
  /** Services whose summary differs (appeared, went, or changed). */
  services: Set<string>;
  /** Whether the set of names or any service's tags changed (what `services` lists). */
  namesOrTags: boolean;
}

interface Seen {
  /** The service's entry as Consul wrote it (a copy: never a slice pinning a whole answer). */
  text: string;
  tags: string;
  /** The answer that last listed it. */
  round: number;
}

/** Tags as a set: sorted and deduplicated (most services have one or two). */
function tagKey(tags: unknown): string {
  if (!Array.isArray(tags) || tags.length === 0) return '';
  if (tags.length === 1) return String(tags[0]);
  return [...new Set(tags.map(String))].sort().join('\0');
}

/** The tags of one entry's JSON; undefined when it is not an object. */
function tagsOf(json: string): string | undefined {
  try {
    const entry: unknown = JSON.parse(json);
    if (!entry || typeof entry !== 'object') return undefined;
    return tagKey((entry as { Tags?: unknown }).Tags);
  } catch {
    return undefined;
  }
}

/** A copy of a substring that does not keep the string it came from alive. */
const detached = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

/**
 * Remembers each service's entry of the summary (`/v1/internal/ui/services`, as text) and tells
 * what the next answer changed, in one pass over its text: each entry is compared with the one
 * kept, and only a changed entry is copied and parsed (for its tags). Any difference
 * counts, a new tag order included. Pure.
 */
export class CatalogDiff {
  private readonly seen = new Map<string, Seen>();
  private round = 0;

  /** Throws (retryably) when the text is not a JSON array; entries without a name are skipped. */
  apply(text: string): CatalogChange {
    const entries = arrayEntries(text);
    const round = ++this.round;
    const services = new Set<string>();
    let namesOrTags = false;
    let current = 0;
    for (const e of entries) {
      const name = entryName(text, e);
      if (name === undefined) continue;
      const old = this.seen.get(name);
      if (old?.round === round) continue; // a name listed twice: the first counts
      current++;
      // A slice and === (a memory compare; startsWith at an offset was 4x slower).
      const entry = text.slice(e.start, e.end);
      if (old?.text === entry) {
        old.round = round;
        continue;
      }
      const copy = detached(entry);
      const tags = tagsOf(copy);
      if (tags === undefined) {
        current--;
        continue;
      }
      services.add(name);
      if (old?.tags !== tags) namesOrTags = true;
      this.seen.set(name, { text: copy, tags, round });
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
