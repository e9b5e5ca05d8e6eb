import type { RouteTable } from './routes.js';

/**
 * Where route tables go: lua mode's shared dict (lua-routes.ts) or reload mode's upstream pool
 * nginx (pool.ts). `apply` resolves to whether an nginx reloaded.
 */
export interface RouteSink {
  readonly mode: 'lua' | 'reload';
  /** Whether a route table has been confirmed live. */
  readonly ready: boolean;
  /** Reload mode: the pool's confirmed config generation; lua mode: 0. */
  readonly applied: number;
  /** Writes what the first start needs. */
  prepare(): Promise<void>;
  apply(table: RouteTable): Promise<boolean>;
}
