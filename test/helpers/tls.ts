import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/** A leaf certificate issued at run time: PEM texts, never files the tests must clean. */
export interface TestLeaf {
  /** The leaf alone. */
  cert: string;
  /** Leaf then intermediate (when issued by one): what a server sends. */
  chain: string;
  key: string;
  serial: string;
}

export interface LeafOptions {
  /** Subject alternative names: `DNS:` entries ("a.test", "*.b.test") or "IP:127.0.0.1". */
  dns: string[];
  cn?: string;
  /** Validity window relative to now, in days (default -1 .. +30). */
  fromDays?: number;
  toDays?: number;
  /** Issue through the intermediate CA (chain = leaf + intermediate). */
  intermediate?: boolean;
  /** Key algorithm (default ec, P-256: fast to generate). */
  keyType?: 'ec' | 'rsa';
}

export interface TestCa {
  /** The root certificate clients trust. */
  root: string;
  issue(options: LeafOptions): Promise<TestLeaf>;
  /** A private key that matches no certificate. */
  strayKey(): Promise<string>;
  cleanup(): void;
}

const CA_CONF = (dir: string): string => `[ ca ]
default_ca = toolkit
[ toolkit ]
database = ${dir}/index.txt
new_certs_dir = ${dir}
serial = ${dir}/serial
default_md = sha256
policy = any
unique_subject = no
email_in_dn = no
[ any ]
commonName = supplied
`;

const words = (text: string): string[] => text.split(' ');
const ROOT = '-new -key root.key -days 30 -out root.crt';
const CSR = '-key int.key -out int.csr';
const INTERMEDIATE =
  'x509 -req -in int.csr -CA root.crt -CAkey root.key -CAcreateserial -days 30 -extfile ext.cnf -extensions ca_ext -out int.crt';

async function openssl(args: string[], cwd: string): Promise<void> {
  await execa('openssl', args, { cwd });
}

/** openssl ca's date format: YYYYMMDDHHMMSSZ (UTC). */
function caDate(offsetDays: number): string {
  const d = new Date(Date.now() + offsetDays * 86_400_000);
  return d
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

async function newKey(dir: string, file: string, type: 'ec' | 'rsa'): Promise<string> {
  const opts =
    type === 'ec'
      ? ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']
      : ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'];
  await openssl(['genpkey', ...opts, '-out', file], dir);
  return readFileSync(join(dir, file), 'utf8');
}

/**
 * A test CA generated with the `openssl` CLI at run time: a root, an intermediate it signed,
 * and leaves with any SANs and validity window (expired, not yet valid) via `openssl ca`.
 */
export async function createTestCa(): Promise<TestCa> {
  const dir = mkdtempSync(join(tmpdir(), 'test-ca-'));
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(join(dir, 'ca.cnf'), CA_CONF(dir));
  writeFileSync(
    join(dir, 'ext.cnf'),
    '[ ca_ext ]\nbasicConstraints = critical, CA:true\nkeyUsage = critical, keyCertSign, cRLSign\n',
  );
  await newKey(dir, 'root.key', 'ec');
  await openssl(['req', '-x509', '-subj', '/CN=Toolkit Test Root', ...words(ROOT)], dir);
  await newKey(dir, 'int.key', 'ec');
  await openssl(['req', '-new', '-subj', '/CN=Toolkit Test Intermediate', ...words(CSR)], dir);
  await openssl(words(INTERMEDIATE), dir);
  const root = readFileSync(join(dir, 'root.crt'), 'utf8');
  const intermediate = readFileSync(join(dir, 'int.crt'), 'utf8');
  let n = 0;
  // openssl ca keeps its serial and index in files: one issue at a time.
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  const issue = async (o: LeafOptions): Promise<TestLeaf> => {
    const id = `leaf${++n}`;
    const key = await newKey(dir, `${id}.key`, o.keyType ?? 'ec');
    const cn = o.cn ?? o.dns.find((d) => !d.startsWith('IP:')) ?? 'leaf';
    const sans = o.dns.map((d) => (d.startsWith('IP:') ? d : `DNS:${d}`)).join(', ');
    writeFileSync(
      join(dir, `${id}.ext`),
      `[ leaf ]\nbasicConstraints = CA:false\nkeyUsage = digitalSignature, keyEncipherment\nextendedKeyUsage = serverAuth\n` +
        (sans ? `subjectAltName = ${sans}\n` : ''),
    );
    await openssl(
      ['req', '-new', '-subj', `/CN=${cn}`, ...words(`-key ${id}.key -out ${id}.csr`)],
      dir,
    );
    const ca = o.intermediate ? 'int' : 'root';
    const sign = `ca -batch -notext -config ca.cnf -cert ${ca}.crt -keyfile ${ca}.key`;
    const dates = ['-startdate', caDate(o.fromDays ?? -1), '-enddate', caDate(o.toDays ?? 30)];
    const leaf = `-extfile ${id}.ext -extensions leaf -in ${id}.csr -out ${id}.crt`;
    await openssl([...words(sign), ...dates, ...words(leaf)], dir);
    const cert = readFileSync(join(dir, `${id}.crt`), 'utf8');
    const serial = readFileSync(join(dir, 'serial.old'), 'utf8').trim();
    return { cert, chain: o.intermediate ? cert + intermediate : cert, key, serial };
  };
  return {
    root,
    issue: (o) => serialized(() => issue(o)),
    async strayKey() {
      return newKey(dir, `stray${++n}.key`, 'ec');
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
