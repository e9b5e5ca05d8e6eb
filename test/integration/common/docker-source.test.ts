import { expect } from 'chai';
import { DockerodeSource } from '../../../common/docker/client.js';
import type { DockerEvent } from '../../../common/docker/types.js';
import { TestContainers } from '../../helpers/containers.js';
import { waitFor } from '../../helpers/wait-for.js';

describe('DockerodeSource against the real Docker engine', function () {
  this.timeout(30_000);
  const containers = new TestContainers('docker-source');
  const source = new DockerodeSource({ socketPath: '/var/run/docker.sock' });
  after(() => containers.cleanup());

  it('pings the engine', async () => {
    await source.ping();
  });

  it('sees the start and die events of a test container and inspects it', async () => {
    const controller = new AbortController();
    const seen: DockerEvent[] = [];
    const reading = (async () => {
      try {
        for await (const event of source.events({ signal: controller.signal })) seen.push(event);
      } catch {
        // aborted
      }
    })();
    const container = await containers.run({ publish: { '80': '' } });
    await waitFor(() => seen.some((e) => e.Actor.ID === container.id && e.Action === 'start'), {
      what: 'start event',
    });
    const info = await source.inspect(container.id);
    expect(info?.State.Running).to.equal(true);
    expect(info?.NetworkSettings.Ports?.['80/tcp']?.[0]?.HostPort).to.match(/^\d+$/);
    expect(await source.listContainerIds({ label: [containers.label] })).to.deep.equal([
      container.id,
    ]);
    await container.stop({ t: 1 });
    await waitFor(() => seen.some((e) => e.Actor.ID === container.id && e.Action === 'die'), {
      what: 'die event',
    });
    controller.abort();
    await reading;
  });

  it('answers null for a container that does not exist', async () => {
    expect(await source.inspect('no-such-container-0000')).to.equal(null);
  });
});
