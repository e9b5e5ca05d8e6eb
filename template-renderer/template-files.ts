import { watch, type FSWatcher } from 'chokidar';
import { describeError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { errorExcerpt } from './syntax/error.js';
import type { Engines } from './syntax/index.js';
import { loadTemplate, readSource, type TemplateState } from './template-state.js';

export interface TemplateFilesOptions {
  templates: TemplateState[];
  engines: Engines;
  log: Logger;
  /** A template was reloaded and marked dirty: render it. */
  onReloaded(): void;
  /** A reloaded template does not compile (the previous version is kept). */
  onError(error: Error): void;
}

/**
 * The templates' source files: watched for edits and re-creations (an editor's rename-over),
 * recompiled on change; a version that does not compile leaves the previous one in use.
 */
export class TemplateFiles {
  private files?: FSWatcher;
  private running = false;

  constructor(private readonly o: TemplateFilesOptions) {}

  /** Starts watching; resolves once the watch is live, so an edit right after start is seen. */
  async watch(): Promise<void> {
    const sources = this.o.templates.flatMap((t) => (t.config.source ? [t.config.source] : []));
    this.running = true;
    if (sources.length === 0) return;
    const files = watch(sources, { ignoreInitial: true });
    this.files = files;
    const onFile = (path: string): void => void this.reloadFile(path);
    files.on('change', onFile).on('add', onFile);
    files.on('error', (e) => this.o.log.warn({ err: describeError(e) }, 'template watch error'));
    await new Promise<void>((resolve) => files.once('ready', () => resolve()));
  }

  /** Re-reads every template (SIGHUP). */
  async reloadAll(): Promise<void> {
    for (const t of this.o.templates) await this.reloadTemplate(t);
  }

  async close(): Promise<void> {
    this.running = false;
    await this.files?.close();
  }

  private async reloadFile(path: string): Promise<void> {
    for (const t of this.o.templates) {
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

  async reloadTemplate(t: TemplateState): Promise<void> {
    if (t.config.source === undefined) return;
    try {
      t.compiled = await loadTemplate(this.o.engines, t);
      this.o.log.info({ template: t.name }, 'template reloaded');
      t.dirty = true;
      t.changedKeys.clear();
      this.o.onReloaded();
    } catch (error) {
      t.lastError = describeError(error);
      this.o.log.error(
        { template: t.name, err: t.lastError, ...errorExcerpt(error) },
        'template invalid; previous version kept',
      );
      this.o.onError(error as Error);
    }
  }
}
