import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { resolveConfig } from '../../../gateway/config.js';
import { workPaths } from '../../../gateway/nginx-config.js';
import {
  defaultTemplatePath,
  grpcHosts,
  templateProtocols,
} from '../../../gateway/template-helpers.js';
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

/** The pool config for these instances (work dir /w, generation 3), in reload or lua mode. */
export function renderPool(instances: InstanceInput[], mode: 'reload' | 'lua' = 'reload'): string {
  return renderPoolConfig({
    paths: workPaths('/w'),
    table: tableOf(instances),
    generation: 3,
    workerProcesses: 'auto',
    shutdownTimeoutMs: 10_000,
    websocketTimeoutS: 3600,
    requestBuffering: true,
    ...(mode === 'lua' ? { lua: { membersFile: '/w/pool-members.txt' } } : {}),
  });
}

// One Handlebars instance and one compiled function per template file (the property tests
// render hundreds of tables); the helper returns the model of the current call.
const hb = Handlebars.create();
let current: unknown;
hb.registerHelper('gatewayRoutes', () => current);
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
const compiled = new Map<string, HandlebarsTemplateDelegate>();

/**
 * A template (default: the shipped default one) rendered with plain Handlebars and the table of
 * `instances` (no Consul, no nginx); `argv` are gateway flags for the protocol settings.
 */
export function renderTemplate(
  instances: InstanceInput[],
  o: { listen?: string; file?: string; routing?: boolean; argv?: string[] } = {},
): string {
  const table = tableOf(instances);
  const config = resolveConfig(o.argv ?? [], {}, { tmpDir: '/tmp', cwd: '/' });
  const file = o.file ?? defaultTemplatePath();
  let template = compiled.get(file);
  if (!template) {
    template = hb.compile(readFileSync(file, 'utf8'), { noEscape: true });
    compiled.set(file, template);
  }
  current = {
    ...table,
    listen: o.listen ?? '127.0.0.1:8080',
    accessLog: 'off',
    pool: { server: 'unix:/w/pool.sock', header: 'X-Gateway-Route', routing: o.routing ?? false },
    protocols: templateProtocols(config, workPaths('/w')),
    grpcHosts: grpcHosts(table.hosts),
  };
  return template({});
}
