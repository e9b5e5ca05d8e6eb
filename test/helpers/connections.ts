import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { socketInodes } from '../../common/process/proc-sockets.js';

/** Socket inodes of established TCP connections whose remote port is `port` (/proc/net/tcp*). */
function establishedTo(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f[3] === '01' && f[2]?.endsWith(`:${hexPort}`) && f[9]) inodes.add(f[9]);
    }
  }
  return inodes;
}

/**
 * Established TCP connections to `port` on loopback (optionally only those of process `pid`):
 * what the Consul agent counts against a client address. Read from /proc, as `ss` does, but for
 * one process only: `ss -p` walked every process's files (tens of ms, blocking the caller's event
 * loop, each time a benchmark sampled it). The process's sockets: common/process/proc-sockets.ts.
 */
export async function connectionsTo(port: number, pid?: number): Promise<number> {
  const inodes = establishedTo(port);
  if (pid === undefined) return inodes.size;
  return [...(await socketInodes(pid))].filter((inode) => inodes.has(inode)).length;
}

/**
 * The highest `connectionsTo(port, pid)` seen, sampled every `intervalMs` until `stop()`: how
 * tests and benchmarks check a process's connection budget while it works. `pid` is read at each
 * sample (a process still starting has none yet).
 */
export function sampleConnections(
  port: number,
  pid: () => number | undefined,
  intervalMs = 100,
): { readonly peak: number; stop(): void } {
  let peak = 0;
  const timer = setInterval(() => {
    const p = pid();
    if (p !== undefined) void connectionsTo(port, p).then((n) => (peak = Math.max(peak, n)));
  }, intervalMs);
  return {
    get peak() {
      return peak;
    },
    stop: () => clearInterval(timer),
  };
}

/** One GET on a fresh connection (no keep-alive pool): what a new client of the agent gets. */
export function plainGet(
  url: string,
  timeoutMs = 5_000,
): Promise<{ status: number; error?: string }> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve({ status: 0, error: error.message }));
    req.end();
  });
}
