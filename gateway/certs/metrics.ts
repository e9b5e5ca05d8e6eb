import { Counter, Gauge, type Registry } from 'prom-client';
import type { Certificate } from './certificate.js';
import { CERT_REASONS, type CertReason } from './pem.js';

/** The certificate metrics, registered on the gateway's registry (GatewayMetrics.registry). */
export class CertificateMetrics {
  readonly expiry: Gauge<'name'>;
  readonly rejected: Counter<'reason'>;

  constructor(registry: Registry) {
    this.expiry = new Gauge({
      name: 'gateway_certificate_expiry_timestamp_seconds',
      help: 'Not-after time of each certificate being served (Unix seconds), by certificate name',
      labelNames: ['name'] as const,
      registers: [registry],
    });
    this.rejected = new Counter({
      name: 'gateway_certificates_rejected_total',
      help: 'Certificate versions rejected at validation (the previous good one keeps serving), by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    });
    for (const reason of CERT_REASONS) this.rejected.inc({ reason }, 0);
  }

  /** The expiry gauges follow the serving set (names that left are removed). */
  serving(certs: readonly Certificate[]): void {
    this.expiry.reset();
    for (const c of certs)
      this.expiry.set({ name: c.name }, Math.floor(c.notAfter.getTime() / 1000));
  }

  reject(reason: CertReason): void {
    this.rejected.inc({ reason });
  }
}
