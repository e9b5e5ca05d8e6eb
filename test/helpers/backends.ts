import type { TestContainers } from './containers.js';

/** SERVICE_* env of a routed test backend: `urlprefix-/<path>/`, HTTP check, passing at once. */
export function backendEnv(service: string, path: string, id: string): Record<string, string> {
  return {
    BACKEND_ID: id,
    PATHS: path,
    SERVICE_NAME: service,
    SERVICE_TAGS: `urlprefix-/${path}/`,
    SERVICE_80_CHECK_HTTP: '/health',
    SERVICE_80_CHECK_INTERVAL: '1s',
    SERVICE_CHECK_INITIAL_STATUS: 'passing',
    STOP_DELAY: '1',
  };
}

/** Starts `count` routed backends of one service; resolves with their ids (container names). */
export async function startBackends(
  containers: TestContainers,
  service: string,
  path: string,
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = containers.uniqueName(service);
    await containers.run({ name: id, publish: { '80': '' }, env: backendEnv(service, path, id) });
    ids.push(id);
  }
  return ids;
}
