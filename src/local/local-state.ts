/**
 * Where a running `cdcpipe local` says it is: one small file per port, so `--local` can tell "a
 * server I know of is busy" (wait for it) from "nothing runs there" (start one for this command).
 * The file lives in the user's runtime directory (XDG_RUNTIME_DIR), else the OS temp directory, or
 * CDCPIPE_STATE_DIR when set.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface LocalServerRecord {
  pid: number;
  port: number;
  endpoint: string;
  startedAt: string;
  dataDir: string | null;
}

function stateDir(env: NodeJS.ProcessEnv): string {
  return env.CDCPIPE_STATE_DIR || env.XDG_RUNTIME_DIR || tmpdir();
}

function uid(): string {
  try {
    return String(userInfo().uid);
  } catch {
    return 'user';
  }
}

export function recordPath(port: number, env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), `cdcpipe-local-${uid()}-${port}.json`);
}

export function writeLocalRecord(record: LocalServerRecord, env: NodeJS.ProcessEnv = process.env): void {
  mkdirSync(stateDir(env), { recursive: true });
  writeFileSync(recordPath(record.port, env), `${JSON.stringify(record)}\n`, { mode: 0o600 });
}

export function removeLocalRecord(port: number, env: NodeJS.ProcessEnv = process.env): void {
  rmSync(recordPath(port, env), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The record of a `cdcpipe local` on this port whose process is still running; a stale record is removed. */
export function readLocalRecord(port: number, env: NodeJS.ProcessEnv = process.env): LocalServerRecord | undefined {
  let record: LocalServerRecord;
  try {
    record = JSON.parse(readFileSync(recordPath(port, env), 'utf8')) as LocalServerRecord;
  } catch {
    return undefined;
  }
  if (typeof record.pid !== 'number' || record.port !== port || !alive(record.pid)) {
    removeLocalRecord(port, env);
    return undefined;
  }
  return record;
}
