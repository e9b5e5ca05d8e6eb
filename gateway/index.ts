/** gateway as a library: nginx + template-renderer + status API, supervised together. */
export { createGateway, type Gateway } from './gateway.js';
export { defaultTemplatePath } from './template-helpers.js';
export { resolveConfig, flagSpecs, type GatewayConfig } from './config.js';
export { buildRouteTable, routedServices } from './routes.js';
export type {
  RouteTable,
  Route,
  Instance,
  RouteError,
  VirtualHost,
  InstanceInput,
} from './routes.js';
export { parseRouteTag, type RouteSpec } from './route-tags.js';
export { renderMainConfig, adaptListen, workPaths } from './nginx-config.js';
export { createStatusApp } from './status-app.js';
export type { GatewayStatus } from './status.js';
export { GatewayMetrics } from './metrics.js';
