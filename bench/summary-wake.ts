/**
 * The floor under bench/scale.ts's *consul* stage: a stock server agent with `--services` x 3
 * instances (default 5,000) and nothing else watching. Per change, one blocking query on
 * `/v1/internal/ui/services` (gzip, as the gateway's feed asks) waits while one instance is
 * registered; prints PUT returned -> answer received, p50/p95/max.
 * `npx tsx bench/summary-wake.ts [--services N] [--changes N]` (~1 min at 5,000).
 */
import { Agent, request } from 'node:http';
import { startConsulAgent } from '../test/helpers/consul-agent.js';
import { changedInstance, deregistration, registerFleet, registration } from './lib/scale-fleet.js';
import { distribution } from './lib/stats.js';
import { flagValue } from './lib/args.js';

const services = Number(flagValue('services') ?? 5000);
const changes = Number(flagValue('changes') ?? 20);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const agent = await startConsulAgent({ server: true });
const keepAlive = new Agent({ keepAlive: true });
/** One GET to the agent (loopback); resolves with the answer's X-Consul-Index. */
const read = (path: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const headers = { 'accept-encoding': 'gzip' };
    request(`http://${agent.addr}${path}`, { agent: keepAlive, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(Number(res.headers['x-consul-index'])));
    })
      .on('error', reject)
      .end();
  });
try {
  await registerFleet(agent.client, services, 3, [1000, 1001, 1002]);
  await sleep(2_000);
  const wakeMs: number[] = [];
  for (let c = 0; c < changes; c++) {
    const change = changedInstance(c, services);
    const index = await read('/v1/internal/ui/services');
    const answer = read(`/v1/internal/ui/services?index=${index}&wait=30s`);
    await sleep(300);
    const body = registration(change.s, change.id, change.node, 2000);
    await agent.client.transport.request({ method: 'PUT', path: '/catalog/register', body });
    const committed = performance.now();
    await answer;
    wakeMs.push(Math.round(performance.now() - committed));
    await sleep(500);
    const gone = deregistration(change);
    await agent.client.transport.request({
      method: 'PUT',
      path: '/catalog/deregister',
      body: gone,
    });
    await sleep(700);
  }
  const d = distribution(wakeMs);
  console.log(`${services} services x 3, PUT returned -> summary answer (ms): ${wakeMs.join(' ')}`);
  console.log(`p50 ${d.p50} / p95 ${d.p95} / max ${d.max}`);
} finally {
  keepAlive.destroy();
  await agent.stop();
}
