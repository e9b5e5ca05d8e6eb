import { writeFile } from 'node:fs/promises';
import { ToolkitError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { testConfig, type NginxBinary } from './nginx.js';
import { renderMainConfig, type WorkPaths } from './nginx-config.js';

/**
 * `lua`: one nginx; routes and instances live in a shared dict and change without a reload.
 * `reload`: nginx without the lua module; instances live in a second nginx (the upstream pool)
 * that reloads on each change, so the client-facing one reloads only for new routes.
 */
export type GatewayMode = 'lua' | 'reload';

export interface ModeOptions {
  requested: 'auto' | GatewayMode;
  nginx: NginxBinary;
  paths: WorkPaths;
  workerProcesses: string;
  shutdownTimeoutMs: number;
  logger: Logger;
}

/**
 * auto: lua when `nginx -t` accepts the gateway's nginx.conf in lua mode (Debian's
 * libnginx-mod-http-lua and lua-resty-core installed), else reload. `lua` fails when nginx
 * rejects it, with nginx's message.
 */
export async function resolveMode(o: ModeOptions): Promise<GatewayMode> {
  if (o.requested === 'reload') return 'reload';
  const { paths } = o;
  await writeFile(paths.candidate, '# lua mode check: no servers\n');
  await writeFile(
    paths.testConf,
    renderMainConfig({
      paths,
      routesFile: paths.candidate,
      generation: 0,
      workerProcesses: o.workerProcesses,
      shutdownTimeoutMs: o.shutdownTimeoutMs,
      lua: true,
    }),
  );
  const test = await testConfig(o.nginx, paths.testConf);
  if (test.ok) return 'lua';
  if (o.requested === 'lua')
    throw new ToolkitError(`--mode lua: nginx rejected the lua module: ${test.message}`, {
      code: 'E_NGINX',
    });
  o.logger.info({ reason: test.message }, 'lua module unavailable: changes reload nginx');
  return 'reload';
}
