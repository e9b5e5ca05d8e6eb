import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../../common/log.js';
import { isToolkitError } from '../../../common/errors.js';
import {
  createRenderer,
  type Renderer,
  type TemplateConfig,
} from '../../../template-renderer/index.js';
import { startConsulAgent, type ConsulAgent } from '../../helpers/consul-agent.js';
import { waitFor } from '../../helpers/wait-for.js';

const WEB = '{{#each (service "web")}}{{Port}}\n{{/each}}';

/**
 * Broken templates, destinations and commands (issue 8): each fails with a clear error, no output
 * is lost, and the renderer keeps going. The JSON a real logger wrote is read back.
 */
describe('template-renderer faults (real Consul)', function () {
  this.timeout(30_000);
  let agent: ConsulAgent;
  let dir: string;
  let logs: Record<string, unknown>[];
  const renderers: Renderer[] = [];

  const read = (f: string): string | undefined =>
    existsSync(f) ? readFileSync(f, 'utf8') : undefined;
  const make = (templates: TemplateConfig[], token?: string, extra = {}): Renderer => {
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n'))
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
    });
    const logger = createLogger({ name: 'tr', level: 'debug', destination: stream });
    const consul = token ? { ...agent.config, token } : agent.config;
    const r = createRenderer({ consul, templates, minDelayMs: 10, logger, ...extra });
    renderers.push(r);
    return r;
  };
  const register = (id: string, port: number) =>
    agent.client.registerService({ ID: id, Name: 'web', Address: '10.0.0.1', Port: port });
  const logged = (msg: string) => logs.filter((l) => l.msg === msg);

  before(async () => {
    agent = await startConsulAgent();
    dir = mkdtempSync(join(tmpdir(), 'tr-faults-'));
  });
  beforeEach(() => {
    logs = [];
  });
  afterEach(async () => {
    await Promise.all(renderers.splice(0).map((r) => r.stop()));
    for (const id of Object.keys(await agent.client.agentServices()))
      await agent.client.deregisterService(id);
  });
  after(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a missing template file fails start with E_CONFIG naming the file', async () => {
    const missing = join(dir, 'nope.hbs');
    const r = make([{ source: missing, destination: join(dir, 'nope.out') }]);
    const error = await r.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isToolkitError(error, 'E_CONFIG')).to.equal(true);
    expect((error as Error).message).to.include(missing);
  });

  it('a command that hangs is timed out, a failing one logged; later changes still render', async () => {
    await register('web-1', 8001);
    const hang = join(dir, 'hang.out');
    const fail = join(dir, 'fail.out');
    const r = make([
      { contents: WEB, destination: hang, command: 'sleep 30', commandTimeoutMs: 300 },
      { contents: WEB, destination: fail, command: 'echo boom >&2; exit 7' },
    ]);
    await r.start();
    await r.firstRender;
    await waitFor(() => logged('command exited with 7').length === 1, { what: 'failure log' });
    await waitFor(() => logged('command timed out').length === 1, { what: 'timeout log' });
    const failure = logged('command exited with 7')[0]!;
    expect(failure.exitCode).to.equal(7);
    expect(String(failure.output)).to.include('boom');
    await register('web-2', 8002);
    await waitFor(() => read(fail) === '8001\n8002\n' && read(hang) === '8001\n8002\n', {
      what: 'render after failed commands',
    });
  });

  it('an unwritable destination is reported and retried: the output lands once it can', async () => {
    await register('web-1', 8001);
    const blocker = join(dir, 'blocker');
    writeFileSync(blocker, 'a file where a folder should be');
    const bad = join(blocker, 'app.conf');
    const good = join(dir, 'good.conf');
    const r = make([
      { contents: WEB, destination: bad },
      { contents: WEB, destination: good },
    ]);
    await r.start();
    await waitFor(() => read(good) === '8001\n', { what: 'the good template renders' });
    await waitFor(() => logged('write failed; retrying in 1 s').length > 0, {
      what: 'write failure log',
    });
    const status = r.status().templates.find((t) => t.destination === bad);
    expect(status?.lastError).to.match(/ENOTDIR|not a directory/i);
    unlinkSync(blocker);
    // The file lands (rename) a moment before the renderer records the success: wait for both.
    await waitFor(
      () =>
        read(bad) === '8001\n' &&
        r.status().templates.find((t) => t.destination === bad)?.lastError === undefined,
      { what: 'the retried write, recorded', timeoutMs: 10_000 },
    );
  });

  it('a render error or a deleted template file keeps the previous output', async () => {
    await register('web-1', 8001);
    const src = join(dir, 'live.hbs');
    const out = join(dir, 'live.out');
    writeFileSync(src, WEB);
    const r = make([{ source: src, destination: out }]);
    await r.start();
    await r.firstRender;
    expect(read(out)).to.equal('8001\n');
    writeFileSync(src, '{{#each (service "web|bogus")}}{{Port}}{{/each}}');
    await waitFor(() => logged('render failed; previous output kept').length > 0, {
      what: 'render error log',
    });
    expect(read(out)).to.equal('8001\n');
    // A syntax error, then the file deleted: the last good compiled template keeps serving.
    writeFileSync(src, WEB);
    await waitFor(() => r.status().templates[0]?.lastError === undefined, { what: 'fixed' });
    writeFileSync(src, '{{#each (service "web")}}{{Port}');
    await waitFor(() => logged('template invalid; previous version kept').length > 0, {
      what: 'syntax error log',
    });
    unlinkSync(src);
    await register('web-2', 8002);
    await waitFor(() => read(out) === '8001\n8002\n', { what: 'render without the file' });
  });

  it('never logs the Consul token, even when requests fail', async () => {
    const token = 'secret-token-3f9a';
    const r = make([{ contents: WEB, destination: join(dir, 'tok.out') }], token);
    await r.start();
    await waitFor(() => logs.length > 0, { what: 'some log lines' });
    await agent.kill();
    await waitFor(() => logs.some((l) => l.level === 40 || l.level === 50), {
      what: 'an error logged while Consul is down',
    });
    await agent.restart();
    expect(JSON.stringify(logs)).not.to.include(token);
    expect(JSON.stringify(r.status())).not.to.include(token);
  });

  it('outageHoldMs keeps a restarted, still empty agent out of the output', async () => {
    await register('web-1', 8001);
    const out = join(dir, 'hold.out');
    const r = make([{ contents: WEB, destination: out }], undefined, { outageHoldMs: 1_500 });
    const written: string[] = [];
    r.on('render', (e) => void (e.changed && written.push(e.contents)));
    await r.start();
    await r.firstRender;
    await agent.kill();
    await waitFor(() => r.status().queries.some((q) => q.error), { what: 'outage seen' });
    await agent.restart(); // empty until "registrator" re-registers, half a second later
    await waitFor(() => logged('watch recovered').length > 0, { what: 'recovery seen' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await register('web-1', 8001);
    await register('web-2', 8002);
    await waitFor(() => read(out) === '8001\n8002\n', { what: 'render after the hold' });
    expect(written).to.deep.equal(['8001\n', '8001\n8002\n']);
  });
});
