import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsulClient } from '../../common/consul/client.js';
import { parseConsulAddress } from '../../common/consul/config.js';
import { Child } from '../../common/process/child.js';
import { startConsulAgent, type ConsulAgent } from './consul-agent.js';
import { TestContainers } from './containers.js';
import { get } from './http.js';
import { DIST } from './paths.js';
import { freePort } from './ports.js';
import { waitFor } from './wait-for.js';

export interface LogLine {
  /** Date.now() when the line arrived. */
  at: number;
  program: string;
  json: Record<string, unknown> | undefined;
  text: string;
}

export interface StackOptions {
  /** An agent the caller owns (e.g. a cluster's client agent): "host:port". Default: a private dev agent. */
  consulAddr?: string;
  registratorArgs?: string[];
  gatewayArgs?: string[];
  /** Docker endpoint for registrator (DOCKER_HOST), default the standard socket. */
  dockerHost?: string;
  /** A private agent's extra arguments (e.g. ACLs). */
  consulArgs?: string[];
  /** Extra environment of both programs (e.g. CONSUL_HTTP_TOKEN). */
  env?: Record<string, string>;
}

export interface Stack {
  /** The private dev agent, when the stack started one. */
  consul: ConsulAgent | undefined;
  consulAddr: string;
  /** A client of the agent the stack uses. */
  client: ConsulClient;
  registrator: Child;
  gateway: Child;
  gatewayUrl: string;
  statusUrl: string;
  /** The gateway's work dir (its live nginx configs). */
  workDir: string;
  logs: LogLine[];
  startRegistrator(): Child;
  startGateway(): Promise<Child>;
  /** The client-facing (edge) nginx master, a child of the gateway process, and its workers. */
  nginxPids(): { master: number | undefined; workers: number[] };
  stop(): Promise<void>;
}

/**
 * The real pipeline, as users run it: a Consul agent, the built `registrator` and `gateway`
 * processes (dist/, so `npm run build` first). Components can be killed and started again.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const consul = options.consulAddr
    ? undefined
    : await startConsulAgent({ extraArgs: options.consulArgs ?? [] });
  const consulAddr = options.consulAddr ?? (consul as ConsulAgent).addr;
  const logs: LogLine[] = [];
  const collect = (program: string) => (text: string) => {
    let json: Record<string, unknown> | undefined;
    if (text.startsWith('{')) {
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
    }
    logs.push({ at: Date.now(), program, json, text });
  };
  const [listen, status] = [await freePort(), await freePort()];
  const workDir = mkdtempSync(join(tmpdir(), 'stack-gateway-'));
  const statusUrl = `http://127.0.0.1:${status}`;
  const gatewayEnv = { ...process.env, ...(options.env ?? {}) };
  const env = {
    ...gatewayEnv,
    ...(options.dockerHost ? { DOCKER_HOST: options.dockerHost } : {}),
  };
  const registratorArgv = [
    join(DIST, 'registrator/cli.js'),
    ...(options.registratorArgs ?? []),
    '-ip',
    '127.0.0.1',
    `consul://${consulAddr}`,
  ];
  const gatewayArgv = [
    join(DIST, 'gateway/cli.js'),
    '--listen',
    `127.0.0.1:${listen}`,
    '--consul-addr',
    consulAddr,
    '--status-addr',
    `127.0.0.1:${status}`,
    '--work-dir',
    workDir,
    ...(options.gatewayArgs ?? []),
  ];
  const stack: Stack = {
    consul,
    consulAddr,
    client: consul?.client ?? new ConsulClient(parseConsulAddress(consulAddr)),
    registrator: undefined as unknown as Child,
    gateway: undefined as unknown as Child,
    gatewayUrl: `http://127.0.0.1:${listen}`,
    statusUrl,
    workDir,
    logs,
    startRegistrator() {
      stack.registrator = new Child(process.execPath, registratorArgv, {
        env,
        onLine: collect('registrator'),
      });
      return stack.registrator;
    },
    async startGateway() {
      stack.gateway = new Child(process.execPath, gatewayArgv, {
        env: gatewayEnv,
        onLine: collect('gateway'),
      });
      await waitFor(async () => (await get(`${statusUrl}/readyz`)).status === 200, {
        timeoutMs: 30_000,
        what: 'gateway /readyz',
      }).catch((e: Error) => {
        throw new Error(`${e.message}\n${tail(logs, 15)}`);
      });
      return stack.gateway;
    },
    nginxPids() {
      // In reload mode the gateway also runs an upstream-pool nginx (`-c .../pool.conf`): skip it.
      const master = childPids(stack.gateway.pid ?? 0, 'nginx').find(
        (pid) => !cmdline(pid).includes('pool.conf'),
      );
      return { master, workers: master === undefined ? [] : childPids(master, 'nginx') };
    },
    async stop() {
      await Promise.all([
        stack.registrator?.stop('SIGTERM', 5_000),
        stack.gateway?.stop('SIGTERM', 10_000),
      ]);
      if (consul) await consul.stop();
      else stack.client.close();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
  stack.startRegistrator();
  try {
    await stack.startGateway();
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

/**
 * Mocha hooks for a suite that runs the whole stack: one stack and one set of labelled test
 * containers, both removed after the suite whatever happened.
 */
export function useStack(
  suite: string,
  options: StackOptions = {},
): { containers: TestContainers; readonly stack: Stack } {
  const containers = new TestContainers(suite);
  let stack: Stack | undefined;
  before(async () => {
    stack = await startStack(options);
  });
  after(async () => {
    await containers.cleanup();
    await stack?.stop();
  });
  return {
    containers,
    get stack(): Stack {
      if (!stack) throw new Error(`${suite}: the stack did not start`);
      return stack;
    },
  };
}

/** The last `n` log lines of every program, for failure messages. */
export function tail(logs: readonly LogLine[], n: number): string {
  return logs
    .slice(-n)
    .map((l) => `${l.program}: ${l.text}`)
    .join('\n');
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Pids of the direct children of `pid` whose command name matches `name`. */
export function childPids(pid: number, name?: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
      if (m && Number(m[2]) === pid && (name === undefined || m[1] === name))
        out.push(Number(entry));
    } catch {
      // process went away
    }
  }
  return out;
}

/** The gateway's reload counter from its Prometheus metrics (any counter named *reload*_total). */
export async function reloadCount(stack: Stack): Promise<number> {
  const text = (await get(`${stack.statusUrl}/metrics`)).body;
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^\w*reloads?_total(\{[^}]*\})?\s+(\d+(?:\.\d+)?)/.exec(line);
    if (m && !/result="(failure|failed|error)"/.test(m[1] ?? '')) total += Number(m[2]);
  }
  return total;
}
