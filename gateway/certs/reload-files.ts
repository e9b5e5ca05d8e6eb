import { chmod, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Certificate } from './certificate.js';
import { writePrivate } from './placeholder.js';
import { indexHosts, selectCertificate, type HostIndex } from './select.js';
import { CERT_NAME } from './validate.js';

/** One served certificate as files nginx reads (reload mode): unquoted absolute paths. */
export interface CertificateFile {
  name: string;
  hosts: string[];
  cert: string;
  key: string;
  isDefault: boolean;
}

/** What the template model is built from: the files and which one serves which host. */
export interface CertificateFileSet {
  files: CertificateFile[];
  select(host: string): CertificateFile | undefined;
  defaultFile?: CertificateFile;
}

/** The short version tag in a file name: a new chain or key is a new path, so a new config. */
const tag = (c: Certificate): string => c.version.replace(/[^A-Za-z0-9]/g, '').slice(0, 16);

/**
 * Reload mode: the serving set as `<dir>/<name>.<version>.crt` (chain) and `.key` (0600) in a
 * 0700 folder, written atomically (tmp + rename); files of certificates gone are removed. The
 * version in the name changes the template output, so every change is a validated reload.
 * Names are checked against CERT_NAME again before they become paths.
 */
export class CertificateFiles {
  constructor(private readonly dir: string) {}

  async write(certs: readonly Certificate[], defaultName?: string): Promise<CertificateFileSet> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    const safe = certs.filter((c) => CERT_NAME.test(c.name) && tag(c) !== '');
    const byName = new Map<string, CertificateFile>();
    const keep = new Set<string>();
    for (const c of safe) {
      const base = `${c.name}.${tag(c)}`;
      const file: CertificateFile = {
        name: c.name,
        hosts: c.hosts,
        cert: join(this.dir, `${base}.crt`),
        key: join(this.dir, `${base}.key`),
        isDefault: c.name === defaultName,
      };
      await writePrivate(file.key, c.keyPem());
      await writeFile(`${file.cert}.tmp`, c.chainPem, { mode: 0o644 });
      await rename(`${file.cert}.tmp`, file.cert);
      keep.add(`${base}.crt`).add(`${base}.key`);
      byName.set(c.name, file);
    }
    for (const f of await readdir(this.dir))
      if (!keep.has(f)) await rm(join(this.dir, f), { force: true });
    const index: HostIndex = indexHosts(safe, defaultName);
    const fileOf = (c: Certificate | undefined): CertificateFile | undefined =>
      c ? byName.get(c.name) : undefined;
    const defaultFile = fileOf(index.default);
    return {
      files: [...byName.values()],
      select: (host) => fileOf(selectCertificate(index, host)),
      ...(defaultFile ? { defaultFile } : {}),
    };
  }
}
