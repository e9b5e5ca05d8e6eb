import { execa } from 'execa';
import type { TestContainers } from '../test/helpers/containers.js';
import { pollUntilServed } from './lib/http.js';
import type { Stack } from './lib/stack.js';

type Wrk = (url: string, seconds: number) => Promise<WrkResult>;

/** Slices per side: each side's `seconds` are split into this many alternating wrk runs. */
const ROUNDS = 5;

/**
 * Runs two loads in alternating slices (A B, B A, A B, ...) and sums each side. The backend is
 * busybox httpd (a new connection per request), so every run leaves ~3000 sockets/s in TIME_WAIT
 * on loopback and connect() gets slower as the port range fills: whichever side ran second in
 * back-to-back runs was measured on a slower machine (direct 3095 -> 2189 -> 1144 req/s in three
 * consecutive 10 s runs). Alternating gives both sides the same conditions.
 */
async function alternate(
  a: () => Promise<WrkResult>,
  b: () => Promise<WrkResult>,
  rounds: number,
): Promise<[WrkResult, WrkResult]> {
  const as: WrkResult[] = [];
  const bs: WrkResult[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      as.push(await a());
      bs.push(await b());
    } else {
      bs.push(await b());
      as.push(await a());
    }
  }
  return [combine(as), combine(bs)];
}

/** Requests per second over all slices; latency: median of the slices' p50, worst p99. */
function combine(slices: WrkResult[]): WrkResult {
  const requests = slices.reduce((s, r) => s + r.requests, 0);
  const rate = slices.reduce((s, r) => s + r.requests / r.requestsPerSec, 0);
  const p50s = slices.map((r) => r.latencyP50Ms).sort((x, y) => x - y);
  return {
    requestsPerSec: Math.round(requests / rate),
    latencyP50Ms: p50s[Math.floor(p50s.length / 2)] ?? NaN,
    latencyP99Ms: Math.max(...slices.map((r) => r.latencyP99Ms)),
    requests,
    errors: slices.reduce((s, r) => s + r.errors, 0),
  };
}

/**
 * Throughput through the gateway versus straight to the backend's published port, and through
 * the gateway with a membership change every second versus none — each pair in alternating
 * slices of the same run.
 */
export async function reloadCost(
  stack: Stack,
  containers: TestContainers,
  seconds: number,
  wrk: Wrk,
): Promise<{
  overhead: { gateway: WrkResult; direct: WrkResult; ratio: number };
  reloadCost: { steady: WrkResult; churn: WrkResult; ratio: number; changes: number };
}> {
  const start = async (suffix: string, service: string) => {
    const id = containers.uniqueName(`rc${suffix}`);
    const env = { BACKEND_ID: id, PATHS: 'rc', SERVICE_NAME: service };
    const c = await containers.run({
      name: id,
      publish: { '80': '' },
      env: suffix ? { ...env, SERVICE_IGNORE: 'true' } : { ...env, SERVICE_TAGS: 'urlprefix-/rc/' },
    });
    return { id, port: await containers.hostPort(c) };
  };
  const main = await start('', 'bench-rc');
  // A second backend that registrator ignores: the benchmark adds and removes it from the
  // route through Consul every second, a real membership change (another address) each time.
  const extra = await start('x', 'bench-rc-extra');
  await pollUntilServed(`${stack.gatewayUrl}/rc/`, main.id, 20_000);
  const slice = Math.max(1, Math.round(seconds / ROUNDS));
  const rounds = Math.max(1, Math.round(seconds / slice));
  const url = `${stack.gatewayUrl}/rc/`;
  const [direct, gateway] = await alternate(
    () => wrk(`http://127.0.0.1:${main.port}/rc/`, slice),
    () => wrk(url, slice),
    rounds,
  );
  let changes = 0;
  let on = false;
  const toggle = (): void => {
    on = !on;
    changes++;
    const op = on
      ? stack.client.registerService({
          ID: 'bench-rc-extra',
          Name: 'bench-rc',
          Address: '127.0.0.1',
          Port: extra.port,
          Tags: ['urlprefix-/rc/'],
        })
      : stack.client.deregisterService('bench-rc-extra');
    op.catch(() => undefined);
  };
  const churnSlice = async (): Promise<WrkResult> => {
    const timer = setInterval(toggle, 1_000);
    try {
      return await wrk(url, slice);
    } finally {
      clearInterval(timer);
    }
  };
  const [steady, churn] = await alternate(() => wrk(url, slice), churnSlice, rounds);
  await stack.client.deregisterService('bench-rc-extra').catch(() => undefined);
  const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
  return {
    overhead: { gateway, direct, ratio: ratio(gateway.requestsPerSec, direct.requestsPerSec) },
    reloadCost: {
      steady,
      churn,
      ratio: ratio(churn.requestsPerSec, steady.requestsPerSec),
      changes,
    },
  };
}

export interface WrkResult {
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  errors: number;
}

/** wrk (Debian's) against a loopback URL (http or https) for `seconds`; `headers`: -H values. */
export async function wrk(
  url: string,
  seconds: number,
  connections = 16,
  headers: string[] = [],
): Promise<WrkResult> {
  if (!/^https?:\/\/127\./.test(url)) throw new Error('loopback only');
  const { stdout } = await execa('wrk', [
    '-t2',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    ...headers.flatMap((h) => ['-H', h]),
    url,
  ]);
  const num = (re: RegExp): number => Number(re.exec(stdout)?.[1] ?? NaN);
  const ms = (re: RegExp): number => {
    const m = re.exec(stdout);
    if (!m) return NaN;
    const v = Number(m[1]);
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
  };
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    stdout,
  );
  const non2xx = num(/Non-2xx or 3xx responses: (\d+)/);
  const errors =
    (socketErrors ? socketErrors.slice(1).reduce((a, v) => a + Number(v), 0) : 0) +
    (Number.isNaN(non2xx) ? 0 : non2xx);
  return {
    requestsPerSec: Math.round(num(/Requests\/sec:\s+([\d.]+)/)),
    latencyP50Ms: Math.round(ms(/50%\s+([\d.]+)(us|ms|s)/) * 100) / 100,
    latencyP99Ms: Math.round(ms(/99%\s+([\d.]+)(us|ms|s)/) * 100) / 100,
    requests: num(/(\d+) requests in/),
    errors,
  };
}
