import { rename, writeFile } from 'node:fs/promises';
import { ToolkitError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { encodeMembership, membershipBody } from './lua-module.js';
import type { GatewayMetrics } from './metrics.js';
import type { WorkPaths } from './nginx-config.js';
import { putMembership } from './pool-membership.js';
import type { RouteTable } from './routes.js';
import type { RouteSink } from './route-sink.js';
import type { NginxSupervisor } from './supervisor.js';
import { Serial } from './serial.js';

export interface LuaRoutesOptions {
  paths: WorkPaths;
  /** The one nginx (its control socket takes the table). */
  supervisor: NginxSupervisor;
  logger: Logger;
  metrics: GatewayMetrics;
}

/**
 * Lua mode: every change of routes or instances writes the table file (loaded by nginx at every
 * start) and PUTs it to nginx's control socket, which stores it in the shared dict and answers
 * the version: no reload. One apply at a time; an unchanged table sends nothing.
 */
export class LuaRoutes implements RouteSink {
  readonly mode = 'lua';
  readonly applied = 0;
  private readonly serial = new Serial();
  private lastMembers?: string;
  private version = 0;
  private confirmed = false;

  constructor(private readonly o: LuaRoutesOptions) {}

  get ready(): boolean {
    return this.confirmed;
  }

  /** Writes the empty table for the first start. */
  async prepare(): Promise<void> {
    await writeFile(this.o.paths.members, encodeMembership({ routes: [] }, 0));
  }

  apply(table: RouteTable): Promise<boolean> {
    return this.serial.run(() => this.applyNow(table));
  }

  private async applyNow(table: RouteTable): Promise<boolean> {
    const members = encodeMembership(table, this.version + 1);
    if (membershipBody(members) === this.lastMembers) return false;
    this.version += 1;
    const started = performance.now();
    const { paths, supervisor, logger: log } = this.o;
    // The file first: an nginx (re)starting loads it.
    await writeFile(`${paths.members}.tmp`, members);
    await rename(`${paths.members}.tmp`, paths.members);
    this.lastMembers = undefined;
    if (!supervisor.running) {
      log.warn('nginx is not running; the route table loads when it restarts');
      return false;
    }
    await this.put(members);
    this.lastMembers = membershipBody(members);
    this.confirmed = true;
    // One line per apply (bench/lib/stages.ts reads it).
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    log.info({ mode: 'lua', version: this.version, durationMs }, 'pool applied');
    return false;
  }

  private async put(members: string): Promise<void> {
    const { metrics, paths } = this.o;
    const res = await putMembership(paths.control, members);
    if (!res || res.status !== 200 || res.text !== String(this.version)) {
      metrics.poolUpdates.inc({ mode: 'lua', result: 'failure' });
      throw new ToolkitError(
        `route table update ${this.version} not confirmed: ${res ? `${res.status} ${res.text}` : 'no answer'}`,
        { code: 'E_NGINX', retryable: true },
      );
    }
    metrics.poolUpdates.inc({ mode: 'lua', result: 'success' });
  }
}
