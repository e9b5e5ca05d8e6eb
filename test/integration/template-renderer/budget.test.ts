import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRenderer, type Renderer } from '../../../template-renderer/index.js';
import { startConsulAgent, type ConsulAgent } from '../../helpers/consul-agent.js';
import { connectionsTo } from '../../helpers/connections.js';
import { waitFor } from '../../helpers/wait-for.js';

// Every service with its instances, plus one KV key: with a budget of 4 connections (1 for
// fetches, 1 blocking loop, 2 change feeds) nearly every query is followed by a change feed.
const TEMPLATE = [
  '{{#each (services)}}{{#if (contains Name "svc-")}}{{Name}}:{{#each (service Name)}} {{Port}}{{/each}}',
  '{{/if}}{{/each}}motd={{key "motd"}}',
  '',
].join('\n');

describe('template-renderer: queries beyond the connection budget (real Consul)', function () {
  this.timeout(60_000);
  let agent: ConsulAgent;
  let dir: string;
  let renderer: Renderer | undefined;
  const out = (): string =>
    existsSync(join(dir, 'out')) ? readFileSync(join(dir, 'out'), 'utf8') : '';
  const register = (s: number, id: string, port: number) =>
    agent.client.registerService({ ID: id, Name: `svc-${s}`, Address: '10.0.0.1', Port: port });

  before(async () => {
    agent = await startConsulAgent();
    dir = mkdtempSync(join(tmpdir(), 'tr-budget-'));
    for (let s = 0; s < 12; s++) await register(s, `svc-${s}-a`, 8000 + s);
    await agent.client.kvPut('motd', 'hello');
  });
  after(async () => {
    await renderer?.stop();
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders complete data, follows every kind of change, never exceeds the budget, and closes its connections on stop', async () => {
    renderer = createRenderer({
      consul: { ...agent.config, maxConns: 4 },
      templates: [{ contents: TEMPLATE, destination: join(dir, 'out') }],
      minDelayMs: 10,
    });
    await renderer.start();
    await renderer.firstRender;
    expect(out())
      .to.include('svc-0: 8000\n')
      .and.include('svc-11: 8011\n')
      .and.include('motd=hello');
    const usage = renderer.consulUsage();
    expect(usage.maxConns).to.equal(4);
    expect(usage.shared, 'queries on a change feed').to.be.at.least(12);
    expect(usage.feeds).to.equal(2);

    await register(3, 'svc-3-b', 9003); // an instance of a service already there
    await waitFor(() => out().includes('svc-3: 8003 9003\n'), {
      what: 'new instance',
    });
    await register(40, 'svc-40-a', 8040); // a new service
    await waitFor(() => out().includes('svc-40: 8040\n'), { what: 'new service' });
    await agent.client.deregisterService('svc-5-a'); // a service gone
    await waitFor(() => !out().includes('svc-5:'), { what: 'service gone' });
    await agent.client.kvPut('motd', 'changed'); // a key, beyond the budget too
    await waitFor(() => out().includes('motd=changed'), { what: 'KV change' });
    await agent.client.registerService({
      ID: 'svc-7-a',
      Name: 'svc-7',
      Address: '10.0.0.1',
      Port: 8007,
      Checks: [{ TTL: '30s', Status: 'critical' }],
    }); // the same instance turning critical: healthy instances only
    await waitFor(() => out().includes('svc-7:\n'), { what: 'instance turned critical' });
    // Many changes in a row: each answer of a feed waits for its reads, and nothing of that wait
    // piles up (an abort listener per answer did: Node warns past 10 on one signal).
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      for (let i = 0; i < 15; i++) {
        await register(9, `svc-9-x${i}`, 9100 + i);
        await waitFor(() => out().includes(` ${9100 + i}`), { what: `change ${i}` });
      }
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).to.deep.equal([]);

    const r = renderer;
    expect(r.consulUsage().peakConnections).to.be.within(1, 4);
    expect(r.consulUsage().openConnections).to.be.within(1, 4);
    // Blocking queries are aborted on stop: our side closes every socket at once (the test's own
    // client shares this process, so the renderer's count is read, and ss confirms the total fell).
    const before = await connectionsTo(agent.httpPort, process.pid);
    const stopped = performance.now();
    await r.stop();
    renderer = undefined;
    await waitFor(() => r.consulUsage().openConnections === 0, {
      timeoutMs: 200,
      intervalMs: 5,
      what: 'sockets closed',
    });
    expect(performance.now() - stopped).to.be.below(10_000); // not the 60 s a blocking query waits
    expect(await connectionsTo(agent.httpPort, process.pid)).to.be.below(before);
  });
});
