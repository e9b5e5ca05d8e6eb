import type { ConsulClient } from '../../common/consul/client.js';
import { get } from './http.js';
import { waitFor } from './wait-for.js';

/**
 * Asks `url` until every id in `ids` has answered (the test backend's body starts with its id)
 * and, with `only`, no other id answers either. Resolves with the ms it took.
 */
export async function waitServedBy(
  url: string,
  ids: readonly string[],
  options: { timeoutMs?: number; only?: boolean } = {},
): Promise<number> {
  const started = performance.now();
  const want = new Set(ids);
  let seen = new Set<string>();
  let round = 0;
  await waitFor(
    async () => {
      // A window of answers: enough requests that round-robin reaches every instance.
      if (round++ % (ids.length * 4 + 4) === 0) seen = new Set();
      const res = await get(url);
      if (res.status === 200) seen.add(res.body.split(/\s/)[0] ?? '');
      const all = [...want].every((id) => seen.has(id));
      return all && (!options.only || [...seen].every((id) => want.has(id)));
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
    `/v1/catalog/service/${encodeURIComponent(name)}`,
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
