import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Child } from '../../common/process/child.js';
import { waitFor } from './wait-for.js';

export interface TestNginx {
  prefix: string;
  confPath: string;
  reload(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Debian's nginx in the foreground with a temporary prefix; `http` is the body of `http {}`, `main`
 * goes first (load_module); `workers`: worker_processes (a number or "auto", default 1);
 * `workerConnections` (default 256). Ready once plain HTTP answers on `port`.
 */
export async function startNginx(
  http: string,
  options: {
    port: number;
    bin?: string;
    main?: string;
    workers?: number | 'auto';
    workerConnections?: number;
  },
): Promise<TestNginx> {
  const bin = options.bin ?? 'nginx';
  const prefix = mkdtempSync(join(tmpdir(), 'nginx-test-'));
  for (const d of ['logs', 'tmp', 'conf']) mkdirSync(join(prefix, d), { recursive: true });
  const confPath = join(prefix, 'conf/nginx.conf');
  writeFileSync(
    confPath,
    [
      options.main ?? '',
      'daemon off;',
      `worker_processes ${options.workers ?? 1};`,
      `pid ${prefix}/logs/nginx.pid;`,
      `error_log ${prefix}/logs/error.log warn;`,
      `events { worker_connections ${options.workerConnections ?? 256}; }`,
      'http {',
      `  access_log off; client_body_temp_path ${prefix}/tmp; proxy_temp_path ${prefix}/tmp;`,
      `  fastcgi_temp_path ${prefix}/tmp; uwsgi_temp_path ${prefix}/tmp; scgi_temp_path ${prefix}/tmp;`,
      http,
      '}',
    ].join('\n'),
  );
  await execa(bin, ['-t', '-q', '-p', prefix, '-c', confPath]);
  const child = new Child(bin, ['-p', prefix, '-c', confPath]);
  await waitFor(
    async () =>
      (await fetch(`http://127.0.0.1:${options.port}/`).catch(() => undefined)) !== undefined,
    {
      what: `nginx on port ${options.port}`,
    },
  );
  return {
    prefix,
    confPath,
    async reload() {
      child.kill('SIGHUP');
    },
    async stop() {
      await child.stop('SIGQUIT', 5_000);
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
