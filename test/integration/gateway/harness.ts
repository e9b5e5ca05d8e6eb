import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { duplicateTopLevelKeys } from '../../helpers/log-keys.js';
import { resolveConfig } from '../../../gateway/config.js';
import { createGateway, type Gateway } from '../../../gateway/index.js';
import type { ConsulAgent } from '../../helpers/consul-agent.js';
import { freePorts } from '../../helpers/ports.js';
import { waitFor } from '../../helpers/wait-for.js';

/** A real HTTP backend on loopback answering "<name> <url>" (the URL nginx forwarded). */
export interface Backend {
  name: string;
  port: number;
  close(): Promise<void>;
}

export async function startBackend(name: string, host = '127.0.0.1'): Promise<Backend> {
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(
      `${name} ${req.url} host=${req.headers.host ?? ''} xff=${req.headers['x-forwarded-for'] ?? ''}\n`,
    );
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** One request without connection reuse; host overrides the Host header. */
export function fetchText(
  url: string,
  host?: string,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { agent: false, timeout: 3_000, headers: { ...extraHeaders, ...(host ? { host } : {}) } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

/** The flags every test gateway gets: loopback listen and status ports, its Consul, a work dir. */
export function gatewayArgs(o: {
  listen: number;
  status: number;
  consulAddr: string;
  workDir: string;
}): string[] {
  return [
    '--listen',
    `127.0.0.1:${o.listen}`,
    '--consul-addr',
    o.consulAddr,
    '--status-addr',
    `127.0.0.1:${o.status}`,
    '--work-dir',
    o.workDir,
  ];
}

export interface TestGateway {
  gateway: Gateway;
  url: string;
  statusUrl: string;
  workDir: string;
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

/** The gateway library, in process, with real nginx and the suite's Consul agent. */
export async function startTestGateway(
  agent: ConsulAgent,
  extra: string[] = [],
): Promise<TestGateway> {
  const [listen, status] = (await freePorts(2)) as [number, number];
  const workDir = mkdtempSync(join(tmpdir(), 'gw-int-'));
  const config = resolveConfig(
    [
      ...gatewayArgs({ listen, status, consulAddr: agent.addr, workDir }),
      '--worker-processes',
      '1',
      ...extra,
    ],
    {},
    { tmpDir: tmpdir(), cwd: process.cwd() },
  );
  const logs: Record<string, unknown>[] = [];
  const duplicated: string[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write: (line: string) => {
        // One value per key: a key bound twice (parent and child logger) is a bug.
        if (duplicateTopLevelKeys(line).length) duplicated.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  const gateway = createGateway(config, { logger });
  const stop = async (): Promise<void> => {
    await gateway.stop();
    rmSync(workDir, { recursive: true, force: true });
    if (duplicated.length)
      throw new Error(`log lines with a key bound twice:\n${duplicated.slice(0, 3).join('')}`);
  };
  const statusUrl = `http://127.0.0.1:${status}`;
  try {
    await gateway.start();
    await waitFor(async () => (await fetchText(`${statusUrl}/readyz`)).status === 200, {
      timeoutMs: 15_000,
      what: 'gateway ready',
    });
  } catch (error) {
    // Its nginx processes must not outlive a gateway that never became ready.
    await stop().catch(() => undefined);
    throw error;
  }
  return {
    gateway,
    url: `http://127.0.0.1:${listen}`,
    statusUrl,
    workDir,
    logs,
    stop,
  };
}

/** Asks in windows of requests until one window's answers (first word) are exactly `names`. */
export async function waitServed(url: string, names: string[], host?: string): Promise<void> {
  const want = [...names].sort().join(',');
  let last = '';
  await waitFor(
    async () => {
      const seen = new Set<string>();
      for (let i = 0; i < names.length * 4 + 4; i++) {
        const r = await fetchText(url, host);
        seen.add(r.status === 200 ? (r.body.split(' ')[0] ?? '') : `status ${r.status}`);
      }
      last = [...seen].sort().join(',');
      return last === want;
    },
    { timeoutMs: 10_000, intervalMs: 10, what: `${url} served by ${want} (last window: ${last})` },
  );
}
