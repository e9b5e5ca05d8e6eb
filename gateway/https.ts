import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { Logger } from '../common/log.js';
import type { HelperFactory, TemplateConfig } from '../template-renderer/index.js';
import type { TlsConfig } from './certs/config.js';
import { CertificateManager } from './certs/manager.js';
import { CertificateMetrics } from './certs/metrics.js';
import type { MainTls } from './certs/nginx-main.js';
import { writePlaceholder, writePrivate } from './certs/placeholder.js';
import { CertificateSync } from './certs/push.js';
import { CertificateFiles, type CertificateFileSet } from './certs/reload-files.js';
import { reloadTlsModel } from './certs/reload-model.js';
import type { CertificateStatus } from './certs/store.js';
import type { GatewayMode } from './mode.js';
import type { WorkPaths } from './nginx-config.js';
import type { TemplateModel } from './template-helpers.js';

/** The HTTPS front door of a running gateway: certificates from their sources to nginx. */
export interface Https {
  /** The nginx.conf pieces (createTiers -> ConfigApplier -> renderMainConfig). */
  main: MainTls;
  /** `--cert-kv-prefix`: the renderer's extra template and helpers (none without a prefix). */
  templates: TemplateConfig[];
  helpers: Record<string, HelperFactory>;
  /** Reload mode: adds the certificate files to the template model (lua mode: unchanged). */
  decorate(model: TemplateModel): TemplateModel;
  /** What /status and the page list: hosts, source, issuer, not-after, days left, error. */
  status(): CertificateStatus[];
  /** nginx runs: from now on each change of the set is PUT to its control socket. */
  connect(): Promise<void>;
  stop(): Promise<void>;
}

export interface HttpsOptions {
  tls: TlsConfig;
  mode: GatewayMode;
  paths: WorkPaths;
  registry: Registry;
  log: Logger;
  /** Reload mode: render the template again (a certificate change is a validated reload). */
  rerender?: () => Promise<void>;
}

/**
 * Start-up of `--https-listen`. Writes the placeholder certificate, scans `--cert-dir` and, in
 * lua mode, writes the set file (0600) nginx loads at its start, so the first handshake already
 * has the folder's certificates; KV certificates follow with the renderer's first pass. Reload
 * mode writes the set as files in `<work-dir>/certs` instead (reload-files.ts) and each change
 * re-renders the template: render, nginx -t, swap, reload. Rejections are logged by the manager.
 */
export async function startHttps(o: HttpsOptions): Promise<Https> {
  const { tls, paths } = o;
  const files = o.mode === 'reload' ? new CertificateFiles(join(paths.root, 'certs')) : undefined;
  let fileSet: CertificateFileSet | undefined;
  let writing: Promise<void> = Promise.resolve();
  /** Writes the files of the current set (one write at a time), then re-renders. */
  const refresh = (): Promise<void> =>
    (writing = writing
      .then(async () => {
        if (!files) return;
        fileSet = await files.write(certs.store.certificates(), certs.store.defaultName);
        if (connected) await o.rerender?.();
      })
      .catch((e: unknown) => log.error({ err: String(e) }, 'certificate files not written')));
  const log = o.log.child({ component: 'https' });
  const setFile = join(paths.root, 'certificates.set');
  const sync = new CertificateSync({
    socketPath: paths.control,
    setFile,
    onFailure: (message) =>
      log.warn({ error: message }, 'certificate set not loaded by nginx yet; retrying'),
  });
  let connected = false;
  const certs = new CertificateManager({
    ...(tls.certDir ? { certDir: tls.certDir } : {}),
    ...(tls.kvPrefix
      ? { kvPrefix: tls.kvPrefix, kvDestination: join(paths.root, 'render', 'certificates.kv') }
      : {}),
    ...(tls.defaultCert ? { defaultName: tls.defaultCert } : {}),
    metrics: new CertificateMetrics(o.registry),
    log: o.log,
    onChange: (store) => {
      if (files) void refresh();
      else if (connected) void sync.push(store.encoded());
    },
  });
  const placeholder = await writePlaceholder(paths.root);
  await certs.start();
  if (files) await refresh();
  else await writePrivate(setFile, certs.store.encoded());
  const kv = certs.kvTemplate();
  log.info(
    { listen: tls.listen, certificates: certs.store.certificates().length },
    'HTTPS listener configured',
  );
  return {
    main: { listen: tls.listen, placeholder, setFile, redirectAll: tls.redirectHttps },
    templates: kv ? [kv.template] : [],
    helpers: kv?.helpers ?? {},
    decorate: (model) =>
      fileSet
        ? { ...model, ...reloadTlsModel(model.hosts, fileSet, tls.listen, tls.redirectHttps) }
        : model,
    status: () => certs.status(),
    async connect() {
      connected = true;
      if (!files) await sync.push(certs.store.encoded());
    },
    async stop() {
      sync.stop();
      await certs.stop();
    },
  };
}
