import { expect } from 'chai';
import { execa } from 'execa';
import { join } from 'node:path';
import { TestContainers } from '../../helpers/containers.js';
import { waitFor } from '../../helpers/wait-for.js';
import { COMPOSE_DIR, gatewayMode, standInEnv } from './harness.js';

/**
 * The gateway image's other base: with GATEWAY_NGINX_IMAGE set to the official nginx image (here
 * its stand-in, whose nginx is Debian's without the lua module, as the official one has none),
 * compose/gateway.Dockerfile builds on that image and the gateway runs in reload mode. Built as a
 * user does, through the stack's build arguments (docker-compose 1.29, classic builder), under a
 * tag of its own; the compile stage comes from the default build's layer cache when there is one.
 * One container on the main engine, without Consul: the mode is decided when the gateway starts.
 */
describe('compose: gateway image on the official nginx image (GATEWAY_NGINX_IMAGE)', function () {
  this.timeout(300_000);
  const IMAGE = 'docker-consul-gateway/gateway:official-nginx-e2e';
  const containers = new TestContainers('compose-nginx');

  after(async () => {
    await containers.cleanup();
    await execa('docker', ['rmi', IMAGE], { reject: false });
  });

  it('builds the gateway on the nginx image given, which runs in reload mode', async () => {
    await execa('bash', [join(COMPOSE_DIR, 'build-base-images.sh')], { stdio: 'inherit' });
    const env = await standInEnv();
    const started = performance.now();
    await execa(
      'docker-compose',
      ['-f', join(COMPOSE_DIR, 'single-host.yml'), 'build', 'gateway'],
      {
        env: {
          ...env,
          HOST_IP: '127.0.0.1',
          GATEWAY_IMAGE: IMAGE,
          GATEWAY_NGINX_IMAGE: env.NGINX_IMAGE as string,
        },
        all: true,
      },
    ).catch((e: Error & { all?: string }) => {
      throw new Error(`docker-compose build failed:\n${(e.all ?? e.message).slice(-4000)}`);
    });
    process.stdout.write(
      `      built on ${env.NGINX_IMAGE} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    // Nothing of the default base's packages: the lua module is not in the image.
    const { stdout: modules } = await execa('docker', [
      ...['run', '--rm', '--entrypoint', 'sh', IMAGE],
      ...['-c', 'ls /usr/lib/nginx/modules/ 2>/dev/null; true'],
    ]);
    expect(modules).to.not.include('ngx_http_lua_module.so');

    const container = await containers.run({
      image: IMAGE,
      publish: { '9180': '' },
      env: { CONSUL_HTTP_ADDR: '127.0.0.1:1' },
      labels: { SERVICE_IGNORE: 'true' },
    });
    const statusUrl = `http://127.0.0.1:${await containers.hostPort(container, '9180/tcp')}`;
    const mode = await waitFor(() => gatewayMode(statusUrl), {
      timeoutMs: 60_000,
      what: 'the gateway /status',
    });
    expect(mode).to.equal('reload');
  });
});
