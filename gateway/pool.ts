import { rename, writeFile } from 'node:fs/promises';
import { ToolkitError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { GatewayMetrics } from './metrics.js';
import { confirmGeneration, testConfig, type NginxBinary } from './nginx.js';
import type { WorkPaths } from './nginx-config.js';
import { renderPoolConfig } from './pool-config.js';
import type { RouteTable } from './routes.js';
import type { RouteSink } from './route-sink.js';
import type { NginxSupervisor } from './supervisor.js';
import { Serial } from './serial.js';

export interface PoolOptions {
  paths: WorkPaths;
  nginx: NginxBinary;
  supervisor: NginxSupervisor;
  workerProcesses: string;
  shutdownTimeoutMs: number;
  websocketTimeoutS: number;
  requestBuffering: boolean;
  reloadTimeoutMs: number;
  logger: Logger;
  metrics: GatewayMetrics;
}

/**
 * Reload mode: keeps the upstream pool nginx in step with the route table: render, `nginx -t`,
 * swap, reload, confirm — only when the pool's content changed. One apply at a time.
 */
export class PoolApplier implements RouteSink {
  readonly mode = 'reload';
  private readonly serial = new Serial();
  private lastBody?: string;
  private generation = 0;
  private confirmed = false;

  constructor(private readonly o: PoolOptions) {}

  /** The pool config generation (confirmed reloads). */
  get applied(): number {
    return this.generation;
  }

  /** Whether the pool has confirmed a route table. */
  get ready(): boolean {
    return this.confirmed;
  }

  /** Writes the initial (empty) pool config for the first start. */
  async prepare(): Promise<void> {
    const text = this.render({ routes: [] }, 0);
    await writeFile(`${this.o.paths.pool.conf}.tmp`, text);
    await rename(`${this.o.paths.pool.conf}.tmp`, this.o.paths.pool.conf);
  }

  apply(table: RouteTable): Promise<boolean> {
    return this.serial.run(() => this.applyNow(table));
  }

  private render(table: Pick<RouteTable, 'routes'>, generation: number): string {
    return renderPoolConfig({
      paths: this.o.paths,
      table,
      generation,
      workerProcesses: this.o.workerProcesses,
      shutdownTimeoutMs: this.o.shutdownTimeoutMs,
      websocketTimeoutS: this.o.websocketTimeoutS,
      requestBuffering: this.o.requestBuffering,
    });
  }

  /** Returns whether a reload happened. */
  private async applyNow(table: RouteTable): Promise<boolean> {
    const body = this.render(table, 0);
    if (body === this.lastBody) return false;
    const r = await this.reload(table, body);
    if (r) {
      this.confirmed = true;
      this.o.logger.info({ mode: 'reload', generation: this.generation, ...r }, 'pool applied');
    }
    return r !== undefined;
  }

  /** Validate, swap, reload, confirm; undefined when the pool nginx is not running. */
  private async reload(
    table: RouteTable,
    body: string,
  ): Promise<{ durationMs: number; validateMs: number } | undefined> {
    const { paths, metrics, logger: log, supervisor } = this.o;
    const started = performance.now();
    const generation = this.generation + 1;
    const text = this.render(table, generation);
    await writeFile(paths.pool.testConf, text);
    const test = await testConfig(this.o.nginx, paths.pool.testConf);
    if (!test.ok) {
      metrics.validationFailures.inc();
      metrics.poolUpdates.inc({ mode: 'reload', result: 'failure' });
      log.error({ generation, error: test.message }, 'pool config rejected by nginx -t');
      throw new ToolkitError(`nginx rejected the pool config: ${test.message}`, {
        code: 'E_NGINX',
      });
    }
    await rename(paths.pool.testConf, paths.pool.conf);
    this.lastBody = body;
    this.generation = generation;
    if (!supervisor.reload()) {
      log.warn({ generation }, 'pool nginx is not running; config will load when it restarts');
      return undefined;
    }
    const live = await confirmGeneration(paths.pool.control, generation, this.o.reloadTimeoutMs);
    const durationMs = Math.round(performance.now() - started);
    if (!live) {
      metrics.reloads.inc({ tier: 'pool', result: 'failure' });
      metrics.poolUpdates.inc({ mode: 'reload', result: 'failure' });
      this.lastBody = undefined; // try again on the next change
      throw new ToolkitError(`pool reload to generation ${generation} not confirmed`, {
        code: 'E_NGINX',
        retryable: true,
      });
    }
    metrics.reloads.inc({ tier: 'pool', result: 'success' });
    metrics.poolUpdates.inc({ mode: 'reload', result: 'success' });
    metrics.reloadDuration.observe({ tier: 'pool' }, durationMs / 1000);
    return { durationMs, validateMs: test.durationMs };
  }
}
