import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Child } from '../../../common/process/child.js';
import { startConsulAgent, type ConsulAgent } from '../../helpers/consul-agent.js';
import { freePorts } from '../../helpers/ports.js';
import { jsonLines, startProgram } from '../../helpers/programs.js';
import { waitFor } from '../../helpers/wait-for.js';
import { fetchText, gatewayArgs } from './harness.js';

describe('gateway CLI (real nginx + real Consul)', function () {
  this.timeout(60_000);
  let agent: ConsulAgent;
  let workDir: string;
  let slow: Server;
  let slowPort: number;

  before(async () => {
    agent = await startConsulAgent();
    workDir = mkdtempSync(join(tmpdir(), 'gw-cli-'));
    // A backend that takes 1 s to answer: in flight while the gateway drains.
    slow = createServer((_req, res) => void setTimeout(() => res.end('slow done\n'), 1_000));
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    slowPort = (slow.address() as AddressInfo).port;
    await agent.client.registerService({
      ID: 'slow',
      Name: 'slow',
      Address: '127.0.0.1',
      Port: slowPort,
      Tags: ['urlprefix-/slow'],
    });
  });
  after(async () => {
    slow.closeAllConnections();
    slow.close();
    await agent?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  const start = async (
    extra: string[] = [],
  ): Promise<{ child: Child & { lines: string[] }; url: string; statusUrl: string }> => {
    const [listen, status] = (await freePorts(2)) as [number, number];
    const child = startProgram('gateway', [
      ...gatewayArgs({ listen, status, consulAddr: agent.addr, workDir }),
      '--nginx-bin',
      'nginx',
      '--wait',
      '10ms:100ms',
      '--log-level',
      'info',
      ...extra,
    ]);
    return { child, url: `http://127.0.0.1:${listen}`, statusUrl: `http://127.0.0.1:${status}` };
  };

  it('serves, reports, reloads on SIGHUP and drains on SIGTERM (exit 0); logs are pino JSON on stdout', async () => {
    const { child, url, statusUrl } = await start();
    await waitFor(async () => (await fetchText(`${statusUrl}/readyz`)).status === 200, {
      timeoutMs: 20_000,
      what: 'readyz',
    });
    const metrics = (await fetchText(`${statusUrl}/metrics`)).body;
    expect(metrics).to.match(/^gateway_reloads_total\{tier="edge",result="success"\} [1-9]/m);
    const generation = async (): Promise<number> =>
      JSON.parse((await fetchText(`${statusUrl}/status`)).body).generation;
    const g = await generation();
    child.kill('SIGHUP');
    await waitFor(async () => (await generation()) > g, { what: 'generation after SIGHUP' });
    // An in-flight request completes while nginx drains.
    const inflight = fetchText(`${url}/slow`);
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    const res = await inflight;
    expect(res).to.deep.equal({ status: 200, body: 'slow done\n' });
    const exit = await child.exited;
    expect(exit.exitCode).to.equal(0);
    const logs = jsonLines(child.lines);
    expect(logs.length).to.be.greaterThan(3);
    expect(logs.every((l) => typeof l.level === 'number' && typeof l.msg === 'string')).to.equal(
      true,
    );
    expect(logs.map((l) => l.msg)).to.include.members(['config applied', 'gateway stopped']);
  });

  it('exit codes: 2 for a bad flag, 3 for a bad value, 1 when nginx cannot start', async () => {
    const bad = startProgram('gateway', ['--nope']);
    expect((await bad.exited).exitCode).to.equal(2);
    const value = startProgram('gateway', ['--listen', 'x:y']);
    expect((await value.exited).exitCode).to.equal(3);
    expect(value.lines.join('\n')).to.match(/--listen/);
    const { child } = await start(['--nginx-bin', '/nonexistent/nginx']);
    expect((await child.exited).exitCode).to.equal(1);
  });
});
