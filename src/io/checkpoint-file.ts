/** Reading and atomically writing the tail checkpoint file (the pure format is src/core/checkpoint.ts). */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseCheckpoint, serializeCheckpoint, type CheckpointFile } from '../core/checkpoint.js';
import { UsageError } from '../errors.js';

export async function readCheckpointFile(path: string, flag = '--from'): Promise<CheckpointFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${flag}: cannot read checkpoint file ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseCheckpoint(text, path);
}

/**
 * Writes to a temporary file in the same directory, then renames it over the target: rename(2) within
 * one file system is atomic, so a reader (`lag`, a resumed tail) sees the old file or the new one,
 * never a half-written one, even if this process is killed mid-write.
 */
export async function writeCheckpointFile(path: string, cp: CheckpointFile): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, serializeCheckpoint(cp), { mode: 0o644 });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** Whether a file can be created beside `path` (the check --checkpoint makes before any AWS call). */
export async function canWriteBeside(path: string): Promise<boolean> {
  return access(dirname(path), constants.W_OK).then(
    () => true,
    () => false,
  );
}
