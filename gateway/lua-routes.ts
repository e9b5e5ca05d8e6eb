import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { ToolkitError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { encodeMembership, encodePatch, routeLine, routingKey } from './lua-module.js';
import type { GatewayMetrics } from './metrics.js';
import type { WorkPaths } from './nginx-config.js';
import { putMembership } from './pool-membership.js';
import type { Route, RouteTable } from './routes.js';
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
 * start; a patch is appended to it) and PUTs it to nginx's control socket, which stores it in
 * the shared dict and answers the version: no reload. When no route came, went or changed its
 * host, path, strip or options, only the changed routes' lines go (a patch on the confirmed
 * version; refused: the whole table).
 * One apply at a time; an unchanged table sends nothing.
 */
export class LuaRoutes implements RouteSink {
  readonly mode = 'lua';
  readonly applied = 0;
  private readonly serial = new Serial();
  /** The routes of the last table nginx confirmed. */
  private sent?: readonly Route[];
  private version = 0;
  private confirmed = false;
  /** Patches appended to the file since its last whole table. */
  private journal = 0;

  constructor(private readonly o: LuaRoutesOptions) {}

  get ready(): boolean {
    return this.confirmed;
  }

  /** Writes the empty table for the first start. */
  async prepare(): Promise<void> {
    await writeFile(this.o.paths.members, encodeMembership({ routes: [] }, 0));
    this.journal = 0;
  }

  apply(table: RouteTable): Promise<boolean> {
    return this.serial.run(() => this.applyNow(table));
  }

  private async applyNow(table: RouteTable): Promise<boolean> {
    const patch = this.sent ? changedLines(this.sent, table.routes) : undefined;
    if (patch?.length === 0) return false;
    const base = this.version;
    this.version += 1;
    const started = performance.now();
    const { supervisor, logger: log } = this.o;
    const whole = (): string => encodeMembership(table, this.version, (r) => encoded(r).line);
    // The file first: an nginx (re)starting loads it. A patch is appended to it (a few lines,
    // where the whole table of 5,000 routes took ~10 ms to encode and write per change).
    const patchBody = patch && encodePatch(patch, this.version, base);
    let members = patchBody && this.journal < JOURNAL_MAX ? undefined : whole();
    if (members === undefined) this.append(patchBody as string);
    else this.rewrite(members);
    this.sent = undefined;
    if (!supervisor.running) {
      log.warn('nginx is not running; the route table loads when it restarts');
      return false;
    }
    const patched = patchBody !== undefined && (await this.tryPatch(patchBody));
    if (!patched) {
      // Refused: nginx's table is not the base. The file holds the same version either way.
      members ??= whole();
      await this.put(members);
    }
    this.sent = table.routes;
    this.confirmed = true;
    // One line per apply (bench/lib/stages.ts reads it).
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    log.info(
      {
        mode: 'lua',
        version: this.version,
        durationMs,
        ...(patched ? { patched: patch?.length } : {}),
      },
      'pool applied',
    );
    return false;
  }

  /**
   * The whole table, replacing the file (the journal starts again). Written synchronously: the
   * async calls took four thread-pool round trips, 2-9 ms of a change's time under load.
   */
  private rewrite(members: string): void {
    const { members: file } = this.o.paths;
    writeFileSync(`${file}.tmp`, members);
    renameSync(`${file}.tmp`, file);
    this.journal = 0;
  }

  /** A patch after the table in the file (init_by_lua loads the table, then each patch). */
  private append(patch: string): void {
    appendFileSync(this.o.paths.members, patch);
    this.journal += 1;
  }

  /** A patch nginx refuses (its table is not the base any more) falls back to the whole table. */
  private async tryPatch(body: string): Promise<boolean> {
    const res = await putMembership(this.o.paths.control, body);
    if (res?.status === 200 && res.text === String(this.version)) {
      this.o.metrics.poolUpdates.inc({ mode: 'lua', result: 'success' });
      return true;
    }
    this.o.logger.debug({ answer: res ? `${res.status} ${res.text}` : 'none' }, 'patch refused');
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

/** Patches kept after the file's whole table before it is rewritten (each a few hundred bytes). */
const JOURNAL_MAX = 256;

/**
 * The lines of the routes in `next` that differ from `prev`, when both list the same routes with
 * the same routing (else undefined: the whole table goes). Unchanged routes are the same objects.
 */
function changedLines(prev: readonly Route[], next: readonly Route[]): string[] | undefined {
  if (prev.length !== next.length) return undefined;
  const out: string[] = [];
  for (let i = 0; i < next.length; i++) {
    const a = prev[i] as Route;
    const b = next[i] as Route;
    if (a === b) continue;
    const was = encoded(a);
    const now = encoded(b);
    if (was.routing !== now.routing) return undefined;
    if (was.line !== now.line) out.push(now.line);
  }
  return out;
}

/** A route's line and routing key, once per route object (an unchanged route is the same one). */
const lineCache = new WeakMap<Route, { line: string; routing: string }>();
function encoded(r: Route): { line: string; routing: string } {
  let hit = lineCache.get(r);
  if (!hit) {
    hit = { line: routeLine(r), routing: routingKey(r) };
    lineCache.set(r, hit);
  }
  return hit;
}
