import { startConsulAgent, type ConsulAgent } from '../../helpers/consul-agent.js';
import {
  fetchText,
  startBackend,
  startTestGateway,
  type Backend,
  type TestGateway,
} from './harness.js';

/** What a gateway integration suite shares: one Consul agent, backends and a gateway per test. */
export interface GatewaySuite {
  readonly agent: ConsulAgent;
  /** Starts the test's gateway (stopped after the test). */
  start(extra?: string[]): Promise<TestGateway>;
  /** An HTTP backend answering with its name (closed after the test). */
  backend(name: string, host?: string): Promise<Backend>;
  /** Registers a loopback instance with the agent (deregistered after the test). */
  register(id: string, name: string, port: number, tags: string[], extra?: object): Promise<void>;
  /** A sample of the current gateway's /metrics, by its full name with labels. */
  metric(name: string): Promise<number>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- status JSON, asserted field by field
  status(): Promise<Record<string, any>>;
}

/** Registers the mocha hooks of a gateway suite and returns its helpers. */
export function useGatewaySuite(): GatewaySuite {
  let agent: ConsulAgent | undefined;
  let gw: TestGateway | undefined;
  const backends: Backend[] = [];
  const current = (): TestGateway => {
    if (!gw) throw new Error('no gateway started in this test');
    return gw;
  };
  before(async () => {
    agent = await startConsulAgent();
  });
  afterEach(async () => {
    await gw?.stop();
    gw = undefined;
    await Promise.all(backends.splice(0).map((b) => b.close()));
    if (!agent) return;
    for (const id of Object.keys(await agent.client.agentServices()))
      await agent.client.deregisterService(id);
  });
  after(async () => {
    await agent?.stop();
  });
  const suite: GatewaySuite = {
    get agent(): ConsulAgent {
      if (!agent) throw new Error('the Consul agent is not started yet');
      return agent;
    },
    async start(extra = []) {
      gw = await startTestGateway(suite.agent, extra);
      return gw;
    },
    async backend(name, host) {
      const b = await startBackend(name, host);
      backends.push(b);
      return b;
    },
    register: (id, name, port, tags, extra = {}) =>
      suite.agent.client.registerService({
        ID: id,
        Name: name,
        Address: '127.0.0.1',
        Port: port,
        Tags: tags,
        ...extra,
      }),
    async metric(name) {
      const text = (await fetchText(`${current().statusUrl}/metrics`)).body;
      const line = text.split('\n').find((l) => l.startsWith(name));
      return Number(line?.split(' ').pop() ?? NaN);
    },
    async status() {
      return JSON.parse((await fetchText(`${current().statusUrl}/status`)).body) as Record<
        string,
        unknown
      >;
    },
  };
  return suite;
}
