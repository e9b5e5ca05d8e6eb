import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsulClient } from '../../common/consul/client.js';
import type { ConsulConfig } from '../../common/consul/config.js';
import { Child } from '../../common/process/child.js';
import { CONSUL_BIN } from './paths.js';
import { freePorts } from './ports.js';
import { waitFor } from './wait-for.js';

export interface ClusterAgent {
  name: string;
  bind: string;
  httpPort: number;
  serfPort: number;
  server: boolean;
  config: ConsulConfig;
  client: ConsulClient;
  output: string[];
  child: Child | undefined;
}

export interface ConsulCluster {
  servers: ClusterAgent[];
  clients: ClusterAgent[];
  /** The server currently leading ("127.0.0.x:port" of its RPC address -> agent). */
  leader(): Promise<ClusterAgent>;
  kill(agent: ClusterAgent): Promise<void>;
  start(agent: ClusterAgent): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real Consul cluster on loopback: `servers` servers on 127.0.0.11, .12, ... and `clients`
 * client agents on 127.0.0.21, ..., each with its own free ports and data dir.
 */
export async function startConsulCluster(
  options: { servers?: number; clients?: number; base?: number } = {},
): Promise<ConsulCluster> {
  const base = options.base ?? 10;
  const root = mkdtempSync(join(tmpdir(), 'consul-cluster-'));
  const make = async (i: number, server: boolean): Promise<ClusterAgent> => {
    const bind = `127.0.0.${server ? base + 1 + i : base + 11 + i}`;
    const [http, serf, serfWan, rpc] = (await freePorts(4, bind)) as [
      number,
      number,
      number,
      number,
    ];
    const config: ConsulConfig = { scheme: 'http', host: bind, port: http };
    const name = `${server ? 'server' : 'client'}-${i}`;
    return {
      name,
      bind,
      httpPort: http,
      serfPort: serf,
      server,
      config,
      client: new ConsulClient(config),
      output: [],
      child: undefined,
      ...{ serfWan, rpc },
    };
  };
  const servers = await Promise.all(
    Array.from({ length: options.servers ?? 3 }, (_, i) => make(i, true)),
  );
  const clients = await Promise.all(
    Array.from({ length: options.clients ?? 1 }, (_, i) => make(i, false)),
  );
  const joins = servers.flatMap((s) => ['-retry-join', `${s.bind}:${s.serfPort}`]);
  const args = (a: ClusterAgent): string[] => {
    const extra = a as ClusterAgent & { serfWan: number; rpc: number };
    return [
      'agent',
      '-node',
      a.name,
      '-bind',
      a.bind,
      '-client',
      a.bind,
      '-data-dir',
      join(root, a.name),
      '-http-port',
      String(a.httpPort),
      '-serf-lan-port',
      String(a.serfPort),
      '-serf-wan-port',
      String(extra.serfWan),
      '-server-port',
      String(extra.rpc),
      '-dns-port',
      '-1',
      '-grpc-port',
      '-1',
      '-log-level',
      'warn',
      '-retry-interval',
      '1s',
      ...(a.server ? ['-server', '-bootstrap-expect', String(servers.length)] : []),
      ...joins,
      // Election timeouts at their shortest, so a leader loss heals in seconds (as in tuned clusters).
      ...(a.server ? ['-raft-protocol', '3', '-hcl', 'performance { raft_multiplier = 1 }'] : []),
    ];
  };
  const start = async (a: ClusterAgent): Promise<void> => {
    a.child = new Child(CONSUL_BIN, args(a), { onLine: (l) => a.output.push(l) });
  };
  for (const a of [...servers, ...clients]) await start(a);
  const cluster: ConsulCluster = {
    servers,
    clients,
    async leader() {
      return waitFor(
        async () => {
          for (const s of servers) {
            if (!s.child?.running) continue;
            const leader = await s.client.leader().catch(() => '');
            const found = servers.find((x) => leader.startsWith(`${x.bind}:`));
            if (found?.child?.running) return found;
          }
          return undefined;
        },
        { timeoutMs: 30_000, what: 'a Consul leader' },
      );
    },
    async kill(a) {
      await a.child?.stop('SIGKILL', 1_000);
    },
    async start(a) {
      await start(a);
    },
    async stop() {
      await Promise.all(
        [...servers, ...clients].map(async (a) => {
          a.client.close();
          await a.child?.stop('SIGTERM', 5_000);
        }),
      );
      rmSync(root, { recursive: true, force: true });
    },
  };
  await cluster.leader();
  // Client agents are usable once they have joined and can reach the leader.
  await Promise.all(
    clients.map((c) =>
      waitFor(async () => (await c.client.leader().catch(() => '')) !== '', {
        timeoutMs: 30_000,
        what: `${c.name} joined`,
      }),
    ),
  );
  return cluster;
}
