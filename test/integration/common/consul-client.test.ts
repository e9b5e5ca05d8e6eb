import { expect } from 'chai';
import { startConsulAgent, type ConsulAgent } from '../../helpers/consul-agent.js';
import { ConsulClient } from '../../../common/consul/client.js';
import { isToolkitError } from '../../../common/errors.js';
import { freePort } from '../../helpers/ports.js';

describe('ConsulClient against a real Consul agent', function () {
  let consul: ConsulAgent;
  before(async function () {
    this.timeout(30_000);
    consul = await startConsulAgent();
  });
  after(async () => consul?.stop());

  it('registers a service and reads it back through health and catalog', async () => {
    await consul.client.registerService({
      ID: 'web-1',
      Name: 'web',
      Address: '127.0.0.1',
      Port: 8081,
      Tags: ['a'],
      Meta: { version: '1' },
    });
    const health = await consul.client.healthService('web', {});
    expect(health.index).to.be.greaterThan(0);
    expect(health.data.map((e) => e.Service.ID)).to.deep.equal(['web-1']);
    expect(health.data[0]?.Service.Meta).to.deep.equal({ version: '1' });
    const services = await consul.client.catalogServices();
    expect(services.data).to.have.property('web');
  });

  it('returns a blocking query as soon as the watched data changes', async () => {
    const first = await consul.client.healthService('blocking', {});
    const started = Date.now();
    const pending = consul.client.healthService(
      'blocking',
      {},
      { index: first.index, waitMs: 10_000 },
    );
    setTimeout(
      () => void consul.client.registerService({ ID: 'b-1', Name: 'blocking', Port: 1 }),
      200,
    );
    const next = await pending;
    expect(Date.now() - started).to.be.lessThan(5_000);
    expect(next.index).to.be.greaterThan(first.index);
    expect(next.data).to.have.length(1);
  });

  it('reads KV pairs and answers [] for a missing key', async () => {
    await consul.client.kvPut('app/config/x', 'hello');
    const pairs = await consul.client.kvGet('app/config/x', false);
    expect(Buffer.from(pairs.data[0]?.Value ?? '', 'base64').toString()).to.equal('hello');
    expect((await consul.client.kvGet('app/none', false)).data).to.deep.equal([]);
  });

  it('marks an unreachable agent as a retryable E_CONSUL_UNAVAILABLE error', async () => {
    const client = new ConsulClient({ scheme: 'http', host: '127.0.0.1', port: await freePort() });
    const error = await client.catalogServices().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isToolkitError(error, 'E_CONSUL_UNAVAILABLE')).to.equal(true);
    expect((error as { retryable: boolean }).retryable).to.equal(true);
    client.close();
  });

  it('marks a bad request as a non-retryable E_CONSUL_REQUEST error', async () => {
    const error = await consul.client.registerService({ ID: 'x', Name: '', Port: -5 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isToolkitError(error, 'E_CONSUL_REQUEST')).to.equal(true);
  });
});
