import { execa } from 'execa';
import { ROOT } from './paths.js';

/**
 * The demo app in C (compose/demo/fast-server.c) as a test backend in place of the busybox
 * image: one process with keep-alive connections (busybox httpd forks per request and closes
 * each connection, so every request is a new connection through docker-proxy, and a few of them
 * wait seconds on TCP retransmits), answering "<BACKEND_ID> <path>" and /health on port 80 like
 * the busybox image. After SIGTERM it serves normally for STOP_DELAY_MS, then exits.
 */
export const FAST_APP = {
  image: 'docker-consul-gateway/demo-fast:latest',
  imageEnv: { HTTP_PORTS: '80', STOP_DELAY_MS: '0' } as Record<string, string>,
};

/** Builds the image when missing or out of date (compose/demo/build-fast-image.sh: gcc -static). */
export async function fastApp(): Promise<typeof FAST_APP> {
  await execa('bash', ['compose/demo/build-fast-image.sh', FAST_APP.image], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  return FAST_APP;
}
