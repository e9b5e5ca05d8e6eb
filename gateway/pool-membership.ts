import { request } from 'node:http';

/** What nginx answered to a control PUT. */
export interface PutAnswer {
  status: number;
  text: string;
}

/**
 * PUTs a whole table (routes, or certificates) to a location of nginx's control socket
 * (idempotent) and returns what nginx answered (the version it holds afterwards), or undefined
 * when it did not answer in time.
 */
export function putControl(
  socketPath: string,
  path: string,
  body: string,
  timeoutMs = 2_000,
): Promise<PutAnswer | undefined> {
  return new Promise((resolve) => {
    const req = request(
      {
        socketPath,
        path,
        method: 'PUT',
        timeout: timeoutMs,
        agent: false,
        headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: text.trim() }));
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
    req.end(body);
  });
}

/** The route table to `/__gateway/membership` (lua-phases.ts). */
export function putMembership(socketPath: string, body: string): Promise<PutAnswer | undefined> {
  return putControl(socketPath, '/__gateway/membership', body);
}
