import { readFile } from 'node:fs/promises';
import { abortableSleep } from '../../common/sleep.js';
import { templateError, type FetchOptions, type Query } from './query.js';

const POLL_MS = 250;

/**
 * consul-template's `file`: a local file's contents, watched like a Consul key. The first fetch
 * answers at once; later ones "block" (polling the file) until the contents change or the wait
 * ends, so the watcher's ordinary loop, index and backoff apply. A missing file is an error the
 * watcher retries: the template waits for it, as consul-template does.
 */
export function fileQuery(path: string): Query {
  if (typeof path !== 'string' || path.trim() === '')
    throw templateError('file: expected a file path');
  let index = 0;
  let last: string | undefined;
  return {
    key: `file(${path})`,
    blocking: true,
    local: true,
    async fetch(_client: unknown, opts: FetchOptions) {
      const deadline = Date.now() + Math.max(POLL_MS, opts.waitMs);
      for (;;) {
        const contents = await readFile(path, 'utf8').catch((error: Error) => {
          throw templateError(`file: ${path}: ${error.message}`);
        });
        if (contents !== last || opts.index !== index || Date.now() >= deadline) {
          if (contents !== last) index++;
          last = contents;
          return { data: contents, index, lastContactMs: 0 };
        }
        await abortableSleep(POLL_MS, opts.signal);
      }
    },
  };
}
