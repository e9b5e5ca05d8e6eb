/**
 * HTTPS through the gateway versus a plain nginx (issue 15): new TLS handshakes per second
 * (`wrk -H "Connection: close"`: one full handshake per request, wrk resumes no session) and
 * keep-alive HTTPS requests per second, in alternating wrk slices of one run (A B, B A, ...).
 * Both serve the same certificate (a run-time test CA's P-256 leaf + intermediate) with the same
 * TLS settings (gateway/certs/nginx-tls.ts) and proxy to the same static upstream (a `return 200`
 * server of the reference nginx, keepalive). The gateway runs in process (lua mode: certificate by
 * SNI from the shared dict, route match in access_by_lua, balancer_by_lua, traffic counters) with
 * its access log off, as the reference's; both with the same worker count.
 *
 *   npx tsx bench/https.ts [--slices 5] [--seconds 3] [--connections 32] [--workers 1]
 *
 * wrk sends the URL's host (127.0.0.1) as SNI: the gateway serves it through --default-cert.
 * Writes bench/results/https.json. Target: gateway / nginx >= 0.9 on both figures.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { tlsDirectives } from '../gateway/certs/nginx-tls.js';
import { resolveConfig } from '../gateway/config.js';
import { createGateway } from '../gateway/index.js';
import { startConsulAgent } from '../test/helpers/consul-agent.js';
import { startNginx } from '../test/helpers/nginx.js';
import { ROOT } from '../test/helpers/paths.js';
import { freePorts } from '../test/helpers/ports.js';
import { createTestCa } from '../test/helpers/tls.js';
import { waitFor } from '../test/helpers/wait-for.js';
import { wrk, type WrkResult } from './lib/wrk.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) || fallback : fallback;
};
const slices = arg('slices', 5);
const seconds = arg('seconds', 3);
const connections = arg('connections', 32);
const workers = arg('workers', 1);

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The reference: the same certificate and TLS settings, a static upstream, nothing else. */
function referenceConfig(p: { tls: number; upstream: number }, cert: string, key: string): string {
  const tls = tlsDirectives({ placeholder: { cert, key }, lua: false, indent: '        ' });
  return `
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    keepalive_requests 1000;
    upstream static { server 127.0.0.1:${p.upstream}; keepalive 32; }
    server { listen 127.0.0.1:${p.upstream}; keepalive_requests 100000; return 200 "ok\\n"; }
    server {
        listen 127.0.0.1:${p.tls} ssl http2;
${tls}        location / { proxy_pass http://static; }
    }`;
}

async function main(): Promise<void> {
  const [upstream, reference, gwHttp, gwHttps, gwStatus] = (await freePorts(5)) as number[];
  const dir = mkdtempSync(join(tmpdir(), 'https-bench-'));
  chmodSync(dir, 0o755); // nginx workers (nobody) reach the gateway's work dir inside
  const certs = join(dir, 'certs');
  mkdirSync(certs);
  const ca = await createTestCa();
  const leaf = await ca.issue({ dns: ['bench.test'], intermediate: true });
  writeFileSync(join(certs, 'bench.pem'), leaf.chain + leaf.key);
  writeFileSync(join(dir, 'ref.crt'), leaf.chain);
  writeFileSync(join(dir, 'ref.key'), leaf.key, { mode: 0o600 });
  const nginx = await startNginx(
    referenceConfig(
      { tls: reference!, upstream: upstream! },
      join(dir, 'ref.crt'),
      join(dir, 'ref.key'),
    ),
    { port: upstream!, workers },
  );
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
    const scenarios = {
      handshakes: ['Connection: close'],
      keepAlive: [] as string[],
    };
    const out: Record<string, unknown> = {
      date: new Date().toISOString(),
      wrk: `-t2 -c${connections} -d${seconds}s, ${slices} slices per side, alternating`,
      workers,
    };
    for (const [name, headers] of Object.entries(scenarios)) {
      const runs = { gateway: [] as WrkResult[], nginx: [] as WrkResult[] };
      for (let i = 0; i < slices; i++) {
        const order =
          i % 2 === 0 ? (['gateway', 'nginx'] as const) : (['nginx', 'gateway'] as const);
        for (const side of order) {
          const r = await wrk(urls[side], seconds, connections, headers);
          runs[side].push(r);
          console.log(
            `${name.padEnd(10)} ${side.padEnd(7)} ${r.requestsPerSec}/s p99 ${r.latencyP99Ms} ms errors ${r.errors}`,
          );
        }
      }
      const side = (list: WrkResult[]) => ({
        perSecond: Math.round(median(list.map((r) => r.requestsPerSec))),
        p99Ms: median(list.map((r) => r.latencyP99Ms)),
        errors: list.reduce((a, r) => a + r.errors, 0),
      });
      const g = side(runs.gateway);
      const n = side(runs.nginx);
      const ratio = Math.round((g.perSecond / n.perSecond) * 1000) / 1000;
      out[name] = { gateway: g, nginx: n, ratio, target: 0.9, met: ratio >= 0.9 };
    }
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/https.json'), JSON.stringify(out, null, 2) + '\n');
    console.log(JSON.stringify(out, null, 2));
  } finally {
    await gateway.stop();
    await nginx.stop();
    await agent.stop();
    ca.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
