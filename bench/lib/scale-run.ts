import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Child } from '../../common/process/child.js';
import type { ConsulAgent } from '../../test/helpers/consul-agent.js';
import { plainGet, sampleConnections } from '../../test/helpers/connections.js';
import { ROOT } from '../../test/helpers/paths.js';
import { freePorts } from '../../test/helpers/ports.js';
import { childPids } from '../../test/helpers/stack.js';
import { waitFor } from '../../test/helpers/wait-for.js';
import { get, pollUntilServed } from './http.js';
import { rssMb } from './rss.js';
import {
  changedInstance,
  cpuSeconds,
  deregistration,
  registerFleet,
  registration,
  type Backends,
} from './scale-fleet.js';
import { scaleStages, type ScaleStages, type TimedChange } from './scale-stages.js';

export interface SizeResult {
  services: number;
  instances: number;
  registerMs: number;
  readyMs: number;
  budget: number;
  /** Most connections to the agent at once: ss samples every 100 ms, and the gateway's own count. */
  peakConnections: number;
  watches: { blocking: number; shared: number; polled: number; feeds: number };
  /** register -> first answer from the new instance, per change. */
  changeMs: number[];
  bytesPerChange: number;
  /**
   * Read and CPU per second while nothing changes (`atRestS` runs only): each blocking query
   * times out after its wait (60 s; 5 min over HTTP/2) and is asked again.
   */
  atRest?: { seconds: number; bytesPerS: number; consulCpuMsPerS: number; nodeCpuMsPerS: number };
  cpuMsPerChange: { node: number; nginx: number; consul: number };
  rssMb: { ready: number; after: number; afterStatus: number };
  /** A plain request to the agent succeeded while the gateway ran. */
  agentAnswered: boolean;
  /** Per change, from the gateway's debug lines (`stages` runs only). */
  stages?: ScaleStages[];
}

interface Input {
  agent: ConsulAgent;
  backends: Backends;
  services: number;
  changes: number;
  workDir: string;
  /** Run the gateway at debug level and split each change into stages (its logs cost CPU). */
  stages?: boolean;
  /** Seconds to measure at rest after the changes (longer than the wait, to see every re-ask). */
  atRestS?: number;
  /** Talk to the agent's HTTPS port (HTTP/2) with this CA file, instead of plain HTTP. */
  httpsCaFile?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function metric(statusUrl: string, name: string): Promise<number> {
  const text = (await get(`${statusUrl}/metrics`, 10_000)).body;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ').pop() ?? NaN);
}

function nginxCpu(pid: number): number {
  let total = 0;
  for (const master of childPids(pid, 'nginx')) {
    total += cpuSeconds(master);
    for (const worker of childPids(master, 'nginx')) total += cpuSeconds(worker);
  }
  return total;
}

async function measureAtRest(seconds: number, statusUrl: string, pid: number, agentPid: number) {
  const read = () => metric(statusUrl, 'gateway_consul_read_bytes_total');
  const [b0, n0, c0] = [await read(), cpuSeconds(pid), cpuSeconds(agentPid)];
  await sleep(seconds * 1000);
  const perS = (x: number) => x / seconds;
  return {
    seconds,
    bytesPerS: perS((await read()) - b0),
    nodeCpuMsPerS: perS((cpuSeconds(pid) - n0) * 1000),
    consulCpuMsPerS: perS((cpuSeconds(agentPid) - c0) * 1000),
  };
}

/** One catalog size: register the fleet, start the built gateway, measure, stop. */
export async function measureSize(input: Input): Promise<SizeResult> {
  const { agent, backends, services, changes, workDir } = input;
  const t0 = performance.now();
  await registerFleet(agent.client, services, 3, backends.ports);
  const registerMs = performance.now() - t0;
  const [listen, status] = (await freePorts(2)) as [number, number];
  const url = `http://127.0.0.1:${listen}`;
  const statusUrl = `http://127.0.0.1:${status}`;
  const cli = join(ROOT, 'dist/gateway/cli.js');
  if (!existsSync(cli)) throw new Error('dist/gateway/cli.js missing: npm run build first');
  const lines: string[] = [];
  const https = input.httpsCaFile !== undefined;
  const started = performance.now();
  // Run as its package bin (the shebang's Node flags apply, as for `npx gateway`).
  const gw = new Child(
    cli,
    ['--listen', `127.0.0.1:${listen}`, '--status-addr', `127.0.0.1:${status}`]
      .concat([
        '--consul-addr',
        https ? `https://127.0.0.1:${agent.httpsPort}` : agent.addr,
        '--work-dir',
        workDir,
        '--log-level',
        input.stages ? 'debug' : 'warn',
      ])
      .concat(['--worker-processes', '1']),
    {
      cwd: ROOT,
      onLine: (line) => void lines.push(line),
      ...(https ? { env: { ...process.env, CONSUL_CACERT: input.httpsCaFile } } : {}),
    },
  );
  const pid = gw.pid as number;
  const sampler = sampleConnections(
    https ? (agent.httpsPort as number) : agent.httpPort,
    () => pid,
  );
  try {
    await waitFor(async () => (await get(`${statusUrl}/readyz`)).status === 200, {
      timeoutMs: 120_000,
      intervalMs: 50,
      what: `gateway ready with ${services} services (${lines.slice(-3).join(' | ')})`,
    });
    const readyMs = performance.now() - started;
    if ((await get(`${url}/s0/`)).status !== 200) throw new Error('/s0/ not routed after ready');
    const rssReady = rssMb(pid);
    const changeMs: number[] = [];
    let bytes = 0;
    let cpuNode = 0;
    let cpuNginx = 0;
    let cpuConsul = 0;
    const agentPid = agent.pid as number;
    const timed: TimedChange[] = [];
    for (let c = 0; c < changes; c++) {
      const change = changedInstance(c, services);
      const { s, id } = change;
      const b0 = await metric(statusUrl, 'gateway_consul_read_bytes_total');
      const [n0, x0, c0] = [cpuSeconds(pid), nginxCpu(pid), cpuSeconds(agentPid)];
      const reg = registration(s, id, change.node, backends.markerPort);
      const begin = performance.now();
      const registeredAt = Date.now();
      await agent.client.transport.request({ method: 'PUT', path: '/catalog/register', body: reg });
      const committedAt = Date.now();
      await pollUntilServed(`${url}/s${s}/`, 'marker', 15_000, 1);
      changeMs.push(performance.now() - begin);
      timed.push({ registeredAt, committedAt, servedAt: Date.now() });
      await sleep(500);
      bytes += (await metric(statusUrl, 'gateway_consul_read_bytes_total')) - b0;
      cpuNode += cpuSeconds(pid) - n0;
      cpuNginx += nginxCpu(pid) - x0;
      cpuConsul += cpuSeconds(agentPid) - c0;
      const body = deregistration(change);
      await agent.client.transport.request({ method: 'PUT', path: '/catalog/deregister', body });
      await sleep(700);
    }
    const atRest = input.atRestS
      ? await measureAtRest(input.atRestS, statusUrl, pid, agentPid)
      : undefined;
    const agentAnswered = (await plainGet(`http://${agent.addr}/v1/status/leader`)).status === 200;
    const rssAfter = rssMb(pid);
    const usage = JSON.parse((await get(`${statusUrl}/status`, 30_000)).body).consulUsage;
    return {
      services,
      instances: 3,
      registerMs,
      readyMs,
      budget: usage.maxConns,
      peakConnections: Math.max(sampler.peak, usage.peakConnections),
      watches: {
        blocking: usage.blocking,
        shared: usage.shared,
        polled: usage.polled,
        feeds: usage.feeds,
      },
      changeMs,
      bytesPerChange: bytes / changes,
      ...(atRest ? { atRest } : {}),
      cpuMsPerChange: {
        node: (cpuNode / changes) * 1000,
        nginx: (cpuNginx / changes) * 1000,
        consul: (cpuConsul / changes) * 1000,
      },
      // `after`: once the changes are done; `afterStatus`: once /status (every route, instance and
      // query as JSON, what the status page polls) was served as well.
      rssMb: { ready: rssReady, after: rssAfter, afterStatus: rssMb(pid) },
      agentAnswered,
      ...(input.stages ? { stages: scaleStages(lines, timed) } : {}),
    };
  } catch (error) {
    process.stderr.write(`[scale] gateway output:\n${lines.slice(-20).join('\n')}\n`);
    throw error;
  } finally {
    sampler.stop();
    await gw.stop('SIGTERM', 15_000);
  }
}
