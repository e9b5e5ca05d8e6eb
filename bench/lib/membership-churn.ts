import type { ConsulClient } from '../../common/consul/client.js';

export interface ChurnInstance {
  id: string;
  service: string;
  port: number;
  tags: string[];
}

export interface Churn {
  /** Stops toggling and deregisters the instance if it is in; resolves with the changes made. */
  stop(): Promise<number>;
}

/**
 * Registers and deregisters `instance` in the agent every `everyMs`, alternately: a real
 * membership change each time (an address of its own that the route gains or loses).
 */
export function startChurn(client: ConsulClient, instance: ChurnInstance, everyMs = 1_000): Churn {
  let registered = false;
  let changes = 0;
  let pending: Promise<void> = Promise.resolve();
  const toggle = (): void => {
    registered = !registered;
    changes++;
    const op = (
      registered
        ? client.registerService({
            ID: instance.id,
            Name: instance.service,
            Address: '127.0.0.1',
            Port: instance.port,
            Tags: instance.tags,
          })
        : client.deregisterService(instance.id)
    ).catch(() => undefined);
    pending = Promise.all([pending, op]).then(() => undefined);
  };
  const timer = setInterval(toggle, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      if (registered) await client.deregisterService(instance.id).catch(() => undefined);
      return changes;
    },
  };
}
