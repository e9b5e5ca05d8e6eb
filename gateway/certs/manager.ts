import type { Logger } from '../../common/log.js';
import type { HelperFactory, TemplateConfig } from '../../template-renderer/index.js';
import type { CertificateInput, SourceKind } from './certificate.js';
import { DirSource } from './dir-source.js';
import { ExpiryWatch } from './expiry.js';
import { certKvTemplate } from './kv-source.js';
import type { CertificateMetrics } from './metrics.js';
import { reasonOf } from './pem.js';
import { CertificateStore, type CertificateStatus } from './store.js';

export interface CertificateManagerOptions {
  /** `--cert-dir`. */
  certDir?: string;
  /** `--cert-kv-prefix`, with `kvDestination` for the renderer's digest file. */
  kvPrefix?: string;
  kvDestination?: string;
  /** `--default-cert`. */
  defaultName?: string;
  metrics?: CertificateMetrics;
  log: Logger;
  /** The serving set changed: send `store.encoded()` to nginx (CertificateSync.push). */
  onChange?: (store: CertificateStore) => void;
  now?: () => Date;
  debounceMs?: number;
}

/**
 * The certificate sources merged into one store: the folder (watched here) and Consul KV (a
 * template for the embedded renderer, see kvTemplate). Each rejection is logged once, as an
 * error naming the source and the reason; the last good version keeps serving. A served
 * certificate that nears or passes its expiry is logged too (expiry.ts).
 */
export class CertificateManager {
  readonly store: CertificateStore;
  private readonly dir?: DirSource;
  private readonly log: Logger;
  private readonly expiry: ExpiryWatch;

  constructor(private readonly o: CertificateManagerOptions) {
    this.log = o.log.child({ component: 'certs' });
    this.expiry = new ExpiryWatch({ log: this.log, ...(o.now ? { now: o.now } : {}) });
    this.store = new CertificateStore({
      ...(o.defaultName ? { defaultName: o.defaultName } : {}),
      ...(o.metrics ? { metrics: o.metrics } : {}),
      ...(o.now ? { now: o.now } : {}),
    });
    if (o.certDir)
      this.dir = new DirSource({
        dir: o.certDir,
        log: this.log,
        onScan: (inputs) => this.update('file', inputs),
        ...(o.debounceMs !== undefined ? { debounceMs: o.debounceMs } : {}),
      });
  }

  /** Scans the folder (its certificates are in the store when this resolves) and watches it. */
  async start(): Promise<void> {
    await this.dir?.start();
  }

  async stop(): Promise<void> {
    this.expiry.stop();
    await this.dir?.stop();
  }

  /** The renderer template + helpers for `--cert-kv-prefix`; undefined without one. */
  kvTemplate(): { template: TemplateConfig; helpers: Record<string, HelperFactory> } | undefined {
    const { kvPrefix, kvDestination } = this.o;
    if (!kvPrefix || !kvDestination) return undefined;
    return certKvTemplate({
      prefix: kvPrefix,
      destination: kvDestination,
      onInputs: (inputs) => this.update('consul', inputs),
    });
  }

  status(): CertificateStatus[] {
    return this.store.status();
  }

  /** Every host name a served certificate covers (`*.a.b` for wildcards), sorted. */
  hosts(): string[] {
    return [...new Set(this.store.certificates().flatMap((c) => c.hosts))].sort();
  }

  /** Replaces one source's set in the store (also for tests and library callers). */
  update(kind: SourceKind, inputs: CertificateInput[]): void {
    const { changed, rejected } = this.store.update(kind, inputs);
    for (const r of rejected)
      this.log.error(
        { source: r.source, reason: reasonOf(r.error), err: r.error.message },
        'certificate rejected; the previous version of it keeps serving',
      );
    if (!changed) return;
    const certs = this.store.certificates();
    this.log.info(
      { certificates: certs.length, version: this.store.version, default: this.store.defaultName },
      'certificate set changed',
    );
    this.expiry.update(certs);
    this.o.onChange?.(this.store);
  }
}
