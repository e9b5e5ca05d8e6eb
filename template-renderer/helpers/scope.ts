import type { Query } from '../queries/query.js';
import { NO_DATA, type Snapshot } from '../snapshot.js';

/** What one render reads and records: the store, and the queries it used or lacked. */
export interface RenderScope {
  snapshot: Snapshot;
  /**
   * Every query read, in reading order, repeats included: an array push per read (a gateway
   * reads 5,000 per render), deduplicated only when the sequence differs from the last render's.
   */
  reads: Query[];
  missing: Set<string>;
  env: Record<string, string | undefined>;
}

/**
 * Helpers are registered once per Handlebars environment but each render needs its own record
 * of dependencies: rendering is synchronous, so the holder points at the current render's scope.
 */
export class ScopeHolder {
  current: RenderScope | undefined;
  private readonly cache = new Map<string, Query>();

  /** Parses (once per distinct call) and reads a query, recording it as used or missing. */
  read(cacheKey: string, parse: () => Query): unknown {
    return this.readQuery(this.query(cacheKey, parse));
  }

  /** The query of a helper call, parsed once per distinct call. */
  query(cacheKey: string, parse: () => Query): Query {
    let query = this.cache.get(cacheKey);
    if (!query) {
      query = parse();
      if (this.cache.size > 50_000) this.cache.clear();
      this.cache.set(cacheKey, query);
    }
    return query;
  }

  /** Reads a query already parsed (a caller that keeps its own Query objects skips the cache). */
  readQuery(query: Query): unknown {
    const scope = this.current;
    if (!scope) return undefined;
    scope.reads.push(query);
    const data = scope.snapshot.read(query.key);
    if (data === NO_DATA) {
      scope.missing.add(query.key);
      return undefined;
    }
    return data;
  }

  env(name: string): string {
    return this.current?.env[name] ?? '';
  }
}

/** Handlebars passes its options object last: split it from the positional arguments. */
export interface HelperOptions {
  hash: Record<string, unknown>;
  fn?: (context: unknown) => string;
  inverse?: (context: unknown) => string;
}

export function split(args: unknown[]): { params: unknown[]; options: HelperOptions } {
  const last = args[args.length - 1] as HelperOptions | undefined;
  if (last && typeof last === 'object' && 'hash' in last)
    return { params: args.slice(0, -1), options: last };
  return { params: args, options: { hash: {} } };
}
