import type { Logger } from '../common/log.js';
import type { RouteTable } from './routes.js';

/**
 * Logs each rejected routing value once, when it first appears in a table (a value rejected
 * again in every later table is not logged again; one that went away and comes back is).
 */
export function routeErrorLogger(log: Logger): (table: RouteTable) => void {
  let logged = new Set<string>();
  return (table) => {
    const current = new Set<string>();
    for (const e of table.errors) {
      const key = `${e.service}\0${e.message}`;
      current.add(key);
      if (!logged.has(key))
        log.error(
          { component: 'routes', service: e.service, error: e.message },
          'routing value rejected',
        );
    }
    logged = current;
  };
}
