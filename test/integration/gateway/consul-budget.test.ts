import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startConsulAgent, type ConsulAgent } from '../../helpers/consul-agent.js';
import { createTestCa, type TestCa } from '../../helpers/tls.js';
import { plainGet, sampleConnections } from '../../helpers/connections.js';
import { freePorts } from '../../helpers/ports.js';
import { startProgram } from '../../helpers/programs.js';
import { waitFor } from '../../helpers/wait-for.js';
import type { ConsulUsage } from '../../../template-renderer/types.js';
import { fetchText, gatewayArgs } from './harness.js';

const SERVICES = 300;
const BUDGET = 32;

/** One loopback backend per service, answering with the service's name. */
async function startBackends(n: number): Promise<{ ports: number[]; close(): Promise<void> }> {
  const servers: Server[] = [];
  for (let i = 0; i < n; i++) {
    const server = createServer((_req, res) => res.end(`svc-${i}\n`));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    servers.push(server);
  }
  return {
    ports: servers.map((s) => (s.address() as AddressInfo).port),
    close: async () => {
      for (const s of servers) s.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

/** Catalog registrations on three node names, as a fleet's agents would sync them. */
async function registerCatalog(agent: ConsulAgent, ports: number[]): Promise<void> {
  const put = (i: number) =>
    agent.client.transport.request({
      method: 'PUT',
      path: '/catalog/register',
      body: {
        Node: `fleet-node-${i % 3}`,
        Address: '127.0.0.1',
        Service: {
          ID: `svc-${i}-1`,
          Service: `svc-${i}`,
          Tags: [`urlprefix-/s${i}/`],
          Address: '127.0.0.1',
          Port: ports[i],
        },
        Check: {
          CheckID: `svc-${i}-1:check`,
          Name: 'check',
          ServiceID: `svc-${i}-1`,
          Status: 'passing',
        },
      },
    });
  for (let i = 0; i < ports.length; i += 20)
    await Promise.all(ports.slice(i, i + 20).map((_p, j) => put(i + j)));
}

interface Transport {
  /** --consul-addr */
  addr: string;
  port: number;
  env?: Record<string, string>;
}

/**
 * Starts the gateway against `agent` through `transport`, checks every service routes, the
 * budget holds and others get in (while it runs and after SIGKILL); `check` sees its usage.
 */
async function routeWithinBudget(
  agent: ConsulAgent,
  transport: Transport,
  check: (usage: ConsulUsage) => void,
): Promise<void> {
  const [listen, status] = (await freePorts(2)) as [number, number];
  const workDir = mkdtempSync(join(tmpdir(), 'gw-budget-'));
  const gw = startProgram(
    'gateway',
    [
      ...gatewayArgs({ listen, status, consulAddr: transport.addr, workDir }),
      '--worker-processes',
      '1',
    ],
    transport.env ? { env: { ...process.env, ...transport.env } } : {},
  );
  const agentUrl = `http://${agent.addr}/v1/status/leader`;
  const sampler = sampleConnections(transport.port, () => gw.pid || undefined);
  try {
    await waitFor(
      async () => (await fetchText(`http://127.0.0.1:${status}/readyz`)).status === 200,
      {
        timeoutMs: 60_000,
        what: `gateway ready (last output: ${gw.lines.slice(-3).join(' | ')})`,
      },
    );
    const failures: string[] = [];
    for (let i = 0; i < SERVICES; i += 25)
      await Promise.all(
        Array.from({ length: Math.min(25, SERVICES - i) }, async (_x, j) => {
          const n = i + j;
          const res = await fetchText(`http://127.0.0.1:${listen}/s${n}/`);
          if (res.status !== 200 || res.body !== `svc-${n}\n`)
            failures.push(`/s${n}/ -> ${res.status} ${res.body.slice(0, 60)}`);
        }),
      );
    expect(failures, failures.slice(0, 5).join('\n')).to.deep.equal([]);
    // Other clients (registrator, operators) get in while it runs: 100 at once, fresh connections.
    const others = await Promise.all(Array.from({ length: 100 }, () => plainGet(agentUrl)));
    expect(others.filter((r) => r.status !== 200)).to.deep.equal([]);
    const usage = JSON.parse(
      (await fetchText(`http://127.0.0.1:${status}/status`)).body,
    ).consulUsage;
    expect(usage.maxConns).to.equal(BUDGET);
    expect(usage.peakConnections).to.be.at.most(BUDGET);
    check(usage);
    sampler.stop();
    expect(sampler.peak, 'connections seen by ss').to.be.within(1, BUDGET);
    gw.kill('SIGKILL');
    await gw.exited;
    // The agent still holds the dead gateway's blocking queries until they time out; the
    // budget leaves room for everyone else.
    const after = await Promise.all(Array.from({ length: 100 }, () => plainGet(agentUrl)));
    expect(after.filter((r) => r.status !== 200)).to.deep.equal([]);
  } finally {
    sampler.stop();
    await gw.stop('SIGKILL', 1_000);
    // nginx outlives a SIGKILLed gateway: stop its masters (they stop their workers).
    for (const file of ['nginx.pid', 'pool.pid']) {
      const pidFile = join(workDir, file);
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
      if (pid > 0) process.kill(pid, 'SIGTERM');
    }
    await waitFor(
      () => !existsSync(join(workDir, 'nginx.pid')) && !existsSync(join(workDir, 'pool.pid')),
      { timeoutMs: 10_000, what: 'nginx of the killed gateway gone' },
    ).catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  }
}

describe('gateway: a whole catalog within the Consul connection budget (stock agent)', function () {
  this.timeout(120_000);
  let agent: ConsulAgent;
  let ca: TestCa;
  let caFile: string;
  let backends: Awaited<ReturnType<typeof startBackends>>;

  before(async () => {
    ca = await createTestCa();
    const leaf = await ca.issue({ dns: ['IP:127.0.0.1'] });
    caFile = join(mkdtempSync(join(tmpdir(), 'gw-budget-ca-')), 'ca.pem');
    writeFileSync(caFile, ca.root);
    // Stock limits: no -hcl raising limits.http_max_conns_per_client (200).
    agent = await startConsulAgent({ tls: { cert: leaf.chain, key: leaf.key } });
    backends = await startBackends(SERVICES);
    await registerCatalog(agent, backends.ports);
  });
  after(async () => {
    await backends?.close();
    await agent?.stop();
    ca?.cleanup();
    if (caFile) rmSync(join(caFile, '..'), { recursive: true, force: true });
  });

  it(`plain HTTP: routes ${SERVICES} services with at most ${BUDGET} connections (a change feed beyond it), and the agent serves others while it runs and after SIGKILL`, async () => {
    await routeWithinBudget(agent, { addr: agent.addr, port: agent.httpPort }, (usage) => {
      expect(usage.shared, 'queries on the change feed').to.be.greaterThan(0);
    });
  });

  it(`HTTPS (HTTP/2): every one of ${SERVICES} queries blocks on its own, on 2 connections`, async () => {
    const port = agent.httpsPort as number;
    const transport = { addr: `https://127.0.0.1:${port}`, port, env: { CONSUL_CACERT: caFile } };
    await routeWithinBudget(agent, transport, (usage) => {
      expect(usage.blocking, 'queries with a blocking stream').to.be.greaterThan(SERVICES);
      expect(usage.shared + usage.feeds + usage.polled).to.equal(0);
      expect(usage.peakConnections).to.be.at.most(2);
    });
  });
});
