import { describeError, isRetryable } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { ConfigApplier } from './apply.js';
import type { MainTls } from './certs/nginx-main.js';
import type { GatewayConfig } from './config.js';
import { LuaRoutes } from './lua-routes.js';
import type { GatewayMetrics } from './metrics.js';
import type { GatewayMode } from './mode.js';
import type { WorkPaths } from './nginx-config.js';
import { PoolApplier } from './pool.js';
import type { RouteSink } from './route-sink.js';
import type { RouteTable } from './routes.js';
import type { StatusStore } from './status.js';
import { NginxSupervisor } from './supervisor.js';
import { TrafficMonitor } from './traffic.js';

export interface Tiers {
  /** The client-facing nginx (lua mode: the only one). */
  supervisor: NginxSupervisor;
  /** Reload mode's upstream pool nginx. */
  poolSupervisor?: NginxSupervisor;
  /** Where route tables go (lua: the shared dict; reload: the pool). */
  routes: RouteSink;
  /** Applies the template's output to the edge. */
  applier: ConfigApplier;
  /**
   * Applies a route table; failures are logged and shown in status, never thrown,
   * and a retryable one (a PUT or reload not confirmed) is retried every second with the latest
   * table until it lands or a newer change arrives.
   */
  applyPool(table: RouteTable | undefined): Promise<void>;
  /** Lua mode: per-route traffic counted in nginx, read over the control socket. */
  traffic?: TrafficMonitor;
  /** Cancels a pending retry (on stop). */
  cancelRetry(): void;
}

const RETRY_MS = 1_000;

/**
 * The supervised nginx masters and their appliers: lua mode runs one nginx whose shared dict
 * takes the route tables; reload mode adds the upstream pool nginx.
 */
export function createTiers(
  config: GatewayConfig,
  paths: WorkPaths,
  mode: GatewayMode,
  log: Logger,
  metrics: GatewayMetrics,
  status: StatusStore,
  tls?: MainTls,
): Tiers {
  const nginxBin = { bin: config.nginxBin, prefix: `${paths.root}/` };
  const makeSupervisor = (tier: 'edge' | 'pool'): NginxSupervisor =>
    new NginxSupervisor({
      nginx: nginxBin,
      conf: tier === 'edge' ? paths.mainConf : paths.pool.conf,
      control: tier === 'edge' ? paths.control : paths.pool.control,
      sockets: tier === 'edge' ? [] : [paths.pool.socket, paths.pool.grpcSocket],
      logger: log.child({ component: tier === 'edge' ? 'nginx' : 'nginx-pool' }),
      onState: (running, pid) => {
        status.nginx(
          { running, ...(pid ? { pid, startedAt: new Date().toISOString() } : {}) },
          tier,
        );
        metrics.nginxUp.set({ tier }, running ? 1 : 0);
      },
      onCrash: (exit, delayMs, lines) => {
        metrics.nginxRestarts.inc({ tier });
        const s = status.snapshot();
        status.nginx({ restarts: ((tier === 'edge' ? s.nginx : s.pool)?.restarts ?? 0) + 1 }, tier);
        status.error(
          'nginx',
          `${tier === 'edge' ? 'nginx' : 'pool nginx'} exited (${exit.signal ?? exit.exitCode}); restart in ${delayMs} ms. ${lines.join(' | ')}`.trim(),
        );
      },
    });
  const supervisor = makeSupervisor('edge');
  const poolSupervisor = mode === 'reload' ? makeSupervisor('pool') : undefined;
  const routes: RouteSink = poolSupervisor
    ? new PoolApplier({
        paths,
        nginx: nginxBin,
        supervisor: poolSupervisor,
        workerProcesses: config.workerProcesses,
        shutdownTimeoutMs: config.shutdownTimeoutMs,
        websocketTimeoutS: config.protocols.websocketTimeoutS,
        requestBuffering: config.protocols.requestBuffering,
        reloadTimeoutMs: config.reloadTimeoutMs,
        logger: log.child({ component: 'pool' }),
        metrics,
      })
    : new LuaRoutes({ paths, supervisor, logger: log.child({ component: 'pool' }), metrics });
  let retry: NodeJS.Timeout | undefined;
  let latest: RouteTable | undefined;
  const applyPool = async (table: RouteTable | undefined): Promise<void> => {
    if (!table) return;
    latest = table;
    clearTimeout(retry);
    try {
      if (await routes.apply(table)) status.poolGeneration(routes.applied);
    } catch (error) {
      const again = isRetryable(error);
      log.error(
        { component: 'pool', err: describeError(error), retryInMs: again ? RETRY_MS : undefined },
        'pool apply failed',
      );
      status.error('reload', describeError(error));
      if (again && latest === table)
        retry = setTimeout(() => void applyPool(latest), RETRY_MS).unref();
    }
  };
  const cancelRetry = (): void => clearTimeout(retry);
  const applier = new ConfigApplier({
    paths,
    nginx: nginxBin,
    supervisor,
    listen: config.listen,
    workerProcesses: config.workerProcesses,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    reloadTimeoutMs: config.reloadTimeoutMs,
    lua: mode === 'lua',
    websocketTimeoutS: config.protocols.websocketTimeoutS,
    ...(tls ? { tls } : {}),
    logger: log.child({ component: 'apply' }),
    metrics,
    status,
  });
  const traffic = mode === 'lua' ? trafficMonitor(paths, log, metrics, status) : undefined;
  return {
    ...(traffic ? { traffic } : {}),
    supervisor,
    ...(poolSupervisor ? { poolSupervisor } : {}),
    routes,
    applier,
    applyPool,
    cancelRetry,
  };
}

function trafficMonitor(
  paths: WorkPaths,
  log: Logger,
  metrics: GatewayMetrics,
  status: StatusStore,
): TrafficMonitor {
  const traffic = new TrafficMonitor({
    socketPath: paths.control,
    routes: () => status.liveRoutes(),
    logger: log.child({ component: 'traffic' }),
  });
  traffic.register(metrics.registry);
  status.bindTraffic(() => traffic.rates());
  return traffic;
}
