import { statSync } from 'node:fs';

/**
 * What a destination file looked like right after the renderer wrote it or found it equal: its
 * inode, size, mode and modification time (nanosecond resolution on Linux file systems).
 */
export interface FileStamp {
  ino: number;
  size: number;
  mode: number;
  mtimeNs: bigint;
}

/** The file's stamp, or undefined when it cannot be read (gone, no permission). */
export function stampOf(path: string): FileStamp | undefined {
  try {
    const s = statSync(path, { bigint: true });
    return { ino: Number(s.ino), size: Number(s.size), mode: Number(s.mode), mtimeNs: s.mtimeNs };
  } catch {
    return undefined;
  }
}

/**
 * Whether the file still is the one a stamp was taken of: same inode (an atomic replace makes a
 * new one), size, mode and modification time. A renderer whose output did not change can then
 * skip reading the file back (a read costs several thread-pool round trips, and under load each
 * of them waits for a CPU), and still notices a file someone else replaced, edited or removed.
 */
export function unchangedSince(path: string, stamp: FileStamp | undefined): boolean {
  if (!stamp) return false;
  const now = stampOf(path);
  return (
    now !== undefined &&
    now.ino === stamp.ino &&
    now.size === stamp.size &&
    now.mode === stamp.mode &&
    now.mtimeNs === stamp.mtimeNs
  );
}
