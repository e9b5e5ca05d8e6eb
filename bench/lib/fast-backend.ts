import { execa } from 'execa';
import { ROOT } from '../../test/helpers/paths.js';

/**
 * The benches' fast backend: compose/demo/fast-server.c (the demo app in C: keep-alive, no fork
 * per request, listening milliseconds after its container starts), on port 80 like the test
 * busybox, exiting at once on SIGTERM. Built (only when its source changed) by
 * compose/demo/build-fast-image.sh.
 */
export const FAST_BACKEND = {
  image: 'docker-consul-gateway/demo-fast:latest',
  imageEnv: { HTTP_PORTS: '80', STOP_DELAY_MS: '0' },
};

export async function fastBackend(): Promise<typeof FAST_BACKEND> {
  await execa('bash', ['compose/demo/build-fast-image.sh', FAST_BACKEND.image], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  return FAST_BACKEND;
}
