import { EventEmitter } from 'node:events';
import type Handlebars from 'handlebars';
import { watch, type FSWatcher } from 'chokidar';
import { ConsulClient } from '../common/consul/client.js';
import { ToolkitError, describeError } from '../common/errors.js';
import { createLogger, type Logger } from '../common/log.js';
import { runCommands } from './commands.js';
import { ScopeHolder } from './helpers/index.js';
import { createEnvironment, renderTemplate } from './render.js';
import { Snapshot } from './snapshot.js';
import {
  loadTemplate,
  newTemplateState,
  readSource,
  type TemplateState,
} from './template-state.js';
import type { RenderEvent, Renderer, RendererOptions, RendererStatus } from './types.js';
import { atomicWrite } from './write.js';
import { Watcher } from './watcher.js';

const WRITE_RETRY_MS = 1_000;

/** Builds a renderer; nothing happens until start(). */
export function createRenderer(options: RendererOptions): Renderer {
  return new TemplateRenderer(options);
}

class TemplateRenderer extends EventEmitter implements Renderer {
  readonly firstRender: Promise<void>;
  private resolveFirst!: () => void;
  private rejectFirst!: (error: Error) => void;
  private readonly log: Logger;
  private readonly holder = new ScopeHolder();
  private readonly hb: typeof Handlebars;
  private readonly snapshot = new Snapshot();
  private readonly templates: TemplateState[];
  private client?: ConsulClient;
  private watcher?: Watcher;
  private files?: FSWatcher;
  private chain: Promise<void> = Promise.resolve();
  private scheduled = false;
  private hold?: NodeJS.Timeout;
  private running = false;
  private firstDone = false;
  private readonly abort = new AbortController();

  constructor(private readonly options: RendererOptions) {
    super();
    this.log = options.logger ?? createLogger({ name: 'template-renderer', level: 'silent' });
    this.hb = createEnvironment(this.holder, options.helpers);
    this.templates = options.templates.map(newTemplateState);
    this.firstRender = new Promise((resolve, reject) => {
      this.resolveFirst = resolve;
      this.rejectFirst = reject;
    });
    // Callers that only use start()/stop() must not see an unhandled rejection.
    this.firstRender.catch(() => undefined);
    if (this.templates.length === 0) this.markFirst();
  }

  async start(): Promise<void> {
    if (this.running) return;
    for (const t of this.templates) t.compiled = await loadTemplate(this.hb, t);
    this.running = true;
    this.client = new ConsulClient(this.options.consul);
    this.watcher = new Watcher({
      client: this.client,
      snapshot: this.snapshot,
      logger: this.log,
      onChange: (key) => this.onChange(key),
      onRecover: () => this.onRecover(),
      blockWaitMs: this.options.blockWaitMs ?? 60_000,
      minDelayMs: this.options.minDelayMs ?? 50,
      maxStaleMs: this.options.maxStaleMs ?? 0,
    });
    const sources = this.templates.flatMap((t) => (t.config.source ? [t.config.source] : []));
    if (sources.length > 0 && !this.options.once) {
      this.files = watch(sources, { ignoreInitial: true });
      const onFile = (path: string): void => void this.reloadFile(path);
      this.files.on('change', onFile).on('add', onFile);
      this.files.on('error', (e) =>
        this.log.warn({ err: describeError(e) }, 'template watch error'),
      );
      await new Promise<void>((resolve) => this.files?.once('ready', () => resolve()));
    }
    this.log.info(
      { templates: this.templates.length, consul: this.client.address },
      'template-renderer started',
    );
    this.schedule();
  }

  rerender(): Promise<void> {
    for (const t of this.templates) {
      t.dirty = true;
      t.changedKeys.clear();
    }
    return this.enqueue();
  }

  async reload(): Promise<void> {
    for (const t of this.templates) await this.reloadTemplate(t);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort.abort();
    for (const t of this.templates) {
      if (t.quiescence) clearTimeout(t.quiescence.timer);
      clearTimeout(t.retry);
    }
    clearTimeout(this.hold);
    await this.files?.close();
    await this.watcher?.stop();
    await this.chain.catch(() => undefined);
    this.client?.close();
    this.log.info('template-renderer stopped');
  }

  status(): RendererStatus {
    const iso = (ms?: number): string | undefined => (ms ? new Date(ms).toISOString() : undefined);
    return {
      running: this.running,
      templates: this.templates.map((t) => ({
        destination: t.config.destination,
        ...(t.config.source ? { source: t.config.source } : {}),
        lastRenderAt: iso(t.lastRenderAt),
        lastChangeAt: iso(t.lastChangeAt),
        renders: t.renders,
        complete: t.complete && t.missing.size === 0,
        ...(t.lastError ? { lastError: t.lastError } : {}),
      })),
      queries: this.snapshot.status(),
    };
  }

  private onChange(key: string): void {
    for (const t of this.templates) {
      if (!t.used.has(key) && !t.missing.has(key)) continue;
      t.changedKeys.add(key);
      const wait = t.config.wait ?? this.options.wait;
      if (!t.complete || !wait || wait.minMs <= 0) {
        t.dirty = true;
        continue;
      }
      // Quiescence: each change restarts the min timer; max caps the total wait.
      const now = Date.now();
      const first = t.quiescence?.first ?? now;
      if (t.quiescence) clearTimeout(t.quiescence.timer);
      const delay = Math.max(
        0,
        Math.min(wait.minMs, first + Math.max(wait.maxMs, wait.minMs) - now),
      );
      t.quiescence = {
        first,
        timer: setTimeout(() => {
          t.quiescence = undefined;
          t.dirty = true;
          this.schedule();
        }, delay),
      };
    }
    this.schedule();
  }

  /** Consul answers again after an outage: hold rendering while it may still be refilling. */
  private onRecover(): void {
    const holdMs = this.options.outageHoldMs ?? 0;
    if (holdMs <= 0 || !this.firstDone) return;
    // Every watch recovers on its own: log once per outage, and hold until the last one is back.
    if (this.hold) clearTimeout(this.hold);
    else
      this.log.info({ holdMs }, 'Consul answers again; keeping the last output while it refills');
    this.hold = setTimeout(() => {
      this.hold = undefined;
      this.schedule();
    }, holdMs);
  }

  /** Coalesces everything that changed in the same tick into one round. */
  private schedule(): void {
    if (this.scheduled || !this.running || this.hold) return;
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
    for (const t of this.templates) {
      if (!t.dirty || !t.compiled) continue;
      t.dirty = false;
      // Only data for keys still missing arrived: nothing new can be learnt until all are here.
      const keys = [...t.changedKeys];
      t.changedKeys.clear();
      if (
        keys.length > 0 &&
        keys.every((k) => t.missing.has(k)) &&
        [...t.missing].some((k) => !this.snapshot.has(k))
      )
        continue;
      const event = await this.renderOne(t);
      if (event) {
        events.push(event);
        if (event.changed) changed.push({ t, event });
      }
    }
    const used = new Set<string>();
    for (const t of this.templates) for (const k of t.used) used.add(k);
    this.watcher.retain(used);
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
      if (failures.length > 0 && this.options.once && !this.firstDone)
        this.failFirst(
          new ToolkitError(failures[0]?.message ?? 'command failed', { code: 'E_COMMAND' }),
        );
    }
    for (const e of events) this.emit('render', e);
    if (!this.firstDone && this.templates.every((t) => t.complete)) this.markFirst();
  }

  private async renderOne(t: TemplateState): Promise<RenderEvent | undefined> {
    const started = performance.now();
    let result;
    try {
      result = renderTemplate(
        t.compiled!,
        this.holder,
        this.snapshot,
        this.options.env ?? {},
        t.name,
      );
    } catch (error) {
      t.lastError = describeError(error);
      this.log.error({ template: t.name, err: t.lastError }, 'render failed; previous output kept');
      this.emitError(error as Error);
      if (this.options.once) this.failFirst(error as Error);
      return undefined;
    }
    for (const q of result.used.values()) this.watcher!.ensure(q);
    t.used = new Set(result.used.keys());
    t.missing = result.missing;
    if (result.missing.size > 0) {
      this.log.debug({ template: t.name, missing: result.missing.size }, 'waiting for data');
      return undefined;
    }
    const { destination } = t.config;
    let changed: boolean;
    try {
      if (this.options.dry) {
        changed = t.lastOutput !== result.output;
        if (changed) this.options.stdout?.write(`> ${destination}\n${result.output}\n`);
      } else {
        ({ changed } = await atomicWrite(destination, result.output, t.config));
      }
    } catch (error) {
      t.lastError = describeError(error);
      this.log.error({ destination, err: t.lastError }, 'write failed; retrying in 1 s');
      this.emitError(error as Error);
      if (this.options.once) this.failFirst(error as Error);
      else this.retryLater(t);
      return undefined;
    }
    const now = Date.now();
    t.lastOutput = result.output;
    t.complete = true;
    t.renders++;
    t.lastRenderAt = now;
    t.lastError = undefined;
    if (changed) t.lastChangeAt = now;
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    this.log.info(
      { destination, changed, durationMs },
      changed ? 'rendered' : 'rendered, unchanged',
    );
    return { destination, changed, contents: result.output, durationMs };
  }

  private async reloadFile(path: string): Promise<void> {
    for (const t of this.templates) {
      if (t.config.source !== path) continue;
      await this.reloadTemplate(t);
      // File events within a few ms of each other can be coalesced: look again shortly after.
      setTimeout(() => {
        if (!this.running) return;
        void readSource(t).then((text) => {
          if (text !== undefined && text !== t.text) void this.reloadTemplate(t);
        });
      }, 250).unref();
    }
  }

  private async reloadTemplate(t: TemplateState): Promise<void> {
    if (t.config.source === undefined) return;
    try {
      t.compiled = await loadTemplate(this.hb, t);
      this.log.info({ template: t.name }, 'template reloaded');
      t.dirty = true;
      t.changedKeys.clear();
      this.schedule();
    } catch (error) {
      t.lastError = describeError(error);
      this.log.error(
        { template: t.name, err: t.lastError },
        'template invalid; previous version kept',
      );
      this.emitError(error as Error);
    }
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
    this.firstDone = true;
    this.resolveFirst();
    // -once: everything rendered (and commands ran) once; nothing more to watch.
    if (this.options.once) void this.stop();
  }

  private failFirst(error: Error): void {
    this.firstDone = true;
    this.rejectFirst(error);
  }
}
