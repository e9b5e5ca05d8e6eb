import { request } from 'node:http';

const PATH = '/__gateway/membership';

/**
 * Sends the whole membership table to the pool's control socket (PUT, idempotent) and returns
 * the version the pool answers with afterwards, or undefined when it did not answer.
 */
export function putMembership(
  socketPath: string,
  body: string,
  timeoutMs = 2_000,
): Promise<{ status: number; text: string } | undefined> {
  return new Promise((resolve) => {
    const req = request(
      {
        socketPath,
        path: PATH,
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
