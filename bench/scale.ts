/**
 * The gateway against a stock Consul agent (no limits raised) at growing catalog sizes: time to
 * ready, connections, one-instance change -> routed, bytes read and CPU per change, RSS.
 * `npx tsx bench/scale.ts` (after `npm run build`; part of `npm run bench`), `--smoke` for
 * one small size (a stage of test:all: fails when figures are missing, never on speed),
 * `--sizes 5000` (comma-separated) for some sizes only, `--agent dev` for `consul agent -dev`
 * instead of a production-mode single server (both stock), `--stages` to run the gateway at
 * debug level and split each change into Consul / render / pool / routed (the logs cost CPU),
 * `--https` to serve the agent's HTTPS port too (test CA) and point the gateway at it: Consul
 * speaks HTTP/2 there, and every query gets a blocking stream of its own. `--at-rest 90` also
 * measures reads and CPU per second for 90 s after the changes, with nothing changing.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsulAgent } from '../test/helpers/consul-agent.js';
import { createTestCa } from '../test/helpers/tls.js';
import { ROOT } from '../test/helpers/paths.js';
import { closeAgent } from './lib/http.js';
import { plotScale } from './lib/plot-scale.js';
import { startBackends } from './lib/scale-fleet.js';
import { measureSize, type SizeResult } from './lib/scale-run.js';
import { stageDistributions } from './lib/scale-stages.js';
import { distribution } from './lib/stats.js';
import { flagValue } from './lib/args.js';

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const chosen = flagValue('sizes')?.split(',').map(Number);
const sizes = chosen ?? (smoke ? [300] : [20, 300, 1000, 5000]);
const agentMode = flagValue('agent') === 'dev' ? 'dev' : 'server';
const changes = smoke ? 3 : 20;
const withStages = argv.includes('--stages');
const https = argv.includes('--https');
const atRestS = Number(flagValue('at-rest') ?? 0);

/** A CA and the agent's certificate for 127.0.0.1, the CA written to `dir` for the gateway. */
async function agentTls(dir: string): Promise<{ cert: string; key: string; caFile: string }> {
  const ca = await createTestCa();
  try {
    const leaf = await ca.issue({ dns: ['IP:127.0.0.1', 'localhost'] });
    const caFile = join(dir, 'consul-ca.pem');
    writeFileSync(caFile, ca.root);
    return { cert: leaf.chain, key: leaf.key, caFile };
  } finally {
    ca.cleanup();
  }
}

async function oneSize(services: number): Promise<SizeResult> {
  const workDir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  const tls = https ? await agentTls(workDir) : undefined;
  const agent = await startConsulAgent({ server: agentMode === 'server', ...(tls ? { tls } : {}) });
  const backends = await startBackends(64);
  try {
    return await measureSize({
      agent,
      backends,
      services,
      changes,
      workDir,
      stages: withStages,
      ...(tls ? { httpsCaFile: tls.caFile } : {}),
      ...(atRestS > 0 ? { atRestS } : {}),
    });
  } finally {
    await backends.close();
    await agent.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

function row(r: SizeResult): string {
  const d = distribution(r.changeMs);
  return [
    String(r.services).padStart(6),
    `${(r.registerMs / 1000).toFixed(1)} s`.padStart(8),
    `${(r.readyMs / 1000).toFixed(1)} s`.padStart(8),
    `${r.peakConnections}/${r.budget}`.padStart(7),
    `${r.watches.blocking}/${r.watches.shared}/${r.watches.feeds}`.padStart(14),
    `${d.p50} / ${d.p95} ms`.padStart(18),
    `${(r.bytesPerChange / 1024).toFixed(1)} KB`.padStart(10),
    `${r.cpuMsPerChange.node.toFixed(0)} + ${r.cpuMsPerChange.nginx.toFixed(0)} + ${r.cpuMsPerChange.consul.toFixed(0)} ms`.padStart(
      20,
    ),
    `${r.rssMb.ready} / ${r.rssMb.after} / ${r.rssMb.afterStatus} MB`.padStart(22),
    r.agentAnswered ? 'yes' : 'NO',
  ].join(' | ');
}

async function main(): Promise<void> {
  const results: SizeResult[] = [];
  for (const services of sizes) {
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    process.stderr.write(
      `[scale] ${services} services x 3 (${agentMode} agent${https ? ', HTTPS' : ''}, load ${load}) ...\n`,
    );
    results.push(await oneSize(services));
  }
  closeAgent();
  console.log(
    '\nservices | register |   ready | conns | blocking/shared/feeds | change -> routed p50/p95 | read/change | CPU/change node+nginx+consul | RSS ready/after/+status | others served',
  );
  for (const r of results) console.log(row(r));
  for (const r of results) {
    const a = r.atRest;
    if (a)
      console.log(
        `${r.services} services, at rest (${a.seconds} s, no change): ${(a.bytesPerS / 1024).toFixed(1)} KB/s read, CPU ${a.nodeCpuMsPerS.toFixed(0)} ms/s gateway Node + ${a.consulCpuMsPerS.toFixed(0)} ms/s Consul`,
      );
  }
  for (const r of results.filter((x) => x.stages)) {
    const parts = Object.entries(stageDistributions(r.stages ?? []));
    const text = parts.map(([k, d]) => `${k} ${d.p50} (${d.p95})`).join(', ');
    console.log(
      `${r.services} services, per stage ms p50 (p95): ${text || 'none (no change feed: every query has a blocking loop of its own)'}`,
    );
  }
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const base = smoke ? 'scale-smoke' : chosen ? `scale-${sizes.join('-')}` : 'scale';
  const name = https ? `${base}-https` : base;
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const out = {
    date: new Date().toISOString(),
    smoke,
    agent: agentMode,
    transport: https ? 'https (HTTP/2)' : 'http',
    cores: cpus().length,
    loadAtEnd: load,
    changes,
    results,
  };
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(out, null, 2) + '\n');
  if (!smoke && !chosen)
    await plotScale(
      join(dir, https ? 'scale-https.png' : 'scale.png'),
      results.map((r) => ({
        services: r.services,
        readyS: r.readyMs / 1000,
        changeP50: distribution(r.changeMs).p50,
        changeP95: distribution(r.changeMs).p95,
        kbPerChange: r.bytesPerChange / 1024,
        rssMb: r.rssMb.after,
        connections: r.peakConnections,
      })),
      results[0]?.budget ?? 32,
      https ? 'HTTPS port, HTTP/2' : 'plain HTTP',
    );
  const missing = results.filter(
    (r) => r.changeMs.length !== changes || !Number.isFinite(r.readyMs) || !r.agentAnswered,
  );
  if (missing.length > 0) {
    console.error(`incomplete figures for: ${missing.map((r) => r.services).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
