import { rename, writeFile } from 'node:fs/promises';
import { ToolkitError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { encodeMembership, encodePatch, routeLine, routingKey } from './lua-module.js';
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

/** The last table nginx confirmed: each route's line, and the routing of all of them. */
interface Sent {
  lines: Map<string, string>;
  routing: string;
}

/**
 * Lua mode: every change of routes or instances writes the table file (loaded by nginx at every
 * start) and PUTs it to nginx's control socket, which stores it in the shared dict and answers
 * the version: no reload. When no route came, went or changed its host, path, strip or options,
 * only the changed routes' lines go (a patch on the confirmed version; refused: the whole table).
 * One apply at a time; an unchanged table sends nothing.
 */
export class LuaRoutes implements RouteSink {
  readonly mode = 'lua';
  readonly applied = 0;
  private readonly serial = new Serial();
  private sent?: Sent;
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
    const lines = new Map<string, string>();
    let routing = '';
    for (const r of table.routes) {
      lines.set(r.upstream, routeLine(r));
      routing += `${routingKey(r)}\n`;
    }
    const sent = this.sent;
    const patch = sent?.routing === routing ? changedLines(sent.lines, lines) : undefined;
    if (patch?.length === 0) return false;
    const base = this.version;
    this.version += 1;
    const started = performance.now();
    const { paths, supervisor, logger: log } = this.o;
    // The file first (the whole table): an nginx (re)starting loads it.
    const members = encodeMembership(table, this.version);
    await writeFile(`${paths.members}.tmp`, members);
    await rename(`${paths.members}.tmp`, paths.members);
    this.sent = undefined;
    if (!supervisor.running) {
      log.warn('nginx is not running; the route table loads when it restarts');
      return false;
    }
    const patched =
      patch !== undefined && (await this.tryPatch(encodePatch(patch, this.version, base)));
    if (!patched) await this.put(members);
    this.sent = { lines, routing };
    this.confirmed = true;
    // One line per apply (bench/lib/stages.ts reads it).
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    log.info(
      {
        mode: 'lua',
        version: this.version,
        durationMs,
        ...(patched ? { patched: patch.length } : {}),
      },
      'pool applied',
    );
    return false;
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

/** The lines of `next` that differ from `prev` (same routes in both: same routing). */
function changedLines(
  prev: ReadonlyMap<string, string>,
  next: ReadonlyMap<string, string>,
): string[] {
  const out: string[] = [];
  for (const [upstream, line] of next) if (prev.get(upstream) !== line) out.push(line);
  return out;
}
