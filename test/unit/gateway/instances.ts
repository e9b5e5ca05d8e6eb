import { workPaths } from '../../../gateway/nginx-config.js';
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
