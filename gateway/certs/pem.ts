import { ToolkitError } from '../../common/errors.js';

/** Why a certificate was rejected: stable values for `details.reason`, logs and metrics. */
export type CertReason =
  | 'too-large'
  | 'unreadable'
  | 'malformed-pem'
  | 'no-certificate'
  | 'no-key'
  | 'key-encrypted'
  | 'key-unreadable'
  | 'key-mismatch'
  | 'chain-order'
  | 'expired'
  | 'not-yet-valid'
  | 'no-hosts'
  | 'bad-name'
  | 'name-conflict';

export const CERT_REASONS: readonly CertReason[] = [
  'too-large',
  'unreadable',
  'malformed-pem',
  'no-certificate',
  'no-key',
  'key-encrypted',
  'key-unreadable',
  'key-mismatch',
  'chain-order',
  'expired',
  'not-yet-valid',
  'no-hosts',
  'bad-name',
  'name-conflict',
];

/**
 * A rejected certificate: code E_CERTIFICATE, `details.source` and `details.reason`. The message
 * is built from fixed texts and the source only: never from PEM text or a crypto library's
 * message, so key material cannot reach a log, `/status` or a metric through it.
 */
export function certError(source: string, reason: CertReason, text: string): ToolkitError {
  return new ToolkitError(`certificate ${source}: ${text} (${reason})`, {
    code: 'E_CERTIFICATE',
    details: { source, reason },
  });
}

/** The reason of a rejection (E_CERTIFICATE), else "unreadable". */
export function reasonOf(error: unknown): CertReason {
  const reason = (error as ToolkitError | undefined)?.details?.reason;
  return CERT_REASONS.includes(reason as CertReason) ? (reason as CertReason) : 'unreadable';
}

/** The PEM blocks of a file: certificates in order, at most one private key. */
export interface PemParts {
  certificates: string[];
  key?: string;
  encryptedKey: boolean;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]{1,40})-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END \1-----/g;
const KEY_TYPES = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY']);

/**
 * Splits PEM text into blocks. Text outside blocks (openssl's `subject=` lines) is ignored; a
 * BEGIN line without its END, a body that is not base64, or two private keys make it malformed.
 */
export function splitPem(text: string, source: string): PemParts {
  const parts: PemParts = { certificates: [], encryptedKey: false };
  let blocks = 0;
  for (const m of text.matchAll(BLOCK)) {
    blocks++;
    const type = m[1] as string;
    const body = `-----BEGIN ${type}-----\n${(m[2] as string).replace(/\s+/g, '\n').trim()}\n-----END ${type}-----\n`;
    if (type === 'CERTIFICATE') parts.certificates.push(body);
    else if (type === 'ENCRYPTED PRIVATE KEY') parts.encryptedKey = true;
    else if (KEY_TYPES.has(type)) {
      if (parts.key !== undefined)
        throw certError(source, 'malformed-pem', 'more than one private key');
      parts.key = body;
    }
  }
  const begins = text.split('-----BEGIN ').length - 1;
  if (begins !== blocks)
    throw certError(source, 'malformed-pem', 'a PEM block is incomplete or not base64');
  return parts;
}
