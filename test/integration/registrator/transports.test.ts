import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsulAgent, type ConsulAgent } from '../../helpers/consul-agent.js';
import { freePort } from '../../helpers/ports.js';
import { parseRegistryUri } from '../../../registrator/registry-uri.js';
import { resolveConfig } from '../../../registrator/config.js';
import { HOST, registered, startRegistrator } from './harness.js';
import { ConsulClient } from '../../../common/consul/client.js';
import { waitFor } from '../../helpers/wait-for.js';

/** consul-unix:// and consul-tls:// against real agents listening that way. */
describe('registrator registry transports (real Docker + Consul)', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'reg-transport-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('consul-unix:///path registers through the agent socket', async () => {
    const sock = join(dir, 'consul.sock');
    const agent: ConsulAgent = await startConsulAgent({
      extraArgs: ['-hcl', `addresses { http = "127.0.0.1 unix://${sock}" }`],
    });
    try {
      const h = await startRegistrator(agent, 'reg-unix', {
        registry: parseRegistryUri(`consul-unix://${sock}`),
      });
      try {
        const name = h.tc.uniqueName('u');
        await h.tc.run({ name, publish: { '80': '' } });
        expect((await registered(agent, `${HOST}:${name}:80`)).Service).to.equal('busybox');
      } finally {
        await h.stop();
      }
    } finally {
      await agent.stop();
    }
  });

  it('consul-tls:// with CONSUL_CACERT / CONSUL_CLIENT_CERT / CONSUL_CLIENT_KEY', async () => {
    const ssl = (...args: string[]): void =>
      void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '1',
      '-subj',
      '/CN=test-ca',
    );
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'srv.key',
      '-out',
      'srv.csr',
      '-subj',
      '/CN=127.0.0.1',
    );
    rmSync(join(dir, 'ext.cnf'), { force: true });
    execFileSync('sh', ['-c', 'printf "subjectAltName=IP:127.0.0.1\\n" > ext.cnf'], { cwd: dir });
    ssl(
      'x509',
      '-req',
      '-in',
      'srv.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'srv.pem',
      '-days',
      '1',
      '-extfile',
      'ext.cnf',
    );
    const https = await freePort();
    const agent = await startConsulAgent({
      extraArgs: [
        '-hcl',
        `ports { https = ${https} } ca_file = "${dir}/ca.pem" cert_file = "${dir}/srv.pem" key_file = "${dir}/srv.key"`,
      ],
    });
    try {
      const config = resolveConfig([`consul-tls://127.0.0.1:${https}`], {
        CONSUL_CACERT: join(dir, 'ca.pem'),
        CONSUL_CLIENT_CERT: join(dir, 'srv.pem'),
        CONSUL_CLIENT_KEY: join(dir, 'srv.key'),
      });
      expect(config.registry.consul.scheme).to.equal('https');
      const h = await startRegistrator(agent, 'reg-tls', { registry: config.registry });
      try {
        const name = h.tc.uniqueName('t');
        await h.tc.run({ name, publish: { '80': '' } });
        await registered(agent, `${HOST}:${name}:80`);
      } finally {
        await h.stop();
      }
    } finally {
      await agent.stop();
    }
  });

  it('honours CONSUL_HTTP_TOKEN on an agent with ACLs (default deny)', async () => {
    const agent = await startConsulAgent({
      extraArgs: [
        '-hcl',
        'acl { enabled = true default_policy = "deny" tokens { master = "root-token" } }',
      ],
    });
    const withToken = { ...agent.config, token: 'root-token' };
    const admin = new ConsulClient(withToken);
    try {
      const config = resolveConfig([`consul://${agent.addr}`], { CONSUL_HTTP_TOKEN: 'root-token' });
      expect(config.registry.consul.token).to.equal('root-token');
      const h = await startRegistrator(agent, 'reg-acl', { registry: config.registry });
      try {
        const name = h.tc.uniqueName('acl');
        await h.tc.run({ name, publish: { '80': '' } });
        await waitFor(async () => (await admin.agentServices())[`${HOST}:${name}:80`], {
          what: 'the registration made with the token',
        });
        expect(JSON.stringify(h.logs)).not.to.include('root-token');
      } finally {
        await h.stop();
      }
    } finally {
      admin.close();
      await agent.stop();
    }
  });
});
