import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ToolkitError } from '../common/errors.js';
import { stampOf, unchangedSince, type FileStamp } from './file-stamp.js';
import type { TemplateConfig } from './types.js';

export interface WriteOptions {
  perms?: number;
  backup?: boolean;
  createDestDirs?: boolean;
}

export interface WriteResult {
  changed: boolean;
}

/**
 * Writes `contents` to `destination` atomically and only when the bytes differ: a temp file in
 * the same folder, fsync, rename over the target (readers see the old or the new file, never a
 * mix), permissions kept from the existing file unless `perms` says otherwise.
 */
export async function atomicWrite(
  destination: string,
  contents: string,
  options: WriteOptions = {},
): Promise<WriteResult> {
  const bytes = Buffer.from(contents);
  let mode = options.perms;
  try {
    const [current, stat] = await Promise.all([fs.readFile(destination), fs.stat(destination)]);
    if (current.equals(bytes) && (mode === undefined || (stat.mode & 0o7777) === mode))
      return { changed: false };
    mode ??= stat.mode & 0o7777;
    if (options.backup) await fs.copyFile(destination, `${destination}.bak`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw writeError(destination, error);
  }
  const dir = dirname(destination);
  const temp = join(dir, `.${basename(destination)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    if (options.createDestDirs !== false) await fs.mkdir(dir, { recursive: true });
    const handle = await fs.open(temp, 'w', mode ?? 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.chmod(mode ?? 0o644); // the umask may have narrowed the mode given to open
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, destination);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw writeError(destination, error);
  }
  return { changed: true };
}

function writeError(destination: string, error: unknown): ToolkitError {
  return new ToolkitError(`write ${destination}: ${(error as Error).message}`, {
    code: 'E_WRITE',
    cause: error,
  });
}

/**
 * A render's output: written atomically, or in -dry mode printed to `stdout` when it differs from
 * the previous one. Returns whether it changed, and the file's stamp after it (file-stamp.ts).
 */
export async function writeOutput(
  config: TemplateConfig,
  previous: { output?: string; stamp?: FileStamp },
  output: string,
  o: { dry?: boolean; stdout?: { write(text: string): unknown } },
): Promise<{ changed: boolean; stamp?: FileStamp }> {
  if (o.dry) {
    const changed = previous.output !== output;
    if (changed) o.stdout?.write(`> ${config.destination}\n${output}\n`);
    return { changed };
  }
  // The same output as last time, into a file nobody touched since: nothing to read or write.
  if (previous.output === output && unchangedSince(config.destination, previous.stamp))
    return { changed: false, stamp: previous.stamp };
  const { changed } = await atomicWrite(config.destination, output, config);
  return { changed, stamp: stampOf(config.destination) };
}
