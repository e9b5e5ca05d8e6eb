import { createHash } from 'node:crypto';
import { describeError } from '../../common/errors.js';
import type { Certificate, CertificateInput, SourceKind } from './certificate.js';
import { encodeCertificateSet } from './encode.js';
import { daysLeft, expiryState, type ExpiryState } from './expiry.js';
import type { CertificateMetrics } from './metrics.js';
import { certError, reasonOf } from './pem.js';
import { indexHosts, selectCertificate, type HostIndex } from './select.js';
import { validateCertificate } from './validate.js';

/** One certificate as /status and the status page show it: never any PEM text. */
export interface CertificateStatus {
  name: string;
  kind: SourceKind;
  source: string;
  hosts: string[];
  issuer?: string;
  notAfter?: string;
  daysLeft?: number;
  /** `expiring`: within EXPIRY_WARN_DAYS of notAfter; `expired`: past it (still served). */
  expiry?: ExpiryState;
  /** Whether a version of it is being served (the last good one when `error` is set). */
  serving: boolean;
  isDefault: boolean;
  /** Why its latest version was rejected. */
  error?: string;
}

export interface Rejection {
  name: string;
  source: string;
  error: Error;
}

interface Entry {
  input: CertificateInput;
  /** Hash of what the source read: an unchanged input is not parsed again. */
  digest: string;
  good?: Certificate;
  error?: string;
}

export interface StoreOptions {
  defaultName?: string;
  metrics?: CertificateMetrics;
  now?: () => Date;
  maxBytes?: number;
}

/** Sources in precedence order: a name defined by both is served from the first. */
const KINDS: readonly SourceKind[] = ['file', 'consul'];

function digestOf(input: CertificateInput): string {
  return createHash('sha256')
    .update(input.source)
    .update('\0')
    .update(input.certPem)
    .update('\0')
    .update(input.keyPem ?? '')
    .update('\0')
    .update(input.error ? describeError(input.error) : '')
    .digest('hex');
}

/**
 * Merges the certificate sources. Each source reports its whole set (`update`); a new version
 * that fails validation is rejected and the last good version of that name keeps serving; a name
 * the source no longer has is dropped. `version` counts changes of the serving set.
 */
export class CertificateStore {
  private readonly entries = new Map<SourceKind, Map<string, Entry>>(
    KINDS.map((k) => [k, new Map()]),
  );
  private index: HostIndex = indexHosts([]);
  private servingSet: Certificate[] = [];
  private conflicts = new Map<string, string>();
  private serial = 0;

  constructor(private readonly options: StoreOptions = {}) {}

  /** Increases whenever the serving set changes (what the data plane must load). */
  get version(): number {
    return this.serial;
  }

  /** Replaces what one source provides; returns the inputs rejected by this update. */
  update(
    kind: SourceKind,
    inputs: readonly CertificateInput[],
  ): { changed: boolean; rejected: Rejection[] } {
    const now = this.options.now?.() ?? new Date();
    const before = this.entries.get(kind) as Map<string, Entry>;
    const after = new Map<string, Entry>();
    const rejected: Rejection[] = [];
    for (const input of inputs) {
      const digest = digestOf(input);
      const previous = before.get(input.name);
      if (previous?.digest === digest) {
        after.set(input.name, previous);
        continue;
      }
      const entry: Entry = { input, digest, ...(previous?.good ? { good: previous.good } : {}) };
      try {
        entry.good = validateCertificate(input, now, this.options.maxBytes);
      } catch (error) {
        entry.error = describeError(error);
        this.options.metrics?.reject(reasonOf(error));
        rejected.push({ name: input.name, source: input.source, error: error as Error });
      }
      after.set(input.name, entry);
    }
    this.entries.set(kind, after);
    return { changed: this.rebuild(), rejected };
  }

  /** The certificate a handshake with this SNI gets; undefined: refuse it. */
  select(serverName: string | undefined): Certificate | undefined {
    return selectCertificate(this.index, serverName);
  }

  /** The serving set, sorted by name: what the data plane loads. */
  certificates(): Certificate[] {
    return [...this.servingSet];
  }

  /** The set as the nginx side loads it (encode.ts), labelled with `version`. */
  encoded(version = this.serial): string {
    return encodeCertificateSet(this.servingSet, this.index, version);
  }

  /** The default certificate's name when it is being served. */
  get defaultName(): string | undefined {
    return this.index.default?.name;
  }

  /** Every name of every source, sorted by name then source. */
  status(): CertificateStatus[] {
    const now = this.options.now?.() ?? new Date();
    const out: CertificateStatus[] = [];
    for (const kind of KINDS)
      for (const [name, e] of this.entries.get(kind) as Map<string, Entry>) {
        const good = e.good;
        const conflict = this.conflicts.get(`${kind}\0${name}`);
        const error = conflict ?? e.error;
        out.push({
          name,
          kind,
          source: good?.source ?? e.input.source,
          hosts: good?.hosts ?? [],
          ...(good
            ? {
                issuer: good.issuer,
                notAfter: good.notAfter.toISOString(),
                daysLeft: daysLeft(good.notAfter, now),
                expiry: expiryState(good.notAfter, now),
              }
            : {}),
          serving: good !== undefined && conflict === undefined,
          isDefault: good !== undefined && conflict === undefined && this.index.default === good,
          ...(error ? { error } : {}),
        });
      }
    return out.sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : a.kind < b.kind ? -1 : 1,
    );
  }

  private rebuild(): boolean {
    const chosen = new Map<string, Certificate>();
    this.conflicts = new Map();
    for (const kind of KINDS)
      for (const [name, e] of this.entries.get(kind) as Map<string, Entry>) {
        if (!e.good) continue;
        const first = chosen.get(name);
        if (first) {
          const message = certError(
            e.input.source,
            'name-conflict',
            `name also used by ${first.source}`,
          ).message;
          this.conflicts.set(`${kind}\0${name}`, message);
          continue;
        }
        chosen.set(name, e.good);
      }
    const next = [...chosen.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    const key = (list: Certificate[]): string =>
      list.map((c) => `${c.name}\0${c.version}`).join('\n');
    const changed = key(next) !== key(this.servingSet);
    this.servingSet = next;
    this.index = indexHosts(next, this.options.defaultName);
    if (changed) {
      this.serial++;
      this.options.metrics?.serving(next);
    }
    return changed;
  }
}
