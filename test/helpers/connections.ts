import { execFileSync } from 'node:child_process';
import { request } from 'node:http';

/**
 * Established TCP connections to `port` on loopback, as `ss` sees them (optionally only those
 * of process `pid`): what the Consul agent counts against a client address.
 */
export function connectionsTo(port: number, pid?: number): number {
  const out = execFileSync('ss', ['-tnpH', 'state', 'established', `( dport = :${port} )`], {
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => pid === undefined || line.includes(`pid=${pid},`)).length;
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
