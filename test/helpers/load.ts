import { Agent, request } from 'node:http';

export interface LoadSample {
  /** ms since the load started */
  t: number;
  status: number; // 0 when the request failed without a response
  body: string;
  latencyMs: number;
  error?: string;
}

export interface LoadOptions {
  url: string;
  /** Requests per second, spread evenly; each request is independent of the others' latency. */
  rate: number;
  /** Stop after this long, whatever happens (bounded loops only). */
  maxDurationMs: number;
  /** Keep each response body (trimmed) for attribution, e.g. which backend answered. */
  keepBodies?: boolean;
  timeoutMs?: number;
  /** Requests with one of these statuses are not failures (e.g. 404 while a route appears). */
  okStatuses?: number[];
  /** Reuse connections (default true). */
  keepAlive?: boolean;
}

export interface LoadRun {
  stop(): Promise<LoadSample[]>;
  /** performance.now() when the load began: sample times are relative to it. */
  startedAt: number;
  samples: LoadSample[];
}

/** A steady open-loop load on one loopback URL, counting every response and error. */
export function startLoad(options: LoadOptions): LoadRun {
  if (!/^http:\/\/(127\.\d+\.\d+\.\d+|localhost)(:\d+)?\//.test(options.url)) {
    throw new Error(`load only goes to loopback addresses, not ${options.url}`);
  }
  const agent = new Agent({ keepAlive: options.keepAlive ?? true, maxSockets: 64 });
  const samples: LoadSample[] = [];
  const inflight = new Set<Promise<void>>();
  const started = performance.now();
  const interval = 1000 / options.rate;
  let sent = 0;
  let stopped = false;
  const get = (): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request(options.url, { agent, timeout: options.timeoutMs ?? 5_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end();
    });
  const one = async (): Promise<void> => {
    const t = performance.now() - started;
    try {
      const res = await get();
      const body = options.keepBodies ? res.body.trim() : '';
      samples.push({ t, status: res.status, body, latencyMs: performance.now() - started - t });
    } catch (error) {
      const latencyMs = performance.now() - started - t;
      samples.push({ t, status: 0, body: '', latencyMs, error: (error as Error).message });
    }
  };
  const tick = (): void => {
    if (stopped) return;
    const elapsed = performance.now() - started;
    if (elapsed > options.maxDurationMs) {
      stopped = true;
      return;
    }
    // Catch up on missed ticks so the rate holds even when the event loop was busy.
    while (sent * interval <= elapsed) {
      sent++;
      const p = one().finally(() => inflight.delete(p));
      inflight.add(p);
    }
    setTimeout(tick, Math.max(1, interval / 2));
  };
  tick();
  return {
    samples,
    startedAt: started,
    async stop() {
      stopped = true;
      await Promise.all(inflight);
      agent.destroy();
      return samples;
    },
  };
}

export function isFailure(sample: LoadSample, okStatuses: number[] = []): boolean {
  return sample.status === 0 || (sample.status >= 400 && !okStatuses.includes(sample.status));
}

export function summarize(
  samples: LoadSample[],
  okStatuses: number[] = [],
): { sent: number; failed: number; statuses: Record<string, number> } {
  const statuses: Record<string, number> = {};
  for (const s of samples) statuses[String(s.status)] = (statuses[String(s.status)] ?? 0) + 1;
  return {
    sent: samples.length,
    failed: samples.filter((s) => isFailure(s, okStatuses)).length,
    statuses,
  };
}
