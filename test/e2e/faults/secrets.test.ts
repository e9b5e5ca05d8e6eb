import { expect } from 'chai';
import { ConsulClient } from '../../../common/consul/client.js';
import { startBackends } from '../../helpers/backends.js';
import { get } from '../../helpers/http.js';
import { waitServedBy } from '../../helpers/routing.js';
import { useStack } from '../../helpers/stack.js';
import { waitFor } from '../../helpers/wait-for.js';

const TOKEN = 'secret-acl-token-7d41c9';

describe('the Consul token stays secret (ACL agent, default deny)', function () {
  this.timeout(120_000);
  const suite = useStack('secrets', {
    consulArgs: [
      '-hcl',
      `acl { enabled = true default_policy = "deny" tokens { master = "${TOKEN}" } }`,
    ],
    env: { CONSUL_HTTP_TOKEN: TOKEN },
  });

  it('works with the token, and it appears in no log line, status, metrics or error', async () => {
    const { stack, containers } = suite;
    const ids = await startBackends(containers, 'secrets-web', 'app', 1);
    await waitServedBy(`${stack.gatewayUrl}/app/`, ids);
    // Errors too: the agent goes away and comes back.
    await stack.consul!.kill();
    await waitFor(
      () => stack.logs.some((l) => l.program === 'gateway' && Number(l.json?.level) >= 40),
      { what: 'gateway errors while Consul is down' },
    );
    await stack.consul!.restart();
    const admin = new ConsulClient({ ...stack.consul!.config, token: TOKEN });
    try {
      await waitFor(async () => Object.keys(await admin.agentServices()).length > 0, {
        what: 're-registration with the token',
      });
    } finally {
      admin.close();
    }
    const pages = await Promise.all(
      ['/status', '/metrics', '/'].map(async (p) => (await get(`${stack.statusUrl}${p}`)).body),
    );
    for (const text of [...stack.logs.map((l) => l.text), ...pages])
      expect(text).not.to.include(TOKEN);
    // The status API is for this machine only unless told otherwise.
    expect(stack.statusUrl).to.match(/^http:\/\/127\.0\.0\.1:/);
  });
});
