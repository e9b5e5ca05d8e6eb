import { rename, writeFile } from 'node:fs/promises';
import { ToolkitError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { GatewayMetrics } from './metrics.js';
import { confirmGeneration, testConfig, type NginxBinary } from './nginx.js';
import type { WorkPaths } from './nginx-config.js';
import { renderPoolConfig } from './pool-config.js';
import { encodeMembership, membershipBody } from './pool-lua.js';
import { putMembership } from './pool-membership.js';
import type { RouteTable } from './routes.js';
import type { NginxSupervisor } from './supervisor.js';

/** `lua`: membership changes go to a shared dict, no reload; `reload`: every change reloads. */
export type PoolMode = 'auto' | 'lua' | 'reload';

export interface PoolOptions {
  paths: WorkPaths;
  nginx: NginxBinary;
  supervisor: NginxSupervisor;
  mode: PoolMode;
  workerProcesses: string;
  shutdownTimeoutMs: number;
  reloadTimeoutMs: number;
  logger: Logger;
  metrics: GatewayMetrics;
}

/**
 * Keeps the upstream pool nginx in step with the route table. Reload mode: render, `nginx -t`,
 * swap, reload, confirm — only when the pool's content changed. Lua mode: the config is constant;
 * every change of routes or instances writes the table file and PUTs it to the pool (reading back
 * the version), no reload. One apply at a time.
 */
export class PoolApplier {
  private chain: Promise<unknown> = Promise.resolve();
  private lastBody?: string;
  private lastMembers?: string;
  private generation = 0;
  private version = 0;
  private resolved: 'lua' | 'reload' = 'reload';
  private confirmed = false;

  constructor(private readonly o: PoolOptions) {}

  /** The pool config generation (confirmed reloads; lua mode: 0, its config never changes). */
  get applied(): number {
    return this.generation;
  }

  /** Whether the pool has confirmed a route table (a reload or, in lua mode, a PUT). */
  get ready(): boolean {
    return this.confirmed;
  }

  /** The mode in use (auto resolved by prepare()). */
  get mode(): 'lua' | 'reload' {
    return this.resolved;
  }

  /**
   * Resolves the mode (auto: lua when nginx accepts the lua pool config) and writes the initial
   * (empty) pool config and table for the first start.
   */
  async prepare(): Promise<void> {
    const { paths, logger: log } = this.o;
    await writeFile(paths.pool.members, encodeMembership({ routes: [] }, 0));
    if (this.o.mode === 'reload') this.resolved = 'reload';
    else {
      this.resolved = 'lua';
      await writeFile(paths.pool.testConf, this.render({ routes: [] }, 0));
      const test = await testConfig(this.o.nginx, paths.pool.testConf);
      if (!test.ok) {
        if (this.o.mode === 'lua')
          throw new ToolkitError(`--pool-mode lua: nginx rejected the lua pool: ${test.message}`, {
            code: 'E_NGINX',
          });
        this.resolved = 'reload';
        log.info({ reason: test.message }, 'lua module unavailable: pool changes reload nginx');
      }
    }
    log.info({ mode: this.resolved }, 'pool mode');
    const text = this.render({ routes: [] }, 0);
    await writeFile(`${paths.pool.conf}.tmp`, text);
    await rename(`${paths.pool.conf}.tmp`, paths.pool.conf);
  }

  apply(table: RouteTable): Promise<boolean> {
    const next = this.chain.then(() => this.applyNow(table));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private render(table: Pick<RouteTable, 'routes'>, generation: number): string {
    return renderPoolConfig({
      paths: this.o.paths,
      table,
      generation,
      workerProcesses: this.o.workerProcesses,
      shutdownTimeoutMs: this.o.shutdownTimeoutMs,
      ...(this.resolved === 'lua' ? { lua: { membersFile: this.o.paths.pool.members } } : {}),
    });
  }

  /** Returns whether a reload happened. */
  private async applyNow(table: RouteTable): Promise<boolean> {
    if (this.resolved === 'lua') {
      await this.applyLua(table);
      return false;
    }
    const body = this.render(table, 0);
    if (body === this.lastBody) return false;
    const r = await this.reload(table, body);
    if (r) {
      this.confirmed = true;
      this.o.logger.info({ mode: 'reload', generation: this.generation, ...r }, 'pool applied');
    }
    return r !== undefined;
  }

  /** Lua mode: the config is constant; the table goes to its file and to the pool's dict. */
  private async applyLua(table: RouteTable): Promise<void> {
    const members = encodeMembership(table, this.version + 1);
    if (membershipBody(members) === this.lastMembers) return;
    this.version += 1;
    const started = performance.now();
    // The file first: a pool nginx (re)starting loads it.
    await writeFile(`${this.o.paths.pool.members}.tmp`, members);
    await rename(`${this.o.paths.pool.members}.tmp`, this.o.paths.pool.members);
    this.lastMembers = undefined;
    if (!this.o.supervisor.running) {
      this.o.logger.warn('pool nginx is not running; the table loads when it restarts');
      return;
    }
    await this.put(members);
    this.lastMembers = membershipBody(members);
    this.confirmed = true;
    // One line per apply, as in reload mode (bench/lib/stages.ts reads it).
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    this.o.logger.info({ mode: 'lua', version: this.version, durationMs }, 'pool applied');
  }

  private async put(members: string): Promise<void> {
    const { metrics, paths } = this.o;
    const res = await putMembership(paths.pool.control, members);
    if (!res || res.status !== 200 || res.text !== String(this.version)) {
      metrics.poolUpdates.inc({ mode: 'lua', result: 'failure' });
      throw new ToolkitError(
        `pool membership update ${this.version} not confirmed: ${res ? `${res.status} ${res.text}` : 'no answer'}`,
        { code: 'E_NGINX', retryable: true },
      );
    }
    metrics.poolUpdates.inc({ mode: 'lua', result: 'success' });
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
