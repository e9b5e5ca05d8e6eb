import { randomBytes } from 'node:crypto';
import type { HelperFactory, KeyPair, TemplateConfig } from '../../template-renderer/index.js';
import type { CertificateInput } from './certificate.js';
import { certError } from './pem.js';

/** The helper the certificate template calls (unlikely to clash with a user's template). */
export const KV_HELPER = 'gatewayCertificateKeys';

/**
 * The certificates under a KV prefix: `<prefix>/<name>/cert` (chain, may hold the key) and
 * `<prefix>/<name>/key`. Other keys are ignored; a name with a key but no cert is an input that
 * carries its error. Pure; sorted by name.
 */
export function kvInputs(prefix: string, pairs: readonly KeyPair[]): CertificateInput[] {
  const base = prefix.replace(/^\/+|\/+$/g, '');
  const byName = new Map<string, { cert?: KeyPair; key?: KeyPair }>();
  for (const p of pairs) {
    const m = /^([^/]+)\/(cert|key)$/.exec(p.Key);
    if (!m) continue;
    const entry = byName.get(m[1] as string) ?? {};
    entry[m[2] as 'cert' | 'key'] = p;
    byName.set(m[1] as string, entry);
  }
  const out: CertificateInput[] = [];
  for (const name of [...byName.keys()].sort()) {
    const { cert, key } = byName.get(name) as { cert?: KeyPair; key?: KeyPair };
    // The name is untrusted: shown JSON-quoted until validation accepts it (CERT_NAME).
    const source = `consul:${base}/${/^[\w.-]+$/.test(name) ? name : JSON.stringify(name)}`;
    out.push({
      name,
      kind: 'consul',
      source,
      certPem: cert?.Value ?? '',
      ...(key ? { keyPem: key.Value } : {}),
      ...(cert ? {} : { error: certError(source, 'no-certificate', 'no <name>/cert key') }),
    });
  }
  return out;
}

export interface KvTemplateOptions {
  prefix: string;
  /** Where the renderer writes the template's output: key names and indexes only, no PEM. */
  destination: string;
  /** Receives the whole set under the prefix whenever it changed. */
  onInputs: (inputs: CertificateInput[]) => void | Promise<void>;
}

/**
 * `--cert-kv-prefix` through the embedded template-renderer rather than a loop of its own: one
 * more template whose only query is a `tree` of the prefix, so the watch is a blocking query
 * with the ACL token inside the connection budget (its own connection while slots are free,
 * else the KV change feed), it shares the outage hold, and it appears in /status consulQueries.
 * The helper hands the pairs over and renders a digest (key paths and modify indexes, plus a
 * per-process nonce so the first render always runs `exec`); `exec` runs when it changed.
 * Add `template` to the renderer's templates and `helpers` to its helpers.
 */
export function certKvTemplate(o: KvTemplateOptions): {
  template: TemplateConfig;
  helpers: Record<string, HelperFactory>;
} {
  const nonce = randomBytes(8).toString('hex');
  let latest: KeyPair[] = [];
  const helper: HelperFactory = (ctx) => () => {
    latest = ctx.tree(o.prefix) ?? [];
    const lines = latest.map((p) => `${JSON.stringify(p.Path)} ${p.ModifyIndex}`);
    return [`# certificates under ${JSON.stringify(o.prefix)}, run ${nonce}`, ...lines].join('\n');
  };
  return {
    template: {
      contents: `{{{${KV_HELPER}}}}\n`,
      syntax: 'handlebars',
      destination: o.destination,
      perms: 0o600,
      wait: { minMs: 0, maxMs: 0 },
      exec: async () => {
        await o.onInputs(kvInputs(o.prefix, latest));
      },
    },
    helpers: { [KV_HELPER]: helper },
  };
}
