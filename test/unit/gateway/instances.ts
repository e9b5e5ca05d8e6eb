import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { resolveConfig } from '../../../gateway/config.js';
import { workPaths } from '../../../gateway/nginx-config.js';
import { defaultTemplatePath, templateProtocols } from '../../../gateway/template-helpers.js';
import { renderPoolConfig } from '../../../gateway/pool-config.js';
import { buildRouteTable, type InstanceInput, type RouteTable } from '../../../gateway/routes.js';

/** One instance at 10.0.0.1 (ID `<name>-<port>`), passing unless told otherwise. */
export const inst = (
  name: string,
  port: number,
  tags: string[],
  status = 'passing',
): InstanceInput => ({
  ID: `${name}-${port}`,
  Name: name,
  Node: 'n',
  Address: '10.0.0.1',
  Port: port,
  Tags: tags,
  Status: status,
});

/** The route table of a flat list of instances, grouped by service name. */
export function tableOf(instances: InstanceInput[]): RouteTable {
  const m = new Map<string, InstanceInput[]>();
  for (const i of instances) m.set(i.Name, [...(m.get(i.Name) ?? []), i]);
  return buildRouteTable(m);
}

/** Reload mode's pool config for these instances (work dir /w, generation 3). */
export function renderPool(instances: InstanceInput[]): string {
  return renderPoolConfig({
    paths: workPaths('/w'),
    table: tableOf(instances),
    generation: 3,
    workerProcesses: 'auto',
    shutdownTimeoutMs: 10_000,
    websocketTimeoutS: 3600,
    requestBuffering: true,
  });
}

/** One Handlebars instance, each template compiled once; `gatewayRoutes` returns `current`. */
const hb = Handlebars.create();
let current: object = {};
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hb.registerHelper('gatewayRoutes', () => current);
const compiled = new Map<string, HandlebarsTemplateDelegate>();

/**
 * A template (default: the shipped default) rendered with plain Handlebars and the table of
 * these instances (no Consul, no nginx); `argv` sets the gateway flags the model carries.
 */
export function renderTemplate(
  instances: InstanceInput[],
  o: {
    listen?: string;
    file?: string;
    lua?: boolean;
    https?: { listen: string };
    upstreamCa?: string;
    argv?: string[];
  } = {},
): string {
  const config = resolveConfig(o.argv ?? [], {}, { tmpDir: '/tmp', cwd: '/' });
  current = {
    ...tableOf(instances),
    listen: o.listen ?? '127.0.0.1:8080',
    accessLog: 'off',
    lua: o.lua ?? false,
    pool: { server: 'unix:/w/pool.sock', header: 'X-Gateway-Route' },
    upstreamCa: o.upstreamCa ?? '"/etc/ssl/certs/ca-certificates.crt"',
    protocols: templateProtocols(config.protocols, '/w/pool-grpc.sock'),
    ...(o.https ? { https: o.https } : {}),
  };
  const file = o.file ?? defaultTemplatePath();
  let template = compiled.get(file);
  if (!template) {
    template = hb.compile(readFileSync(file, 'utf8'), { noEscape: true });
    compiled.set(file, template);
  }
  return template({});
}
