import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsulAgent, type ConsulAgent } from '../../helpers/consul-agent.js';
import { waitFor } from '../../helpers/wait-for.js';
import { gone, HOST, registered, startRegistrator } from './harness.js';

/**
 * A unix-socket relay in front of the real engine: closing it is, for registrator, exactly a
 * daemon going away (stream ends, connections refused); reopening it is the daemon coming back.
 */
class SocketRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  constructor(readonly path: string) {}
  async open(): Promise<void> {
    rmSync(this.path, { force: true });
    this.server = createServer((client) => {
      const upstream = createConnection('/var/run/docker.sock');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server?.listen(this.path, resolve));
  }
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

describe('registrator: Docker daemon outage (real Docker + Consul)', function () {
  this.timeout(60_000);
  let agent: ConsulAgent;
  let dir: string;
  before(async () => {
    agent = await startConsulAgent();
    dir = mkdtempSync(join(tmpdir(), 'reg-relay-'));
  });
  after(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reconnects the event stream and reconciles what changed meanwhile', async () => {
    const relay = new SocketRelay(join(dir, 'docker.sock'));
    await relay.open();
    const h = await startRegistrator(agent, 'reg-relay', {
      docker: { socketPath: relay.path },
      retryIntervalMs: 300,
    });
    try {
      const before = h.tc.uniqueName('before');
      const c = await h.tc.run({ name: before, publish: { '80': '' } });
      await registered(agent, `${HOST}:${before}:80`);
      await relay.close();
      await waitFor(
        () => h.logs.some((l) => /Docker (event stream ended|unavailable)/.test(String(l.msg))),
        {
          what: 'the registrator to notice the outage',
        },
      );
      const during = h.tc.uniqueName('during');
      await h.tc.run({ name: during, publish: { '80': '' } });
      await c.kill({ signal: 'SIGKILL' });
      await relay.open();
      await registered(agent, `${HOST}:${during}:80`, 15_000);
      await gone(agent, `${HOST}:${before}:80`);
      expect(h.logs.some((l) => l.msg === 'resynced after reconnecting to Docker')).to.equal(true);
    } finally {
      await h.stop();
      await relay.close();
    }
  });
});
