import { execa } from 'execa';

export interface WrkResult {
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  errors: number;
}

/**
 * wrk (Debian's) with two threads against a loopback URL (http or https) for `seconds`,
 * `--latency`; `headers`: -H values.
 */
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
  return parseWrk(stdout);
}

/** The figures of wrk's `--latency` report; errors are socket errors plus non-2xx/3xx answers. */
export function parseWrk(stdout: string): WrkResult {
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
