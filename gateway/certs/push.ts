import { putControl, type PutAnswer } from '../pool-membership.js';
import { encodedVersion } from './encode.js';
import { CERTIFICATES_PATH } from './nginx-tls.js';
import { writePrivate } from './placeholder.js';

/** PUTs an encoded set to the control socket; undefined when nginx did not answer. */
export function putCertificateSet(
  socketPath: string,
  body: string,
): Promise<PutAnswer | undefined> {
  return putControl(socketPath, CERTIFICATES_PATH, body, 5_000);
}

export interface SyncOptions {
  /** nginx's control socket (the server holding certificatesControlLocation()). */
  socketPath: string;
  /** Written (mode 0600) before each PUT: what nginx loads at its next start. */
  setFile?: string;
  /** Called with nginx's refusal (a 400 text: never PEM) or "no answer". */
  onFailure?: (message: string) => void;
  retryMs?: number;
}

/**
 * Brings nginx's certificate set to the latest encoded set: file first, then PUT, confirmed by
 * the version nginx answers. An update that did not land (no answer, a refusal) is retried with
 * the latest set every `retryMs` until it does; a newer set replaces a pending one.
 */
export class CertificateSync {
  private latest?: string;
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private confirmed = 0;
  private stopped = false;

  constructor(private readonly o: SyncOptions) {}

  /** The version nginx confirmed last. */
  get version(): number {
    return this.confirmed;
  }

  /** Sends `body` (encodeCertificateSet); resolves once this attempt ended. */
  push(body: string): Promise<void> {
    this.latest = body;
    clearTimeout(this.timer);
    this.running = (this.running ?? Promise.resolve()).then(() => this.attempt());
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async attempt(): Promise<void> {
    const body = this.latest;
    if (body === undefined || this.stopped) return;
    const version = encodedVersion(body);
    if (version === this.confirmed) return;
    if (this.o.setFile) await writePrivate(this.o.setFile, body);
    const answer = await putCertificateSet(this.o.socketPath, body);
    if (answer?.status === 200 && Number(answer.text) === version) {
      this.confirmed = version;
      return;
    }
    this.o.onFailure?.(answer ? `nginx answered ${answer.status}: ${answer.text}` : 'no answer');
    this.timer = setTimeout(() => void this.push(this.latest as string), this.o.retryMs ?? 1_000);
    this.timer.unref();
  }
}
