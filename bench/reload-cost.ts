import type { TestContainers } from '../test/helpers/containers.js';
import { pollUntilServed } from './lib/http.js';
import type { Stack } from './lib/stack.js';
import type { WrkResult } from './scenarios.js';

/**
 * Throughput through the gateway versus straight to the backend's published port, and through
 * the gateway with a membership change every second versus none — each pair in the same run.
 */
export async function reloadCost(
  stack: Stack,
  containers: TestContainers,
  seconds: number,
  wrk: (url: string, seconds: number) => Promise<WrkResult>,
): Promise<{
  overhead: { gateway: WrkResult; direct: WrkResult; ratio: number };
  reloadCost: { steady: WrkResult; churn: WrkResult; ratio: number; changes: number };
}> {
  const id = containers.uniqueName('rc');
  const c = await containers.run({
    name: id,
    publish: { '80': '' },
    env: { BACKEND_ID: id, PATHS: 'rc', SERVICE_NAME: 'bench-rc', SERVICE_TAGS: 'urlprefix-/rc/' },
  });
  const port = await containers.hostPort(c);
  await pollUntilServed(`${stack.gatewayUrl}/rc/`, id, 20_000);
  const direct = await wrk(`http://127.0.0.1:${port}/rc/`, seconds);
  const gateway = await wrk(`${stack.gatewayUrl}/rc/`, seconds);
  const steady = gateway;
  // A second instance of the same service (same backend address, another ID) comes and goes
  // every second: each change is a real upstream membership change for the gateway.
  let changes = 0;
  let on = false;
  const timer = setInterval(() => {
    on = !on;
    changes++;
    const op = on
      ? stack.client.registerService({
          ID: 'bench-rc-extra',
          Name: 'bench-rc',
          Address: '127.0.0.1',
          Port: port,
          Tags: ['urlprefix-/rc/'],
        })
      : stack.client.deregisterService('bench-rc-extra');
    op.catch(() => undefined);
  }, 1_000);
  const churn = await wrk(`${stack.gatewayUrl}/rc/`, seconds).finally(() => clearInterval(timer));
  await stack.client.deregisterService('bench-rc-extra').catch(() => undefined);
  const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
  return {
    overhead: { gateway, direct, ratio: ratio(gateway.requestsPerSec, direct.requestsPerSec) },
    reloadCost: {
      steady,
      churn,
      ratio: ratio(churn.requestsPerSec, steady.requestsPerSec),
      changes,
    },
  };
}
