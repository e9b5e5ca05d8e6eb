import { expect } from 'chai';
import { execa } from 'execa';
import { join } from 'node:path';
import { parse } from 'yaml';
import { COMPOSE_DIR, composeV2 } from './harness.js';

interface Service {
  network_mode?: string;
  labels?: Record<string, string>;
  ports?: unknown[];
  volumes?: unknown[];
  command?: string[];
}

const FILES = ['single-host.yml', 'gateway-host.yml', 'worker-host.yml'];
const INFRA = new Set(['consul', 'registrator', 'gateway']);
const ENV = { HOST_IP: '10.1.2.3', CONSUL_RETRY_JOIN: '10.1.2.1', PATH: process.env.PATH ?? '' };

/**
 * Every stack file as each Compose implementation reads it: docker-compose 1.29 (Debian 12) and
 * Compose v2 (when compose/fetch-compose-v2.sh can provide it). No engine is needed.
 */
describe('compose: stack files under docker-compose 1.29 and Compose v2', function () {
  this.timeout(60_000);
  const tools: [string, string][] = [['docker-compose 1.29', 'docker-compose']];

  before(async () => {
    const v2 = await composeV2();
    if (v2) tools.push(['Compose v2', v2]);
  });

  const config = (bin: string, file: string, env: Record<string, string>) =>
    execa(bin, ['-f', join(COMPOSE_DIR, file), 'config'], { env, extendEnv: false, reject: false });

  it('every file resolves with HOST_IP (and CONSUL_RETRY_JOIN) set', async () => {
    for (const [tool, bin] of tools)
      for (const file of FILES) {
        const result = await config(bin, file, ENV);
        expect(result.exitCode, `${tool} ${file}: ${result.stderr}`).to.equal(0);
        const services = (parse(result.stdout) as { services: Record<string, Service> }).services;
        for (const [name, service] of Object.entries(services)) {
          if (INFRA.has(name)) {
            expect(service.network_mode, `${tool} ${file} ${name}`).to.equal('host');
            expect(service.labels?.SERVICE_IGNORE, `${tool} ${file} ${name}`).to.equal('true');
          } else {
            // Application containers publish on HOST_IP from Docker's bridge network.
            expect(service.network_mode, `${tool} ${file} ${name}`).to.equal('bridge');
            expect(JSON.stringify(service.ports), `${tool} ${file} ${name}`).to.include('10.1.2.3');
          }
        }
        expect(services.registrator?.command).to.deep.equal([
          '-ip',
          '10.1.2.3',
          'consul://10.1.2.3:8500',
        ]);
        expect(JSON.stringify(services.registrator?.volumes)).to.include('/tmp/docker.sock');
      }
  });

  it('a missing HOST_IP or CONSUL_RETRY_JOIN fails with a message naming it', async () => {
    for (const [tool, bin] of tools) {
      for (const file of FILES) {
        const result = await config(bin, file, { ...ENV, HOST_IP: '' });
        expect(result.exitCode, `${tool} ${file}`).to.not.equal(0);
        expect(result.stderr, `${tool} ${file}`).to.include('HOST_IP');
      }
      for (const file of ['gateway-host.yml', 'worker-host.yml']) {
        const result = await config(bin, file, { ...ENV, CONSUL_RETRY_JOIN: '' });
        expect(result.exitCode, `${tool} ${file}`).to.not.equal(0);
        expect(result.stderr, `${tool} ${file}`).to.include('CONSUL_RETRY_JOIN');
      }
    }
  });
});
