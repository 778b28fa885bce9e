/**
 * `put`'s local input: files and stdin read whole, gzip (by its magic bytes 1f 8b) inflated, and the
 * --failed-file written.
 */
import { open, readFile } from 'node:fs/promises';
import { constants, gunzip, gunzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { lastCompleteLine } from '../core/put-split.js';

const gunzipAsync = promisify(gunzip);

export async function readInputFile(path: string): Promise<Buffer> {
  if (path === '-') return readStdin();
  return readFile(path);
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export interface Inflated {
  bytes: Buffer;
  /** Set when the gzip stream is cut short or corrupt: `bytes` then holds the complete lines before the damage. */
  damaged?: { line: number; reason: string };
}

/**
 * The bytes, inflated when they are gzip. A truncated or corrupt gzip keeps what inflates before the
 * damage, cut at its last complete line, so the report can name the line where the input stops.
 */
export async function inflateIfGzip(bytes: Uint8Array): Promise<Inflated> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isGzip(buf)) return { bytes: buf };
  try {
    return { bytes: await gunzipAsync(buf) };
  } catch (err) {
    let partial: Buffer;
    try {
      // Z_SYNC_FLUSH: hand back what inflated so far instead of failing at the missing end.
      partial = gunzipSync(buf, { finishFlush: constants.Z_SYNC_FLUSH });
    } catch {
      partial = Buffer.alloc(0);
    }
    const { end, nextLine } = lastCompleteLine(partial);
    return { bytes: partial.subarray(0, end), damaged: { line: nextLine, reason: `truncated or corrupt gzip (${(err as Error).message})` } };
  }
}

/** Writes lines to a file created for this run (never over an existing file). */
export async function writeNewFile(path: string, lines: string[]): Promise<void> {
  const file = await open(path, 'wx');
  try {
    await file.writeFile(lines.length ? `${lines.join('\n')}\n` : '');
  } finally {
    await file.close();
  }
}
