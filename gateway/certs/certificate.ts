/** Where a certificate came from: a file of --cert-dir or a key pair under --cert-kv-prefix. */
export type SourceKind = 'file' | 'consul';

/** What a source read for one certificate name (not validated yet). */
export interface CertificateInput {
  /** File base name or the KV folder name: the certificate's name (`--default-cert`, metrics). */
  name: string;
  kind: SourceKind;
  /** Shown in errors and /status: a file path or a Consul key. Never PEM text. */
  source: string;
  /** Chain PEM text; may hold the key too. */
  certPem: string;
  /** Key PEM text when it comes separately (`.key` file, `<name>/key`). */
  keyPem?: string;
  /** A read failure (too large, unreadable) already known before parsing. */
  error?: Error;
}

/** The public facts of a validated certificate (what /status and metrics show). */
export interface CertificateFacts {
  name: string;
  kind: SourceKind;
  source: string;
  /** SAN DNS names, lower-cased, sorted; wildcards only as `*.a.b`. */
  hosts: string[];
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the leaf (as `openssl x509 -fingerprint -sha256`). */
  fingerprint: string;
}

/**
 * A validated certificate: the chain (leaf first) and its key, normalised to PEM. The key is a
 * private field: JSON (status, logs through pino) and util.inspect show the facts only, and
 * `keyPem()` is the one way to read it (for the nginx data plane).
 */
export class Certificate implements CertificateFacts {
  readonly name: string;
  readonly kind: SourceKind;
  readonly source: string;
  readonly hosts: string[];
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly fingerprint: string;
  /** Leaf and intermediates, PEM, each block ending in a newline. */
  readonly chainPem: string;
  /** Identifies chain + key together (a new key with the same chain is a change). */
  readonly version: string;
  readonly #key: string;

  constructor(facts: CertificateFacts, chainPem: string, keyPem: string, version: string) {
    this.name = facts.name;
    this.kind = facts.kind;
    this.source = facts.source;
    this.hosts = facts.hosts;
    this.subject = facts.subject;
    this.issuer = facts.issuer;
    this.notBefore = facts.notBefore;
    this.notAfter = facts.notAfter;
    this.fingerprint = facts.fingerprint;
    this.chainPem = chainPem;
    this.version = version;
    this.#key = keyPem;
  }

  keyPem(): string {
    return this.#key;
  }

  toJSON(): CertificateFacts & { version: string } {
    return {
      name: this.name,
      kind: this.kind,
      source: this.source,
      hosts: this.hosts,
      subject: this.subject,
      issuer: this.issuer,
      notBefore: this.notBefore,
      notAfter: this.notAfter,
      fingerprint: this.fingerprint,
      version: this.version,
    };
  }

  /** Same as toJSON for util.inspect (console.log, test failure output). */
  [Symbol.for('nodejs.util.inspect.custom')](): object {
    return this.toJSON();
  }
}
