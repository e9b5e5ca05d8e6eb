import { watch, type FSWatcher } from 'chokidar';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { configError, describeError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import type { CertificateInput } from './certificate.js';
import { certError } from './pem.js';
import { MAX_CERT_BYTES } from './validate.js';

const CERT_FILE = /^([^.].*)\.(pem|crt)$/;

/** Reads a file unless it is larger than `maxBytes` (checked before reading). */
async function readBounded(path: string, maxBytes: number): Promise<string> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw certError(
      path,
      'unreadable',
      `cannot be read (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  if (!info.isFile()) throw certError(path, 'unreadable', 'not a regular file');
  if (info.size > maxBytes) throw certError(path, 'too-large', `larger than ${maxBytes} bytes`);
  return readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw certError(path, 'unreadable', `cannot be read (${error.code})`);
  });
}

/**
 * One scan of a certificate folder: each `<name>.pem` / `<name>.crt` holds a chain, its key in
 * the same file or in `<name>.key` (`.pem` wins when both exist). Files are read whole or not at
 * all: one too large or unreadable becomes an input carrying the error. Sorted by name.
 */
export async function readCertDir(
  dir: string,
  maxBytes = MAX_CERT_BYTES,
): Promise<CertificateInput[]> {
  const names = (await readdir(dir)).sort();
  const present = new Set(names);
  const out = new Map<string, CertificateInput>();
  for (const file of names) {
    const m = CERT_FILE.exec(file);
    if (!m) continue;
    const name = m[1] as string;
    if (out.has(name)) continue;
    const source = join(dir, file);
    const input: CertificateInput = { name, kind: 'file', source, certPem: '' };
    try {
      input.certPem = await readBounded(source, maxBytes);
      if (present.has(`${name}.key`))
        input.keyPem = await readBounded(join(dir, `${name}.key`), maxBytes);
    } catch (error) {
      input.error = error as Error;
    }
    out.set(name, input);
  }
  return [...out.values()];
}

export interface DirSourceOptions {
  dir: string;
  /** Every scan's whole set (the store replaces this source's certificates with it). */
  onScan: (inputs: CertificateInput[]) => void;
  log: Logger;
  /** Quiet time after the last file event before scanning (partial writes settle). */
  debounceMs?: number;
  maxBytes?: number;
}

/**
 * `--cert-dir`: scanned at start, then watched; any add, change or delete rescans the folder
 * once the events settle, so a file written in several steps (or a chain then its `.key`) is
 * read once it is complete, and a deleted file's certificate goes.
 */
export class DirSource {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private scanning: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly o: DirSourceOptions) {}

  async start(): Promise<void> {
    const info = await stat(this.o.dir).catch(() => undefined);
    if (!info?.isDirectory()) throw configError('--cert-dir', 'a readable folder', this.o.dir);
    await this.scan();
    const w = watch(this.o.dir, { ignoreInitial: true, depth: 0 });
    this.watcher = w;
    w.on('all', () => this.schedule());
    w.on('error', (e) =>
      this.o.log.warn({ err: describeError(e) }, 'certificate folder watch error'),
    );
    await new Promise<void>((resolve) => w.once('ready', () => resolve()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.watcher?.close();
    await this.scanning;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.scan(), this.o.debounceMs ?? 150);
  }

  private scan(): Promise<void> {
    this.scanning = this.scanning.then(async () => {
      if (this.stopped) return;
      try {
        this.o.onScan(await readCertDir(this.o.dir, this.o.maxBytes));
      } catch (error) {
        // The folder itself went away or cannot be listed: keep what is served, say so.
        this.o.log.error(
          { dir: this.o.dir, err: describeError(error) },
          'certificate folder unreadable',
        );
      }
    });
    return this.scanning;
  }
}
