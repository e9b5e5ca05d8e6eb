import { EventEmitter } from 'node:events';
import { ConsulClient } from '../common/consul/client.js';
import { ToolkitError, describeError } from '../common/errors.js';
import { createLogger, type Logger } from '../common/log.js';
import { runCommands } from './commands.js';
import { ScopeHolder } from './helpers/index.js';
import { renderAndWrite } from './render-one.js';
import { OutageHold } from './outage-hold.js';
import { Snapshot } from './snapshot.js';
import { createEngines, type Engines } from './syntax/index.js';
import { checkMaxConns, DEFAULT_MAX_CONNS } from './watch/budget.js';
import { emptyTraffic } from '../common/consul/traffic.js';
import {
  loadTemplate,
  FirstRender,
  newTemplateState,
  noteChange,
  takeRound,
  cancelTimers,
  templateStatus,
  type TemplateState,
} from './template-state.js';
import { TemplateFiles } from './template-files.js';
import type {
  ConsulUsage,
  RenderEvent,
  Renderer,
  RendererOptions,
  RendererStatus,
} from './types.js';
import { Watcher } from './watch/watcher.js';

const WRITE_RETRY_MS = 1_000;

/** Builds a renderer; nothing happens until start(). */
export function createRenderer(options: RendererOptions): Renderer {
  return new TemplateRenderer(options);
}

class TemplateRenderer extends EventEmitter implements Renderer {
  private readonly first = new FirstRender();
  private readonly log: Logger;
  private readonly holder = new ScopeHolder();
  private readonly engines: Engines;
  private readonly snapshot = new Snapshot();
  private readonly templates: TemplateState[];
  private client?: ConsulClient;
  private watcher?: Watcher;
  private readonly files: TemplateFiles;
  private chain: Promise<void> = Promise.resolve();
  private scheduled = false;
  private readonly hold: OutageHold;
  private running = false;

  private readonly maxConns: number;

  constructor(private readonly options: RendererOptions) {
    super();
    this.maxConns = checkMaxConns(options.consul.maxConns ?? DEFAULT_MAX_CONNS);
    this.log = options.logger ?? createLogger({ name: 'template-renderer', level: 'silent' });
    this.engines = createEngines(this.holder, options.helpers);
    this.hold = new OutageHold(options.outageHoldMs ?? 0, this.log, () => this.schedule());
    this.templates = options.templates.map(newTemplateState);
    this.files = new TemplateFiles({
      templates: this.templates,
      engines: this.engines,
      log: this.log,
      onReloaded: () => this.schedule(),
      onError: (error) => this.emitError(error),
    });
    if (this.templates.length === 0) this.markFirst();
  }

  get firstRender(): Promise<void> {
    return this.first.promise;
  }

  async start(): Promise<void> {
    if (this.running) return;
    for (const t of this.templates) t.compiled = await loadTemplate(this.engines, t);
    this.running = true;
    this.client = new ConsulClient({ ...this.options.consul, maxConns: this.maxConns });
    this.watcher = new Watcher({
      client: this.client,
      snapshot: this.snapshot,
      logger: this.log,
      onChange: (key) => this.onChange(key),
      // Consul answers again after an outage: hold rendering while it may still be refilling.
      onRecover: () => this.first.done && this.hold.recovered(),
      blockWaitMs: this.options.blockWaitMs,
      minDelayMs: this.options.minDelayMs ?? 50,
      maxStaleMs: this.options.maxStaleMs ?? 0,
      maxConns: this.maxConns,
    });
    if (!this.options.once) await this.files.watch();
    this.log.info(
      { templates: this.templates.length, consul: this.client.address },
      'template-renderer started',
    );
    void this.watcher.negotiated().then(() => this.schedule());
  }

  rerender(): Promise<void> {
    for (const t of this.templates) {
      t.dirty = true;
      t.changedKeys.clear();
    }
    return this.enqueue();
  }

  async reload(): Promise<void> {
    await this.files.reloadAll();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const t of this.templates) cancelTimers(t);
    this.hold.clear();
    await this.files.close();
    await this.watcher?.stop();
    await this.chain.catch(() => undefined);
    this.client?.close();
    this.log.info('template-renderer stopped');
  }

  status(): RendererStatus {
    return {
      running: this.running,
      templates: this.templates.map(templateStatus),
      queries: this.snapshot.status().map((q) => ({ ...q, watch: this.watcher?.modeOf(q.key) })),
      consul: this.consulUsage(),
    };
  }

  consulUsage(): ConsulUsage {
    return {
      maxConns: this.maxConns,
      ...(this.client?.transport.traffic ?? emptyTraffic()),
      ...(this.watcher?.counts() ?? { blocking: 0, shared: 0, polled: 0, feeds: 0 }),
    };
  }

  private onChange(key: string): void {
    for (const t of this.templates) {
      if (!t.used.has(key) && !t.missing.has(key)) continue;
      t.awaiting.delete(key);
      noteChange(t, key, t.config.wait ?? this.options.wait, () => this.schedule());
    }
    this.schedule();
  }

  /** Coalesces everything that changed in the same tick into one round. */
  private schedule(): void {
    if (this.scheduled || !this.running || this.hold.active) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.enqueue();
    });
  }

  private enqueue(): Promise<void> {
    const next = this.chain.then(() => this.round());
    this.chain = next.catch((error: unknown) => {
      this.log.error({ err: describeError(error) }, 'render round failed');
    });
    return this.chain;
  }

  /** Renders dirty templates, writes them, then runs the commands of those whose output changed. */
  private async round(): Promise<void> {
    if (!this.running || !this.watcher) return;
    const changed: { t: TemplateState; event: RenderEvent }[] = [];
    const events: RenderEvent[] = [];
    let attempted = false;
    for (const t of this.templates) {
      if (!takeRound(t)) continue;
      attempted = true;
      const event = await this.renderOne(t);
      if (event) {
        events.push(event);
        if (event.changed) changed.push({ t, event });
      }
    }
    // Only a render that used other queries than before changes what to watch.
    if (attempted && this.templates.some((t) => t.usedChanged)) {
      const used = new Set<string>();
      for (const t of this.templates) for (const k of t.used) used.add(k);
      this.watcher.retain(used);
      for (const t of this.templates) t.usedChanged = false;
    }
    if (changed.length > 0 && !this.options.dry) {
      const failures = await runCommands(
        changed.map(({ t, event }) => ({ config: t.config, event })),
        this.log,
      );
      for (const f of failures) {
        const t = this.templates.find((x) => x.config.destination === f.destination);
        if (t) t.lastError = f.message;
        this.emitError(new ToolkitError(`${f.destination}: ${f.message}`, { code: 'E_COMMAND' }));
      }
      if (failures.length > 0 && this.options.once && !this.first.done)
        this.first.fail(
          new ToolkitError(failures[0]?.message ?? 'command failed', { code: 'E_COMMAND' }),
        );
    }
    for (const e of events) this.emit('render', e);
    if (!this.first.done && this.templates.every((t) => t.complete)) this.markFirst();
  }

  private async renderOne(t: TemplateState): Promise<RenderEvent | undefined> {
    const outcome = await renderAndWrite(t, {
      holder: this.holder,
      snapshot: this.snapshot,
      env: this.options.env ?? {},
      log: this.log,
      watch: (q) => this.watcher!.ensure(q),
      dry: this.options.dry,
      stdout: this.options.stdout,
    });
    if (outcome.kind === 'rendered') return outcome.event;
    if (outcome.kind === 'failed') {
      this.emitError(outcome.error);
      if (this.options.once) this.first.fail(outcome.error);
      else if (outcome.retry) this.retryLater(t);
    }
    return undefined;
  }

  /** A failed write is retried until it lands, so no output is lost to a transient error. */
  private retryLater(t: TemplateState): void {
    if (t.retry) return;
    t.retry = setTimeout(() => {
      t.retry = undefined;
      t.dirty = true;
      this.schedule();
    }, WRITE_RETRY_MS);
  }

  private emitError(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  private markFirst(): void {
    this.first.resolve();
    // -once: everything rendered (and commands ran) once; nothing more to watch.
    if (this.options.once) void this.stop();
  }
}
