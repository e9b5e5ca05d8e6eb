import { get } from '../../test/helpers/http.js';

export { closeAgent, get } from '../../test/helpers/http.js';

/** Polls `url` every `intervalMs` until the body starts with `expect`; resolves with the time it took. */
export async function pollUntilServed(
  url: string,
  expect: string,
  timeoutMs: number,
  intervalMs = 2,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    const res = await get(url);
    if (res.status === 200 && res.body.startsWith(expect)) return performance.now() - started;
    if (performance.now() - started > timeoutMs)
      throw new Error(`${url} did not serve ${expect} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
