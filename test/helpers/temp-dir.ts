/**
 * Temporary directories for tests, removed again: tempDir when the file or describe block that made it
 * finishes, testTempDir when the test that made it finishes. Nothing is left under the OS temp dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

const make = (prefix: string): string => mkdtempSync(join(tmpdir(), `cdcpipe-${prefix}-`));
const remove = (dir: string) => () => rmSync(dir, { recursive: true, force: true });

/** At module or describe level. */
export function tempDir(prefix: string): string {
  const dir = make(prefix);
  afterAll(remove(dir));
  return dir;
}

/** Inside a test. */
export function testTempDir(prefix: string): string {
  const dir = make(prefix);
  onTestFinished(remove(dir));
  return dir;
}
