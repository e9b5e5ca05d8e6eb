import { expect } from 'chai';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsulAgent, type ConsulAgent } from '../../helpers/consul-agent.js';
import { ROOT } from '../../helpers/paths.js';
import { jsonLines, startProgram } from '../../helpers/programs.js';
import { waitFor } from '../../helpers/wait-for.js';

describe('template-renderer CLI (real Consul, real commands)', function () {
  this.timeout(40_000);
  let agent: ConsulAgent;
  let dir: string;
  const read = (f: string): string | undefined =>
    existsSync(f) ? readFileSync(f, 'utf8') : undefined;

  before(async () => {
    agent = await startConsulAgent();
    dir = mkdtempSync(join(tmpdir(), 'tr-cli-'));
    copyFileSync(join(ROOT, 'test/fixtures/templates/web.hbs'), join(dir, 'web.hbs'));
    await agent.client.registerService({
      ID: 'web-1',
      Name: 'web',
      Address: '10.0.0.1',
      Port: 8001,
    });
  });
  after(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('-once renders, runs the command (with spaces) and exits 0', async () => {
    const out = join(dir, 'once.conf');
    const marker = join(dir, 'once.ran');
    const p = startProgram('template-renderer', [
      '-consul-addr',
      agent.addr,
      '-template',
      `${join(dir, 'web.hbs')}:${out}:sh -c "echo reloaded > ${marker}"`,
      '-once',
    ]);
    const exit = await p.exited;
    expect(exit.exitCode, p.lines.join('\n')).to.equal(0);
    expect(read(out)).to.equal('server 10.0.0.1:8001;\n');
    expect(read(marker)).to.equal('reloaded\n');
  });

  it('-dry prints the render to stdout and writes nothing', async () => {
    const out = join(dir, 'dry.conf');
    const p = startProgram('template-renderer', [
      '--consul-addr=' + agent.addr,
      '--template',
      `${join(dir, 'web.hbs')}:${out}:touch ${join(dir, 'dry.ran')}`,
      '--dry',
      '--once',
    ]);
    expect((await p.exited).exitCode).to.equal(0);
    expect(p.lines).to.include(`> ${out}`).and.include('server 10.0.0.1:8001;');
    expect(existsSync(out)).to.equal(false);
    expect(existsSync(join(dir, 'dry.ran'))).to.equal(false);
  });

  it('runs as a daemon from a YAML config: change -> file -> command; SIGHUP; SIGTERM', async () => {
    const out = join(dir, 'daemon.conf');
    const log = join(dir, 'daemon.log');
    const pid = join(dir, 'tr.pid');
    const config = join(dir, 'tr.yaml');
    writeFileSync(
      config,
      `consul: { address: "${agent.addr}" }\ntemplates:\n  - source: ${join(dir, 'web.hbs')}\n    destination: ${out}\n    command: echo ran >> ${log}\n    perms: "0600"\n`,
    );
    const p = startProgram('template-renderer', [
      '-config',
      config,
      '-pid-file',
      pid,
      '-log-level',
      'debug',
    ]);
    try {
      await waitFor(() => read(out) === 'server 10.0.0.1:8001;\n', {
        timeoutMs: 15_000,
        what: 'first render',
      });
      expect(read(pid)?.trim()).to.equal(String(p.pid));
      await agent.client.registerService({
        ID: 'web-2',
        Name: 'web',
        Address: '10.0.0.2',
        Port: 8002,
      });
      await waitFor(() => read(out)?.includes('10.0.0.2:8002'), { what: 're-render' });
      await waitFor(() => read(log) === 'ran\nran\n', { what: 'second command' });
      p.kill('SIGHUP');
      await waitFor(() => jsonLines(p.lines).some((l) => String(l.msg).startsWith('SIGHUP')), {
        what: 'reload logged',
      });
      const exit = await p.stop('SIGTERM', 5_000);
      expect(exit.exitCode).to.equal(0);
      expect(existsSync(pid)).to.equal(false);
      expect(read(log)).to.equal('ran\nran\n');
    } finally {
      await p.stop('SIGKILL', 1_000);
      await agent.client.deregisterService('web-2');
    }
  });

  it('exits with the config exit code on bad flags', async () => {
    const p = startProgram('template-renderer', ['-template', 'a:b', '-wait', 'soon']);
    expect((await p.exited).exitCode).to.equal(3);
    expect(p.lines.join('\n')).to.match(/-wait/);
  });
});
