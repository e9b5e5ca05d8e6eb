import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { ToolkitError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { HelperFactory, TemplateConfig } from '../template-renderer/index.js';
import type { TlsConfig } from './certs/config.js';
import { CertificateManager } from './certs/manager.js';
import { CertificateMetrics } from './certs/metrics.js';
import type { MainTls } from './certs/nginx-main.js';
import { writePlaceholder, writePrivate } from './certs/placeholder.js';
import { CertificateSync } from './certs/push.js';
import type { CertificateStatus } from './certs/store.js';
import type { GatewayMode } from './mode.js';
import type { WorkPaths } from './nginx-config.js';

/** The HTTPS front door of a running gateway: certificates from their sources to nginx. */
export interface Https {
  /** The nginx.conf pieces (createTiers -> ConfigApplier -> renderMainConfig). */
  main: MainTls;
  /** `--cert-kv-prefix`: the renderer's extra template and helpers (none without a prefix). */
  templates: TemplateConfig[];
  helpers: Record<string, HelperFactory>;
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
}

/**
 * Start-up of `--https-listen` (lua mode only: reload mode fails here with E_CONFIG). Writes the
 * placeholder certificate, scans `--cert-dir` and writes the set file (0600) nginx loads at its
 * start, so the first handshake already has the folder's certificates; KV certificates follow
 * with the renderer's first pass. Rejections are logged by the manager (source and reason).
 */
export async function startHttps(o: HttpsOptions): Promise<Https> {
  if (o.mode !== 'lua')
    throw new ToolkitError(
      '--https-listen needs lua mode (nginx with libnginx-mod-http-lua): certificates rotate ' +
        'through a shared dict; reload mode has no HTTPS listener yet',
      { code: 'E_CONFIG' },
    );
  const { tls, paths } = o;
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
      if (connected) void sync.push(store.encoded());
    },
  });
  const placeholder = await writePlaceholder(paths.root);
  await certs.start();
  await writePrivate(setFile, certs.store.encoded());
  const kv = certs.kvTemplate();
  log.info(
    { listen: tls.listen, certificates: certs.store.certificates().length },
    'HTTPS listener configured',
  );
  return {
    main: { listen: tls.listen, placeholder, setFile, redirectAll: tls.redirectHttps },
    templates: kv ? [kv.template] : [],
    helpers: kv?.helpers ?? {},
    status: () => certs.status(),
    async connect() {
      connected = true;
      await sync.push(certs.store.encoded());
    },
    async stop() {
      sync.stop();
      await certs.stop();
    },
  };
}
