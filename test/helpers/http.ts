import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 128 });

/** One GET on a loopback URL: status and body, or status 0 on a connection error. */
export function get(url: string, timeoutMs = 2_000): Promise<{ status: number; body: string }> {
  if (!/^http:\/\/127\.\d+\.\d+\.\d+(:\d+)?\//.test(url)) throw new Error(`loopback only: ${url}`);
  return new Promise((resolve) => {
    const req = request(url, { agent, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: 0, body: '' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

export function closeAgent(): void {
  agent.destroy();
}
