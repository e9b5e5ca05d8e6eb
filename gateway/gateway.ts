import { createServer, type Server } from 'node:http';
import { describeConsul } from '../common/consul/config.js';
import { describeError, isToolkitError } from '../common/errors.js';
import { createLogger, type Logger } from '../common/log.js';
import { createRenderer, type Renderer } from '../template-renderer/index.js';
import type { GatewayConfig } from './config.js';
import { startHttps, type Https } from './https.js';
import { GatewayMetrics } from './metrics.js';
import { resolveMode } from './mode.js';
import { accessLogArgs, placeholderRoutes, workPaths, type WorkPaths } from './nginx-config.js';
import { ROUTE_HEADER } from './pool-config.js';
import { buildRouteTable, type RouteTable } from './routes.js';
import { routeErrorLogger } from './route-error-log.js';
import { RouteMemory } from './route-memory.js';
import { createStatusApp } from './status-app.js';
import { addRendererStatus, StatusStore, type GatewayStatus } from './status.js';
import { defaultTemplatePath, gatewayHelpers, upstreamCaValue } from './template-helpers.js';
import { createTiers, type Tiers } from './tiers.js';
import { prepareWorkDir } from './worker-access.js';

export interface Gateway {
  /** Starts nginx, the status server and the renderer; resolves once all run. */
  start(): Promise<void>;
  /** Re-reads the template, re-renders and reloads nginx (SIGHUP). */
  reload(): Promise<void>;
  /** Fast-stops nginx synchronously (for process 'exit' handlers). */
  kill(): void;
  /** Stops rendering, drains nginx gracefully, closes the status server. */
  stop(): Promise<void>;
  status(): GatewayStatus;
  readonly metrics: GatewayMetrics;
  readonly paths: WorkPaths;
  /** The status server's address once started. */
  statusAddress(): { host: string; port: number } | undefined;
}

/** Templates that never call gatewayRoutes (the reference template) leave the pool empty. */
const EMPTY_TABLE = buildRouteTable(new Map());

export interface GatewayOptions {
  logger?: Logger;
  /** Called once each change is applied (the CLI checks its heap then: heap-trim.ts). */
  afterChange?: () => void;
}

export function createGateway(config: GatewayConfig, options: GatewayOptions = {}): Gateway {
  const log = options.logger ?? createLogger({ name: 'gateway', level: 'silent' });
  const paths = workPaths(config.workDir);
  const template = config.template ?? defaultTemplatePath();
  const metrics = new GatewayMetrics();
  const status = new StatusStore({
    listen: config.listen,
    consul: describeConsul(config.consul),
    template,
  });
  // Created at start, once the mode is known (lua: one nginx; reload: edge + pool).
  let tiers: Tiers | undefined;
  let https: Https | undefined;
  const memory = new RouteMemory(config.routeGraceMs);
  let expiryTimer: NodeJS.Timeout | undefined;
  let latestTable: RouteTable | undefined;
  const logErrors = routeErrorLogger(log);
  const onTable = (table: RouteTable): void => {
    latestTable = table;
    logErrors(table);
  };
  const accessLog = config.accessLog === 'off' ? 'off' : accessLogArgs(config.accessLog);
  let renderer: Renderer | undefined;
  metrics.bindConsulUsage(() => renderer?.consulUsage());
  let server: Server | undefined;
  let lastApplyOk = false;
  const isReady = (): boolean =>
    status.ready &&
    tiers !== undefined &&
    tiers.supervisor.running &&
    (tiers.poolSupervisor?.running ?? true) &&
    tiers.routes.ready;

  const { registry } = metrics;
  const rerender = async (): Promise<void> => renderer?.rerender();
  const makeRenderer = ({ routes, applier, applyPool }: Tiers): Renderer => {
    const r = createRenderer({
      consul: config.consul,
      templates: [
        {
          source: template,
          destination: paths.rendered,
          exec: async (event) => {
            lastApplyOk = false;
            // Pool first: a new route's upstream exists before the edge sends it traffic.
            const table = latestTable ?? EMPTY_TABLE;
            await applyPool(table);
            await applier.apply(event.contents, table);
            lastApplyOk = true;
          },
        },
        ...(https?.templates ?? []),
      ],
      ...(config.wait ? { wait: config.wait } : {}),
      outageHoldMs: config.outageHoldMs,
      logger: log.child({ component: 'renderer' }),
      helpers: {
        ...gatewayHelpers(
          {
            listen: config.listen,
            accessLog,
            lua: routes.mode === 'lua',
            pool: { server: `unix:${paths.pool.socket}`, header: ROUTE_HEADER },
            ...(https ? { https: { listen: https.main.listen }, decorate: https.decorate } : {}),
            upstreamCa: upstreamCaValue(config.upstreamCa),
            protocols: { ...config.protocols, grpcSocket: paths.pool.grpcSocket },
          },
          onTable,
          memory,
        ),
        ...https?.helpers,
      },
    });
    r.on('render', (e) => {
      // Other templates (the certificates under --cert-kv-prefix) apply themselves.
      if (e.destination !== paths.rendered) return;
      // A remembered route expires without any Consul change: render again when it is due.
      clearTimeout(expiryTimer);
      const due = memory.nextExpiryMs();
      if (due !== undefined) expiryTimer = setTimeout(() => void r.rerender(), due + 50).unref();
      metrics.renders.inc({ changed: String(e.changed) });
      status.render({ at: new Date().toISOString(), changed: e.changed, durationMs: e.durationMs });
      // Membership changes reach only the pool (even while a template edit was rejected).
      if (!e.changed && latestTable) {
        const table = latestTable;
        void applyPool(table).then(() => {
          if (lastApplyOk) applier.publish(table);
          options.afterChange?.();
        });
      } else options.afterChange?.();
    });
    r.on('error', (e) => {
      // Failed applies (the exec hook) are already recorded by the applier.
      if (!isToolkitError(e, 'E_COMMAND')) status.error('render', describeError(e));
    });
    return r;
  };

  return {
    metrics,
    paths,
    status() {
      const s = status.snapshot();
      s.ready = isReady();
      addRendererStatus(s, renderer?.status());
      if (https) s.certificates = https.status();
      return s;
    },
    statusAddress() {
      const a = server?.address();
      return a && typeof a === 'object' ? { host: a.address, port: a.port } : undefined;
    },
    async start() {
      await prepareWorkDir(paths);
      const mode = await resolveMode({
        requested: config.mode,
        nginx: { bin: config.nginxBin, prefix: `${paths.root}/` },
        paths,
        workerProcesses: config.workerProcesses,
        shutdownTimeoutMs: config.shutdownTimeoutMs,
        logger: log,
      });
      log.info({ mode }, 'mode');
      status.setMode(mode);
      if (config.tls)
        https = await startHttps({ tls: config.tls, mode, paths, registry, log, rerender });
      const t = createTiers(config, paths, mode, log, metrics, status, https?.main);
      tiers = t;
      await t.routes.prepare();
      await t.applier.prepare(await t.applier.initialRoutes(placeholderRoutes(config.listen)));
      // Edge first (the first nginx child is the client-facing one, for operators and tools).
      await t.supervisor.start();
      await t.poolSupervisor?.start();
      await https?.connect();
      const app = createStatusApp({
        status: () => this.status(),
        ready: isReady,
        metrics: metrics.registry,
      });
      server = createServer(app);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(config.status.port, config.status.host, () => resolve());
      }).catch(async (error: unknown) => {
        await t.supervisor.stop(1_000);
        await t.poolSupervisor?.stop(1_000);
        throw error;
      });
      log.info(
        {
          status: `${config.status.host}:${(this.statusAddress() ?? config.status).port}`,
          listen: config.listen,
          template,
        },
        'status server listening',
      );
      t.traffic?.start();
      renderer = makeRenderer(t);
      await renderer.start();
      log.info({ consul: describeConsul(config.consul), workDir: paths.root }, 'gateway started');
    },
    async reload() {
      if (!renderer) return;
      log.info('reloading: re-reading the template, re-rendering, reloading nginx');
      await renderer.reload();
      await renderer.rerender();
      const applier = tiers?.applier;
      const rendered = await applier?.readRendered();
      if (applier && rendered !== undefined)
        await applier
          .apply(rendered, latestTable)
          .catch((e: unknown) => log.error({ err: describeError(e) }, 'reload failed'));
    },
    kill() {
      tiers?.supervisor.kill();
      tiers?.poolSupervisor?.kill();
    },
    async stop() {
      clearTimeout(expiryTimer);
      tiers?.traffic?.stop();
      await renderer?.stop().catch(() => undefined);
      await https?.stop();
      tiers?.cancelRetry();
      // Edge first (it drains client requests through the pool), then the pool.
      await tiers?.supervisor.stop(config.shutdownTimeoutMs + 5_000);
      await tiers?.poolSupervisor?.stop(config.shutdownTimeoutMs + 5_000);
      await new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      log.info('gateway stopped');
    },
  };
}
