import type Docker from 'dockerode';

export interface ContainerEvent {
  id: string;
  action: string;
  /** Epoch ms, from the engine's timeNano. */
  time: number;
  /** For kill events: the signal number, as Docker reports it ("15"). */
  signal?: string;
  /** The container's name (a Swarm task's: <service>.<slot>.<task id>). */
  name?: string;
}

/** Records the container `start` and `kill` events of one engine until stopped. */
export function startDockerEvents(docker: Docker): { stop(): Promise<ContainerEvent[]> } {
  const events: ContainerEvent[] = [];
  let stream: NodeJS.ReadableStream | undefined;
  const ready = docker
    .getEvents({ filters: { type: ['container'], event: ['start', 'kill'] } })
    .then((s) => {
      stream = s;
      let rest = '';
      s.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString()).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.trim()) continue;
          const e = JSON.parse(line) as {
            id: string;
            Action: string;
            timeNano: number;
            Actor?: { Attributes?: Record<string, string> };
          };
          const signal = e.Actor?.Attributes?.signal;
          const name = e.Actor?.Attributes?.name;
          events.push({
            id: e.id,
            action: e.Action,
            time: e.timeNano / 1e6,
            ...(signal ? { signal } : {}),
            ...(name ? { name } : {}),
          });
        }
      });
    });
  return {
    async stop() {
      await ready;
      (stream as unknown as { destroy?: () => void }).destroy?.();
      return events;
    },
  };
}
