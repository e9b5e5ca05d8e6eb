/** template-renderer as a library: consul-template's job with Handlebars or Go templates. */
export { createRenderer } from './runner.js';
export { DEFAULT_MAX_CONNS, parseMaxConns } from './watch/budget.js';
export type {
  TemplateConfig,
  RenderEvent,
  HelperContext,
  HelperFactory,
  RendererOptions,
  Renderer,
  RendererStatus,
  TemplateStatus,
  QueryStatus,
  ConsulUsage,
  ServiceEntry,
  CatalogService,
  CatalogNode,
  KeyPair,
} from './types.js';
export type { Syntax } from './syntax/engine.js';
export { syntaxFor } from './syntax/engine.js';
