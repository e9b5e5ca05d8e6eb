import type { TestCa } from './tls.js';

/** One bad certificate: its PEM texts and the reason the gateway must give. */
export interface BadCertificate {
  label: string;
  reason: string;
  cert: string;
  key?: string;
}

/**
 * The bad-input corpus: every way a certificate must be refused, generated with the test CA.
 * Each case would be served for `bad.test` if it were accepted.
 */
export async function badCertificates(ca: TestCa): Promise<BadCertificate[]> {
  const good = await ca.issue({ dns: ['bad.test'], intermediate: true });
  const expired = await ca.issue({ dns: ['bad.test'], fromDays: -10, toDays: -1 });
  const future = await ca.issue({ dns: ['bad.test'], fromDays: 2, toDays: 10 });
  const ipOnly = await ca.issue({ dns: ['IP:127.0.0.1'], cn: 'bad.test' });
  const tldWildcard = await ca.issue({ dns: ['*.test'] });
  const body = good.cert.split('\n').slice(1, -2).join('\n');
  const [leaf, intermediate] = good.chain.split(/(?<=-----END CERTIFICATE-----\n)/);
  return [
    {
      label: 'truncated PEM',
      reason: 'malformed-pem',
      cert: good.cert.slice(0, 200),
      key: good.key,
    },
    {
      label: 'not base64',
      reason: 'malformed-pem',
      cert: '-----BEGIN CERTIFICATE-----\nthis is not base64!\n-----END CERTIFICATE-----\n',
      key: good.key,
    },
    {
      label: 'base64 that is not a certificate',
      reason: 'malformed-pem',
      cert: `-----BEGIN CERTIFICATE-----\n${Buffer.from('hello world, not DER').toString('base64')}\n-----END CERTIFICATE-----\n`,
      key: good.key,
    },
    { label: 'empty file', reason: 'no-certificate', cert: '' },
    { label: 'no key', reason: 'no-key', cert: good.chain },
    { label: 'mismatched key', reason: 'key-mismatch', cert: good.chain, key: await ca.strayKey() },
    {
      label: 'key that is not a key',
      reason: 'key-unreadable',
      cert: good.chain,
      key: `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`,
    },
    {
      label: 'chain in the wrong order',
      reason: 'chain-order',
      cert: `${intermediate}${leaf}`,
      key: good.key,
    },
    { label: 'expired', reason: 'expired', cert: expired.cert, key: expired.key },
    { label: 'not yet valid', reason: 'not-yet-valid', cert: future.cert, key: future.key },
    { label: 'IP SAN only', reason: 'no-hosts', cert: ipOnly.cert, key: ipOnly.key },
    {
      label: 'wildcard over a TLD',
      reason: 'no-hosts',
      cert: tldWildcard.cert,
      key: tldWildcard.key,
    },
    {
      label: 'huge file',
      reason: 'too-large',
      cert: good.chain + `# ${'x'.repeat(100)}\n`.repeat(4000),
      key: good.key,
    },
  ];
}

/** The base64 lines of every private key in `texts`: none may appear in any output. */
export function keyLines(...texts: (string | undefined)[]): string[] {
  const lines: string[] = [];
  for (const t of texts)
    for (const m of (t ?? '').matchAll(/-----BEGIN [A-Z ]*PRIVATE KEY-----\n([\s\S]*?)-----END/g))
      lines.push(...(m[1] as string).split('\n').filter((l) => l.length >= 16));
  return lines;
}
