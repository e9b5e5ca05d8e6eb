import type { Certificate } from './certificate.js';

/** Which certificate serves which host name: exact names and `*.` wildcards. */
export interface HostIndex {
  exact: Map<string, Certificate>;
  /** Keyed by the suffix after the wildcard label (".b.test" for "*.b.test"). */
  wildcard: Map<string, Certificate>;
  default?: Certificate;
}

/** Prefer the certificate valid longest (a renewal beside the old one), then the first name. */
function better(a: Certificate, b: Certificate | undefined): boolean {
  if (!b) return true;
  const d = a.notAfter.getTime() - b.notAfter.getTime();
  return d > 0 || (d === 0 && a.name < b.name);
}

/** Builds the index of a serving set; `defaultName` picks the default certificate. Pure. */
export function indexHosts(certs: readonly Certificate[], defaultName?: string): HostIndex {
  const index: HostIndex = { exact: new Map(), wildcard: new Map() };
  for (const c of certs) {
    for (const host of c.hosts) {
      const into = host.startsWith('*.') ? index.wildcard : index.exact;
      const key = host.startsWith('*.') ? host.slice(1) : host;
      if (better(c, into.get(key))) into.set(key, c);
    }
    if (c.name === defaultName) index.default = c;
  }
  return index;
}

/** A TLS server name as nginx and clients compare it: lower case, no trailing dot. */
export function normalizeServerName(name: string | undefined): string {
  return (name ?? '').toLowerCase().replace(/\.$/, '');
}

/**
 * The certificate for a handshake's SNI: the exact host, then the wildcard covering its first
 * label (as clients verify: `*.b.test` covers `a.b.test`, not `b.test` nor `x.a.b.test`), then
 * the default; undefined: refuse the handshake. No SNI selects the default.
 */
export function selectCertificate(
  index: HostIndex,
  serverName: string | undefined,
): Certificate | undefined {
  const name = normalizeServerName(serverName);
  if (name !== '') {
    const exact = index.exact.get(name);
    if (exact) return exact;
    const dot = name.indexOf('.');
    if (dot > 0) {
      const wild = index.wildcard.get(name.slice(dot));
      if (wild) return wild;
    }
  }
  return index.default;
}
