import type { Certificate } from './certificate.js';
import type { HostIndex } from './select.js';

/**
 * The certificate set as the nginx side reads it (`gateway_certs.load`), replaced whole:
 *
 *     v <version>
 *     d <default name | ->
 *     h <host | *.suffix> <name>        one line per host, already resolved by the store
 *     c <name> <cert version>           then the chain PEM, then the key PEM (PKCS#8)
 *
 * Data only. Names passed CERT_NAME, hosts the SAN grammar, versions are hex, and PEM lines are
 * base64 or BEGIN/END lines: the Lua side checks each line against a pattern and parses each
 * PEM with OpenSSL before it replaces anything. Output is sorted: the same set, the same bytes.
 */
export function encodeCertificateSet(
  certs: readonly Certificate[],
  index: HostIndex,
  version: number,
): string {
  const lines = [`v ${version}`, `d ${index.default?.name ?? '-'}`];
  const hosts: [string, string][] = [];
  for (const [host, c] of index.exact) hosts.push([host, c.name]);
  for (const [suffix, c] of index.wildcard) hosts.push([`*${suffix}`, c.name]);
  hosts.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [host, name] of hosts) lines.push(`h ${host} ${name}`);
  const sorted = [...certs].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const c of sorted)
    lines.push(`c ${c.name} ${c.version}`, c.chainPem.trimEnd(), c.keyPem().trimEnd());
  return lines.join('\n') + '\n';
}

/** The version an encoded set carries (its first line). */
export function encodedVersion(body: string): number {
  return Number(/^v (\d+)\n/.exec(body)?.[1] ?? NaN);
}
