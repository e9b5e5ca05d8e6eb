import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { Certificate, type CertificateInput } from './certificate.js';
import { certError, splitPem } from './pem.js';

/** Most bytes a certificate (chain + key) may take: real chains are a few KB. */
export const MAX_CERT_BYTES = 256 * 1024;

/** Certificate names (file base names, KV folders): they label metrics and pick the default. */
export const CERT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
/** A DNS name, or a wildcard as the whole leftmost label over at least two labels (`*.a.b`). */
const CERT_HOST = new RegExp(
  `^(?:\\*\\.${LABEL}\\.${LABEL}(?:\\.${LABEL})*|${LABEL}(?:\\.${LABEL})*)$`,
);

export function isCertHost(value: string): boolean {
  return value.length <= 253 && CERT_HOST.test(value);
}

/**
 * The DNS names of a subjectAltName string ("DNS:a.b, DNS:*.c.d, IP Address:1.2.3.4"); Node
 * quotes entries holding separators, and those (and IPs, e-mail, URIs) are not hosts.
 */
export function sanHosts(subjectAltName: string | undefined): string[] {
  const hosts = new Set<string>();
  for (const entry of (subjectAltName ?? '').split(', ')) {
    const m = /^DNS:([^",\s]+)$/.exec(entry);
    const host = m?.[1]?.toLowerCase().replace(/\.$/, '');
    if (host && isCertHost(host)) hosts.add(host);
  }
  return [...hosts].sort();
}

function readKey(source: string, pem: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    // The crypto message is not passed on: it is generic, and nothing of the key may leak.
    throw certError(source, 'key-unreadable', 'the private key cannot be read');
  }
}

function readCerts(source: string, blocks: string[]): X509Certificate[] {
  return blocks.map((pem, i) => {
    try {
      return new X509Certificate(pem);
    } catch {
      throw certError(source, 'malformed-pem', `certificate ${i + 1} of the chain cannot be read`);
    }
  });
}

/** The certificate and key PEM blocks of an input: the key in the same text or its own. */
function pemParts(input: CertificateInput): { certs: string[]; key: string } {
  const { source } = input;
  const main = splitPem(input.certPem, source);
  const own = input.keyPem === undefined ? undefined : splitPem(input.keyPem, source);
  if (main.certificates.length === 0)
    throw certError(source, 'no-certificate', 'no CERTIFICATE block');
  const key = own?.key ?? main.key;
  if (key === undefined) {
    if (main.encryptedKey || own?.encryptedKey)
      throw certError(source, 'key-encrypted', 'the private key is encrypted');
    throw certError(source, 'no-key', 'no private key in the file or its .key');
  }
  return { certs: main.certificates, key };
}

/**
 * Validates one certificate at the boundary: size, PEM shape, chain order (each certificate
 * issued by the next), the key matches the leaf, the validity window contains `now`, and at
 * least one SAN DNS name. Throws E_CERTIFICATE naming the source and the reason.
 */
export function validateCertificate(
  input: CertificateInput,
  now: Date = new Date(),
  maxBytes = MAX_CERT_BYTES,
): Certificate {
  const { source } = input;
  if (input.error) throw input.error;
  if (!CERT_NAME.test(input.name))
    throw certError(source, 'bad-name', 'the name must be letters, digits, ".", "_" or "-"');
  const size = Buffer.byteLength(input.certPem) + Buffer.byteLength(input.keyPem ?? '');
  if (size > maxBytes) throw certError(source, 'too-large', `larger than ${maxBytes} bytes`);
  const { certs: blocks, key: keyText } = pemParts(input);
  const certs = readCerts(source, blocks);
  const leaf = certs[0] as X509Certificate;
  for (let i = 0; i + 1 < certs.length; i++)
    if (!(certs[i] as X509Certificate).checkIssued(certs[i + 1] as X509Certificate))
      throw certError(source, 'chain-order', `certificate ${i + 1} is not issued by the next`);
  const key = readKey(source, keyText);
  if (key.type !== 'private' || !leaf.checkPrivateKey(key))
    throw certError(source, 'key-mismatch', 'the private key does not match the certificate');
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (notBefore.getTime() > now.getTime())
    throw certError(source, 'not-yet-valid', `not valid before ${notBefore.toISOString()}`);
  if (notAfter.getTime() <= now.getTime())
    throw certError(source, 'expired', `expired at ${notAfter.toISOString()}`);
  const hosts = sanHosts(leaf.subjectAltName);
  if (hosts.length === 0)
    throw certError(source, 'no-hosts', 'no usable DNS name in the subject alternative names');
  const chainPem = blocks.join('');
  const keyPem = String(key.export({ type: 'pkcs8', format: 'pem' }));
  const version = createHash('sha256').update(chainPem).update(keyPem).digest('hex').slice(0, 16);
  const facts = {
    name: input.name,
    kind: input.kind,
    source,
    hosts,
    subject: leaf.subject.replace(/\n/g, ', '),
    issuer: leaf.issuer.replace(/\n/g, ', '),
    notBefore,
    notAfter,
    fingerprint: leaf.fingerprint256,
  };
  return new Certificate(facts, chainPem, keyPem, version);
}
