/**
 * HTTPS through the gateway versus a plain nginx (issue 15): new TLS handshakes per second
 * (`wrk -H "Connection: close"`: one full handshake per request, wrk resumes no session) and
 * keep-alive HTTPS requests per second, in alternating wrk slices of one run (A B, B A, ...)
 * after a warm-up slice per side. Both serve the same certificate (a run-time test CA's P-256
 * leaf + intermediate) with the same TLS settings (gateway/certs/nginx-tls.ts), client
 * keep-alive settings, forwarded headers and worker count, and proxy to the same static upstream:
 * an nginx of its own (`return 200`, keepalive), so each side pays the same process switch to
 * it (bench/lib/https-reference.ts). The gateway runs in process (lua mode: certificate by SNI
 * from the shared dict, route match in access_by_lua, balancer_by_lua, traffic counters) with its
 * access log off, as the reference's. Besides req/s, the CPU time of each side's nginx per
 * request (less sensitive than req/s to other work on the machine) and the load average.
 *
 *   npx tsx bench/https.ts [--slices 5] [--seconds 3] [--connections 32] [--workers 1]
 *
 * wrk sends the URL's host (127.0.0.1) as SNI: the gateway serves it through --default-cert.
 * Writes bench/results/https.json. Target: gateway / nginx >= 0.9 on both figures.
 */
import { mkdirSync, mkdtempSync, chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { resolveConfig } from '../gateway/config.js';
import { createGateway } from '../gateway/index.js';
import { startConsulAgent } from '../test/helpers/consul-agent.js';
import { ROOT } from '../test/helpers/paths.js';
import { freePorts } from '../test/helpers/ports.js';
import { createTestCa } from '../test/helpers/tls.js';
import { waitFor } from '../test/helpers/wait-for.js';
import { nginxCpu, startReference, startStaticUpstream } from './lib/https-reference.js';
import { wrk, type WrkResult } from './lib/wrk.js';
import { flagValue } from './lib/args.js';

const arg = (name: string, fallback: number): number => Number(flagValue(name)) || fallback;
const slices = arg('slices', 5);
const seconds = arg('seconds', 3);
const connections = arg('connections', 32);
const workers = arg('workers', 1);

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const load = (): number => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

/** One slice and the CPU its side's nginx used per request meanwhile (µs). */
async function slice(
  url: string,
  cpu: () => number,
  headers: string[],
): Promise<WrkResult & { cpuUs: number }> {
  const before = cpu();
  const r = await wrk(url, seconds, connections, headers);
  return { ...r, cpuUs: Math.round(((cpu() - before) * 1e6) / Math.max(1, r.requests)) };
}

async function main(): Promise<void> {
  const ports = (await freePorts(6)) as number[];
  const [upstream, reference, referenceHttp, gwHttp, gwHttps, gwStatus] = ports;
  const dir = mkdtempSync(join(tmpdir(), 'https-bench-'));
  chmodSync(dir, 0o755); // nginx workers (nobody) reach the gateway's work dir inside
  const certs = join(dir, 'certs');
  mkdirSync(certs);
  const ca = await createTestCa();
  const leaf = await ca.issue({ dns: ['bench.test'], intermediate: true });
  writeFileSync(join(certs, 'bench.pem'), leaf.chain + leaf.key);
  writeFileSync(join(dir, 'ref.crt'), leaf.chain);
  writeFileSync(join(dir, 'ref.key'), leaf.key, { mode: 0o600 });
  const upstreamNginx = await startStaticUpstream(upstream!);
  const nginx = await startReference({
    ...{ tls: reference!, http: referenceHttp!, upstream: upstream! },
    ...{ cert: join(dir, 'ref.crt'), key: join(dir, 'ref.key'), workers },
  });
  const agent = await startConsulAgent();
  await agent.client.registerService({
    ID: 'static-1',
    Name: 'static',
    Address: '127.0.0.1',
    Port: upstream!,
    Tags: ['urlprefix-/'],
  });
  const config = resolveConfig(
    [
      ...['--listen', `127.0.0.1:${gwHttp}`, '--status-addr', `127.0.0.1:${gwStatus}`],
      ...['--consul-addr', agent.addr, '--work-dir', join(dir, 'gw')],
      ...['--https-listen', `127.0.0.1:${gwHttps}`, '--cert-dir', certs],
      ...['--default-cert', 'bench', '--access-log', 'off', '--mode', 'lua'],
      ...['--worker-processes', String(workers)],
    ],
    {},
    { tmpDir: tmpdir(), cwd: process.cwd() },
  );
  const gateway = createGateway(config, { logger: pino({ level: 'silent' }) });
  try {
    await gateway.start();
    await waitFor(() => gateway.status().ready && gateway.status().routes.length === 1, {
      timeoutMs: 20_000,
      what: 'gateway ready with the route',
    });
    const urls = {
      gateway: `https://127.0.0.1:${gwHttps}/`,
      nginx: `https://127.0.0.1:${reference}/`,
    };
    const cpu = { gateway: nginxCpu(join(dir, 'gw/nginx.pid')), nginx: nginx.cpuSeconds };
    const scenarios = {
      handshakes: ['Connection: close'],
      keepAlive: [] as string[],
    };
    const out: Record<string, unknown> = {
      date: new Date().toISOString(),
      wrk: `-t2 -c${connections} -d${seconds}s, ${slices} slices per side, alternating`,
      workers,
      loadAverage: { start: load() },
    };
    type Slice = Awaited<ReturnType<typeof slice>>;
    for (const [name, headers] of Object.entries(scenarios)) {
      for (const side of ['gateway', 'nginx'] as const)
        await wrk(urls[side], 1, connections, headers);
      const runs = { gateway: [] as Slice[], nginx: [] as Slice[] };
      for (let i = 0; i < slices; i++) {
        const order =
          i % 2 === 0 ? (['gateway', 'nginx'] as const) : (['nginx', 'gateway'] as const);
        for (const side of order) {
          const r = await slice(urls[side], cpu[side], headers);
          runs[side].push(r);
          console.log(
            `${name.padEnd(10)} ${side.padEnd(7)} ${r.requestsPerSec}/s ${r.cpuUs} µs CPU/req p99 ${r.latencyP99Ms} ms errors ${r.errors} load ${load()}`,
          );
        }
      }
      const side = (list: Slice[]) => ({
        perSecond: Math.round(median(list.map((r) => r.requestsPerSec))),
        cpuUsPerRequest: median(list.map((r) => r.cpuUs)),
        p99Ms: median(list.map((r) => r.latencyP99Ms)),
        errors: list.reduce((a, r) => a + r.errors, 0),
      });
      const g = side(runs.gateway);
      const n = side(runs.nginx);
      const ratio = Math.round((g.perSecond / n.perSecond) * 1000) / 1000;
      const cpuRatio = Math.round((n.cpuUsPerRequest / g.cpuUsPerRequest) * 1000) / 1000;
      // Slice i of each side ran back to back: the median of those pairs' ratios follows a
      // load that drifts during the run less than the ratio of the medians does (reported only).
      const pairs = runs.gateway.map((r, i) => r.requestsPerSec / runs.nginx[i]!.requestsPerSec);
      const pairedRatio = Math.round(median(pairs) * 1000) / 1000;
      out[name] = {
        ...{ gateway: g, nginx: n, ratio, pairedRatio, cpuRatio },
        ...{ target: 0.9, met: ratio >= 0.9 },
      };
    }
    out.loadAverage = { ...(out.loadAverage as object), end: load() };
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/https.json'), JSON.stringify(out, null, 2) + '\n');
    console.log(JSON.stringify(out, null, 2));
  } finally {
    await gateway.stop();
    await nginx.stop();
    await upstreamNginx.stop();
    await agent.stop();
    ca.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
