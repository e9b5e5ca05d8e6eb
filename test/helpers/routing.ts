import type { ConsulClient } from '../../common/consul/client.js';
import { get } from './http.js';
import { waitFor } from './wait-for.js';

/**
 * Asks `url` in windows of answers until one whole window has come from every id in `ids` and,
 * with `only`, from no other id. Resolves with the ms it took. A window holds enough requests for
 * round-robin to reach every instance, and is judged only once complete.
 */
export async function waitServedBy(
  url: string,
  ids: readonly string[],
  options: { timeoutMs?: number; only?: boolean } = {},
): Promise<number> {
  const started = performance.now();
  const want = new Set(ids);
  const windowSize = ids.length * 4 + 4;
  let seen = new Set<string>();
  let answers = 0;
  await waitFor(
    async () => {
      const res = await get(url);
      seen.add(res.status === 200 ? (res.body.split(/\s/)[0] ?? '') : `status ${res.status}`);
      if (++answers < windowSize) return false;
      const window = seen;
      seen = new Set();
      answers = 0;
      const all = [...want].every((id) => window.has(id));
      return all && (!options.only || [...window].every((id) => want.has(id)));
    },
    {
      timeoutMs: options.timeoutMs ?? 15_000,
      intervalMs: 5,
      what: `${url} served by ${ids.join(', ')}${options.only ? ' only' : ''}`,
    },
  );
  return performance.now() - started;
}

/** Service ids of `name` in Consul's catalog, sorted. */
export async function catalogIds(client: ConsulClient, name: string): Promise<string[]> {
  const res = await client.read<{ ServiceID: string }[]>(
    `/catalog/service/${encodeURIComponent(name)}`,
    {},
    {},
    [],
  );
  return (res.data ?? []).map((s) => s.ServiceID).sort();
}

/** Names of every service in the catalog but Consul's own. */
export async function catalogServiceNames(client: ConsulClient): Promise<string[]> {
  const res = await client.catalogServices();
  return Object.keys(res.data)
    .filter((n) => n !== 'consul')
    .sort();
}
