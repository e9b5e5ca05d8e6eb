import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CACHE = join(ROOT, '.cache');
export const CONSUL_BIN = join(CACHE, 'consul/usr/bin/consul');
export const TEST_IMAGE = 'toolkit-test/busybox:latest';
/** Every container a test creates carries this label, so cleanup never touches anything else. */
export const TEST_LABEL = 'org.toolkit.test';
export const DIST = join(ROOT, 'dist');
