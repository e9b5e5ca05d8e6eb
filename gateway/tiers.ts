import { describeError, isRetryable } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { ConfigApplier } from './apply.js';
import type { GatewayConfig } from './config.js';
import type { GatewayMetrics } from './metrics.js';
import type { WorkPaths } from './nginx-config.js';
import { PoolApplier } from './pool.js';
import type { RouteTable } from './routes.js';
import type { StatusStore } from './status.js';
import { NginxSupervisor } from './supervisor.js';

export interface Tiers {
  /** The client-facing nginx. */
  supervisor: NginxSupervisor;
  /** The upstream pool nginx. */
  poolSupervisor: NginxSupervisor;
  pool: PoolApplier;
  /** Applies the template's output to the edge. */
  applier: ConfigApplier;
  /**
   * Applies a route table to the pool; failures are logged and shown in status, never thrown,
   * and a retryable one (a PUT or reload not confirmed) is retried every second with the latest
   * table until it lands or a newer change arrives.
   */
  applyPool(table: RouteTable | undefined): Promise<void>;
  /** Cancels a pending retry (on stop). */
  cancelRetry(): void;
}

const RETRY_MS = 1_000;

/** The two supervised nginx masters (edge and upstream pool) and their appliers. */
export function createTiers(
  config: GatewayConfig,
  paths: WorkPaths,
  log: Logger,
  metrics: GatewayMetrics,
  status: StatusStore,
): Tiers {
  const nginxBin = { bin: config.nginxBin, prefix: `${paths.root}/` };
  const makeSupervisor = (tier: 'edge' | 'pool'): NginxSupervisor =>
    new NginxSupervisor({
      nginx: nginxBin,
      conf: tier === 'edge' ? paths.mainConf : paths.pool.conf,
      control: tier === 'edge' ? paths.control : paths.pool.control,
      sockets: tier === 'edge' ? [] : [paths.pool.socket],
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
        status.nginx({ restarts: (tier === 'edge' ? s.nginx : s.pool).restarts + 1 }, tier);
        status.error(
          'nginx',
          `${tier === 'edge' ? 'nginx' : 'pool nginx'} exited (${exit.signal ?? exit.exitCode}); restart in ${delayMs} ms. ${lines.join(' | ')}`.trim(),
        );
      },
    });
  const supervisor = makeSupervisor('edge');
  const poolSupervisor = makeSupervisor('pool');
  const pool = new PoolApplier({
    paths,
    nginx: nginxBin,
    supervisor: poolSupervisor,
    mode: config.poolMode,
    workerProcesses: config.workerProcesses,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    reloadTimeoutMs: config.reloadTimeoutMs,
    logger: log.child({ component: 'pool' }),
    metrics,
  });
  let retry: NodeJS.Timeout | undefined;
  let latest: RouteTable | undefined;
  const applyPool = async (table: RouteTable | undefined): Promise<void> => {
    if (!table) return;
    latest = table;
    clearTimeout(retry);
    try {
      if (await pool.apply(table)) status.poolGeneration(pool.applied);
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
    logger: log.child({ component: 'apply' }),
    metrics,
    status,
  });
  return { supervisor, poolSupervisor, pool, applier, applyPool, cancelRetry };
}
