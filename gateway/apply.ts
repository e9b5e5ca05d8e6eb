import { readFile, rename, writeFile } from 'node:fs/promises';
import { ToolkitError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { MainTls } from './certs/nginx-main.js';
import type { GatewayMetrics } from './metrics.js';
import { confirmGeneration, testConfig, type NginxBinary } from './nginx.js';
import { adaptListen, renderMainConfig, type WorkPaths } from './nginx-config.js';
import type { RouteTable } from './routes.js';
import type { StatusStore } from './status.js';
import type { NginxSupervisor } from './supervisor.js';
import { Serial } from './serial.js';

/** nginx's fixed pause before old workers stop accepting, plus a margin. */
const PREVIOUS_WORKERS_MS = 150;

export interface ApplierOptions {
  paths: WorkPaths;
  nginx: NginxBinary;
  supervisor: NginxSupervisor;
  listen: string;
  workerProcesses: string;
  shutdownTimeoutMs: number;
  reloadTimeoutMs: number;
  /** Lua mode: nginx.conf carries the lua module and the shared dict. */
  lua: boolean;
  /** Lua mode: idle timeout (s) of WebSockets and gRPC calls of routes without timeout=. */
  websocketTimeoutS?: number;
  /** Lua mode with HTTPS: the certificate pieces of nginx.conf. */
  tls?: MainTls;
  logger: Logger;
  metrics: GatewayMetrics;
  status: StatusStore;
}

/** The configuration that is live: what nginx runs, and what a restart would load. */
interface Applied {
  routes: string;
  generation: number;
}

/**
 * candidate -> `nginx -t` (full config) -> atomic swap -> reload -> confirm the generation.
 * One apply at a time. A rejected candidate is never swapped in; a reload that does not come live
 * is rolled back on disk, so the last good config keeps serving and survives restarts.
 */
export class ConfigApplier {
  private readonly serial = new Serial();
  private applied?: Applied;
  /** The table last shown in status and metrics. */
  private published?: RouteTable;
  private nextGeneration = 1;

  constructor(private readonly o: ApplierOptions) {}

  get generation(): number {
    return this.applied?.generation ?? 0;
  }

  /** Writes the gateway's nginx.conf around `routes` for the first start (generation 0). */
  async prepare(routes: string): Promise<void> {
    await this.writeAtomic(this.o.paths.routes, routes);
    await this.writeAtomic(this.o.paths.mainConf, this.main(0, this.o.paths.routes));
    this.applied = { routes, generation: 0 };
  }

  /**
   * What the first start serves until Consul data arrives: the routes file of the last run when
   * nginx still accepts it, else `placeholder`.
   */
  async initialRoutes(placeholder: string): Promise<string> {
    const previous = await readFile(this.o.paths.routes, 'utf8').catch(() => undefined);
    if (previous !== undefined && (await this.validate(previous)).ok) {
      this.o.logger.info(
        'serving the last good config from the work dir until Consul data arrives',
      );
      return previous;
    }
    return placeholder;
  }

  /** Validates a routes config without applying it. */
  async validate(routes: string): Promise<{ ok: boolean; message: string }> {
    const { paths } = this.o;
    await writeFile(paths.candidate, adaptListen(routes, this.o.listen));
    await writeFile(paths.testConf, this.main(this.generation, paths.candidate));
    return testConfig(this.o.nginx, paths.testConf);
  }

  apply(rendered: string, table?: RouteTable): Promise<number> {
    return this.serial.run(() => this.applyNow(rendered, table));
  }

  /** The routes file currently rendered (the renderer's output), for SIGHUP re-applies. */
  async readRendered(): Promise<string | undefined> {
    return readFile(this.o.paths.rendered, 'utf8').catch(() => undefined);
  }

  private async applyNow(rendered: string, table?: RouteTable): Promise<number> {
    const { paths, metrics, status, logger: log } = this.o;
    const started = performance.now();
    const generation = this.nextGeneration++;
    const routes = adaptListen(rendered, this.o.listen);
    await writeFile(paths.candidate, routes);
    await writeFile(paths.testConf, this.main(generation, paths.candidate));
    const test = await testConfig(this.o.nginx, paths.testConf);
    const at = new Date().toISOString();
    if (!test.ok) {
      metrics.validationFailures.inc();
      status.validation({ at, ok: false, error: test.message });
      log.error(
        { generation, error: test.message },
        'candidate config rejected by nginx -t; last good config keeps serving',
      );
      throw new ToolkitError(`nginx rejected the candidate config: ${test.message}`, {
        code: 'E_NGINX',
      });
    }
    status.validation({ at, ok: true });
    const previous = this.applied;
    await rename(paths.candidate, paths.routes);
    await this.writeAtomic(paths.mainConf, this.main(generation, paths.routes));
    if (!this.o.supervisor.running) {
      // nginx is down (restarting with backoff): its next start loads this validated config.
      this.applied = { routes, generation };
      if (table) this.publish(table);
      log.warn({ generation }, 'nginx is not running; config will load when it restarts');
      return generation;
    }
    const live = await this.reloadAndConfirm(generation);
    const durationMs = Math.round(performance.now() - started);
    if (!live) {
      // Roll back on disk so nginx (now or after a restart) loads the last good config.
      if (previous) {
        await this.writeAtomic(paths.routes, previous.routes);
        await this.writeAtomic(paths.mainConf, this.main(previous.generation, paths.routes));
        this.o.supervisor.reload();
      }
      const error = `reload to generation ${generation} was not confirmed within ${this.o.reloadTimeoutMs} ms`;
      metrics.reloads.inc({ tier: 'edge', result: 'failure' });
      status.reload({ at, result: 'failure', durationMs, generation, error });
      log.error({ generation, durationMs }, error);
      throw new ToolkitError(error, { code: 'E_NGINX', retryable: true });
    }
    this.applied = { routes, generation };
    metrics.reloads.inc({ tier: 'edge', result: 'success' });
    metrics.reloadDuration.observe({ tier: 'edge' }, durationMs / 1000);
    metrics.generation.set(generation);
    status.reload({ at, result: 'success', durationMs, generation });
    if (table) this.publish(table);
    // After a reload nginx leaves the previous workers accepting for another 100 ms
    // (ngx_msleep(100) before it tells them to quit): the first config from Consul counts as
    // ready only once the placeholder's workers can no longer answer.
    if (!status.ready) setTimeout(() => status.setReady(true), PREVIOUS_WORKERS_MS).unref();
    log.info({ generation, durationMs, validateMs: test.durationMs }, 'config applied');
    return generation;
  }

  private async reloadAndConfirm(generation: number): Promise<boolean> {
    const { supervisor, paths, reloadTimeoutMs } = this.o;
    if (!supervisor.reload()) return false;
    return confirmGeneration(paths.control, generation, reloadTimeoutMs);
  }

  publish(table: RouteTable): void {
    if (table === this.published) return;
    this.published = table;
    const { metrics, status } = this.o;
    status.table(table);
    metrics.routes.set(table.routes.length);
    metrics.routeErrors.set(table.errors.length);
    const healthy = new Map<string, number>();
    for (const i of table.instances)
      healthy.set(i.service, (healthy.get(i.service) ?? 0) + (i.healthy && i.valid ? 1 : 0));
    metrics.setHealthy(healthy);
  }

  private main(generation: number, routesFile: string): string {
    return renderMainConfig({
      paths: this.o.paths,
      routesFile,
      generation,
      workerProcesses: this.o.workerProcesses,
      shutdownTimeoutMs: this.o.shutdownTimeoutMs,
      lua: this.o.lua,
      ...(this.o.websocketTimeoutS ? { websocketTimeoutS: this.o.websocketTimeoutS } : {}),
      ...(this.o.tls ? { tls: this.o.tls } : {}),
    });
  }

  private async writeAtomic(path: string, contents: string): Promise<void> {
    const tmp = `${path}.tmp`;
    await writeFile(tmp, contents);
    await rename(tmp, path);
  }
}
