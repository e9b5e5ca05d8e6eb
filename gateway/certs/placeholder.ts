import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { chmod, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Minimal DER: enough for one self-signed ECDSA P-256 certificate without extensions. */
function der(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const len =
    n < 0x80
      ? Buffer.from([n])
      : n < 0x100
        ? Buffer.from([0x81, n])
        : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
const seq = (...parts: Buffer[]): Buffer => der(0x30, Buffer.concat(parts));
const oid = (hex: string): Buffer => der(0x06, Buffer.from(hex, 'hex'));
/** ecdsa-with-SHA256 (1.2.840.10045.4.3.2). */
const ECDSA_SHA256 = seq(oid('2a8648ce3d040302'));

function utcTime(d: Date): Buffer {
  const s = d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  return der(0x17, Buffer.from(s, 'ascii'));
}

function name(cn: string): Buffer {
  // SET { SEQUENCE { commonName (2.5.4.3), UTF8String } }
  return seq(der(0x31, seq(oid('550403'), der(0x0c, Buffer.from(cn, 'utf8')))));
}

/** A self-signed certificate for `key` (PEM). Pure apart from the random serial. */
export function selfSigned(
  key: KeyObject,
  publicKey: KeyObject,
  cn: string,
  now = new Date(),
): string {
  const serial = randomBytes(8);
  serial[0] = ((serial[0] as number) & 0x7f) | 0x40; // positive and minimal INTEGER
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))), // version v3
    der(0x02, serial),
    ECDSA_SHA256,
    name(cn),
    seq(utcTime(now), utcTime(new Date(now.getTime() + 3650 * 86_400_000))),
    name(cn),
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, key);
  const cert = seq(tbs, ECDSA_SHA256, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const b64 = cert.toString('base64').replace(/.{64}/g, '$&\n').trimEnd();
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

export interface Placeholder {
  cert: string;
  key: string;
}

/**
 * The fallback certificate nginx requires in every TLS server even when ssl_certificate_by_lua
 * chooses the real one: generated at each start (never the same twice, never sent: the Lua
 * handler refuses a handshake it has no certificate for), its key written with mode 0600.
 */
export async function writePlaceholder(dir: string): Promise<Placeholder> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const paths = { cert: join(dir, 'tls-placeholder.crt'), key: join(dir, 'tls-placeholder.key') };
  const keyPem = String(privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writePrivate(paths.key, keyPem);
  await writeFile(
    `${paths.cert}.tmp`,
    selfSigned(privateKey, publicKey, 'gateway-placeholder.invalid'),
  );
  await rename(`${paths.cert}.tmp`, paths.cert);
  return paths;
}

/** Writes a file only its owner can read (created 0600, never wider), atomically. */
export async function writePrivate(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}
