import { expect } from 'chai';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsulAgent, type ConsulAgent } from '../../helpers/consul-agent.js';
import { TestContainers } from '../../helpers/containers.js';
import { freePort } from '../../helpers/ports.js';
import { jsonLines, startProgram } from '../../helpers/programs.js';
import { waitFor } from '../../helpers/wait-for.js';
import { HOST, registered, services } from './harness.js';

describe('registrator CLI (real Docker + Consul)', function () {
  this.timeout(60_000);
  let agent: ConsulAgent;
  let tc: TestContainers;
  let dir: string;
  before(async () => {
    agent = await startConsulAgent();
    tc = new TestContainers('reg-cli');
    dir = mkdtempSync(join(tmpdir(), 'reg-cli-'));
    // The reference setup mounts the socket elsewhere (/tmp/docker.sock) and sets nothing else.
    symlinkSync('/var/run/docker.sock', join(dir, 'docker.sock'));
  });
  after(async () => {
    await tc?.cleanup();
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs as `registrator -ip <ip> consul://<addr>`, logs JSON, keeps services on SIGTERM', async () => {
    const metricsPort = await freePort();
    const p = startProgram(
      'registrator',
      [
        '-ip',
        '127.0.0.1',
        `--require-label=${tc.label}`,
        '--metrics-addr',
        `127.0.0.1:${metricsPort}`,
        `consul://${agent.addr}`,
      ],
      {
        env: { DOCKER_HOST: `unix://${dir}/docker.sock`, CONSUL_HTTP_TOKEN: 'sup3r-s3cret-t0ken' },
      },
    );
    try {
      await waitFor(() => jsonLines(p.lines).some((l) => l.msg === 'initial sync done'), {
        what: 'startup',
        timeoutMs: 20_000,
      });
      const name = tc.uniqueName('cli');
      await tc.run({ name, publish: { '80': '' }, env: { SERVICE_NAME: 'cli-web' } });
      expect((await registered(agent, `${HOST}:${name}:80`)).Service).to.equal('cli-web');
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const sum = Number(/registrator_registration_seconds_sum (\S+)/.exec(text)?.[1]);
      const count = Number(/registrator_registration_seconds_count (\S+)/.exec(text)?.[1]);
      if (count)
        console.log(
          `      start event -> registered: ${((sum / count) * 1000).toFixed(1)} ms (mean of ${count})`,
        );
      const exit = await p.stop('SIGTERM', 5_000);
      expect(exit.exitCode).to.equal(0);
      expect(
        (await services(agent))[`${HOST}:${name}:80`],
        'nothing deregistered on exit',
      ).to.not.equal(undefined);
      const lines = jsonLines(p.lines);
      expect(lines.length).to.equal(p.lines.length);
      expect(
        lines.some((l) => l.action === 'register' && l.serviceId === `${HOST}:${name}:80`),
      ).to.equal(true);
      expect(p.lines.join('\n')).not.to.include('sup3r-s3cret-t0ken');
    } finally {
      await p.stop('SIGKILL', 1_000);
    }
  });

  it('exit codes: 0 for --help, 2 for usage errors, 3 for bad values, 6 when Consul stays down', async () => {
    const run = async (args: string[]): Promise<{ code: number | undefined; out: string }> => {
      const p = startProgram('registrator', args);
      const exit = await p.exited;
      return { code: exit.exitCode, out: p.lines.join('\n') };
    };
    const help = await run(['--help']);
    expect(help.code).to.equal(0);
    expect(help.out).to.include('-deregister');
    expect((await run(['-bogus', 'consul://127.0.0.1:1'])).code).to.equal(2);
    expect((await run([])).code).to.equal(2);
    expect((await run(['-deregister', 'never', 'consul://127.0.0.1:1'])).code).to.equal(3);
    const dead = await freePort();
    const down = await run([
      '-retry-attempts',
      '2',
      '-retry-interval',
      '50',
      `consul://127.0.0.1:${dead}`,
    ]);
    expect(down.code).to.equal(6);
    expect(down.out).to.include('registry unavailable; retrying');
  });
});
