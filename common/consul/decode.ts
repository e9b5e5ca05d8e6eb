import { isAscii } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import type { ConsulTraffic } from './traffic.js';

/**
 * Undoes gzip (magic bytes 1f 8b) when present; the transports ask Consul to gzip. ASCII (nearly
 * every answer) is decoded as latin1, the same characters: Node's UTF-8 decoder took 5-6 ms for
 * the 1 MB catalog summary of 5,000 services, latin1 0.3 ms.
 */
function gunzipped(body: Buffer): string {
  const plain = body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body;
  return isAscii(plain) ? plain.toString('latin1') : plain.toString('utf8');
}

/** The body as text, its bytes (as received) counted as read. */
export function bodyText(traffic: ConsulTraffic, body: Buffer): string {
  traffic.bytesRead += body.length;
  return gunzipped(body);
}

/** The `consul` package decodes by content type only; these undo gzip first. */
export function gzipAwareDecoders(
  traffic: ConsulTraffic,
): Record<string, (body: Buffer) => unknown> {
  const text = (body: Buffer): string => bodyText(traffic, body);
  return {
    'application/json': (body) => JSON.parse(text(body)),
    'text/json': (body) => JSON.parse(text(body)),
    'text/plain': (body) => text(body),
  };
}

/**
 * A body as the `consul` package would give it: JSON parsed, text as text, anything else as
 * bytes; `asText` (a caller that scans a large answer its own way) always as text. Throws on
 * JSON that does not parse.
 */
export function decodeBody(
  traffic: ConsulTraffic,
  contentType: string | undefined,
  body: Buffer,
  asText: boolean,
): unknown {
  if (asText) return bodyText(traffic, body);
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json' || type === 'text/json')
    return body.length === 0 ? undefined : JSON.parse(bodyText(traffic, body));
  if (type === 'text/plain') return bodyText(traffic, body);
  traffic.bytesRead += body.length;
  return body.length === 0 ? undefined : body;
}
