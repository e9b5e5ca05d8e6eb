import { execa } from 'execa';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from '../../test/helpers/paths.js';

/** The protocol benchmarks' backends (bench/lib/protocol-backend.ts) in a child process. */
export interface ProtocolBackends {
  /** The loopback ports of the WebSocket echo and the gRPC echo. */
  ports: { ws: number; grpc: number };
  /** Closes the child's stdin (it stops its servers and exits) and waits for it. */
  stop(): Promise<void>;
}

/** Starts the backends and resolves once both listen (the child prints their ports). */
export async function startProtocolBackends(): Promise<ProtocolBackends> {
  const child = execa('npx', ['tsx', join(ROOT, 'bench/lib/protocol-backend.ts')], {
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'inherit',
  });
  const ports = await new Promise<{ ws: number; grpc: number }>((resolve) =>
    createInterface({ input: child.stdout! }).once('line', (l) => resolve(JSON.parse(l))),
  );
  return {
    ports,
    async stop() {
      child.stdin!.end();
      await child.catch(() => undefined);
    },
  };
}
