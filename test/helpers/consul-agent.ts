import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child } from '../../common/process/child.js';
import { ConsulClient } from '../../common/consul/client.js';
import type { ConsulConfig } from '../../common/consul/config.js';
import { CONSUL_BIN } from './paths.js';
import { freePorts } from './ports.js';
import { waitFor } from './wait-for.js';

export interface ConsulAgent {
  httpPort: number;
  /** The HTTPS port, when started with `tls` (Consul speaks HTTP/2 there). */
  httpsPort?: number;
  /** "127.0.0.1:<port>" */
  addr: string;
  config: ConsulConfig;
  client: ConsulClient;
  /** The agent process now (changes with restart()). */
  readonly pid: number | undefined;
  /** The agent's output so far, for failure messages. */
  output: string[];
  stop(): Promise<void>;
  /** SIGKILL, as in an outage. */
  kill(): Promise<void>;
  /** Start again on the same ports (a dev agent comes back empty). */
  restart(): Promise<void>;
}

/**
 * A private `consul agent -dev` on free loopback ports, one per suite. `server: true` starts a
 * stock single-server agent in production mode instead (`-server -bootstrap-expect 1` with a data
 * dir: raft on disk, compact JSON), as fleets run it; no limit is changed either way.
 */
export async function startConsulAgent(
  options: {
    bind?: string;
    extraArgs?: string[];
    server?: boolean;
    /** Also serve HTTPS with this certificate (PEM), on a port of its own. */
    tls?: { cert: string; key: string };
  } = {},
): Promise<ConsulAgent> {
  if (!existsSync(CONSUL_BIN))
    throw new Error(`consul not found at ${CONSUL_BIN}: run npm run setup:env`);
  const bind = options.bind ?? '127.0.0.1';
  const [http, serf, wan, server, https] = (await freePorts(5)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const dataDir = mkdtempSync(join(tmpdir(), 'consul-test-'));
  const tlsArgs: string[] = [];
  if (options.tls) {
    writeFileSync(join(dataDir, 'agent.crt'), options.tls.cert);
    writeFileSync(join(dataDir, 'agent.key'), options.tls.key, { mode: 0o600 });
    const files = `cert_file = "${dataDir}/agent.crt" key_file = "${dataDir}/agent.key"`;
    tlsArgs.push('-hcl', `ports { https = ${https} } ${files}`);
  }
  const output: string[] = [];
  const mode = options.server
    ? ['-server', '-bootstrap-expect', '1', '-data-dir', dataDir]
    : ['-dev'];
  const args = [
    'agent',
    ...mode,
    '-bind',
    bind,
    '-client',
    bind,
    '-http-port',
    String(http),
    '-dns-port',
    '-1',
    '-grpc-port',
    '-1',
    '-serf-lan-port',
    String(serf),
    '-serf-wan-port',
    String(wan),
    '-server-port',
    String(server),
    '-node',
    `test-${http}`,
    '-log-level',
    'warn',
    ...tlsArgs,
    ...(options.extraArgs ?? []),
  ];
  let child: Child;
  const config: ConsulConfig = { scheme: 'http', host: bind, port: http };
  const client = new ConsulClient(config);
  const start = async (): Promise<void> => {
    child = new Child(CONSUL_BIN, args, { onLine: (l) => output.push(l) });
    await waitFor(async () => (await client.leader()) !== '', {
      timeoutMs: 20_000,
      what: `consul on ${bind}:${http} to elect itself`,
    }).catch((e: Error) => {
      throw new Error(`${e.message}\n${output.slice(-20).join('\n')}`);
    });
  };
  await start();
  return {
    get pid() {
      return child.pid;
    },
    httpPort: http,
    ...(options.tls ? { httpsPort: https } : {}),
    addr: `${bind}:${http}`,
    config,
    client,
    output,
    async stop() {
      client.close();
      await child.stop('SIGTERM', 5_000);
      rmSync(dataDir, { recursive: true, force: true });
    },
    async kill() {
      await child.stop('SIGKILL', 1_000);
    },
    async restart() {
      await child.stop('SIGKILL', 1_000);
      await start();
    },
  };
}
