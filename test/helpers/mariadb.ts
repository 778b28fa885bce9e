/**
 * A real MariaDB server for tests: a fresh datadir (mariadb-install-db) in a temporary directory,
 * `mariadbd` on a free 127.0.0.1 port with its unix socket in that directory and the binary log on.
 * As root the server runs as the `mysql` user. A `cdc` user with a password is created for TCP logins.
 * `stop()` ends the server (SIGTERM, waiting for it to exit) and removes the directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './servers.js';

export interface MariaDb {
  port: number;
  /** A user for TCP logins from 127.0.0.1, with every privilege. */
  user: string;
  password: string;
  /** mysql://cdc:<password>@127.0.0.1:<port> */
  url: string;
  /** Runs SQL as root over the unix socket; returns stdout (tab-separated, no headers). */
  sql(text: string): string;
  stop(): Promise<void>;
}

const asRoot = process.getuid?.() === 0;

/** mariadbd, mariadb-install-db and the mariadb client on PATH (or in /usr/sbin). */
export function mariadbAvailable(): boolean {
  const have = (c: string) => spawnSync('sh', ['-c', `PATH="$PATH:/usr/sbin" command -v ${c}`], { stdio: 'ignore' }).status === 0;
  return ['mariadbd', 'mariadb-install-db', 'mariadb'].every(have);
}

let skipSaid = false;

/** As postgresTestsEnabled: skips with one line without the server, fails instead with CDCPIPE_REQUIRE_DB=1. */
export function mariadbTestsEnabled(): boolean {
  if (mariadbAvailable()) return true;
  if (process.env.CDCPIPE_REQUIRE_DB === '1') throw new Error('MariaDB is required here (CDCPIPE_REQUIRE_DB=1) but mariadbd is not installed (apt-get install mariadb-server)');
  if (!skipSaid) process.stderr.write('skipped: MariaDB server not installed (apt-get install mariadb-server)\n');
  skipSaid = true;
  return false;
}

const env = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin` };

async function waitReady(socket: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mariadbd exited (${child.exitCode}) before it was ready\n${log()}`);
    if (spawnSync('mariadb-admin', ['--no-defaults', `--socket=${socket}`, '-uroot', 'ping'], { stdio: 'ignore', env }).status === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`mariadbd not ready after ${timeoutMs} ms\n${log()}`);
}

/** `options` are extra mariadbd options, e.g. `['--binlog-format=MIXED']`. */
export async function startMariaDb(options: string[] = []): Promise<MariaDb> {
  const dir = mkdtempSync(join(tmpdir(), 'cdcpipe-maria-'));
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'mysql'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'mysql'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const socket = join(dir, 'sock');
  const user = asRoot ? ['--user=mysql'] : [];
  const install = spawnSync('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, ...user, '--auth-root-authentication-method=normal', '--skip-test-db'], { encoding: 'utf8', env, timeout: 120_000 });
  if (install.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed: ${install.stderr || install.stdout}`);
  }
  const port = await freePort();
  const args = ['--no-defaults', `--datadir=${data}`, ...user, `--port=${port}`, '--bind-address=127.0.0.1', `--socket=${socket}`, `--pid-file=${join(dir, 'pid')}`, `--log-bin=${join(data, 'binlog')}`, '--server-id=1', '--skip-name-resolve', '--innodb-buffer-pool-size=16M', ...options];
  const child = spawn('mariadbd', args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(socket, child, () => log, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const sql = (text: string) => {
    const r = spawnSync('mariadb', ['--no-defaults', `--socket=${socket}`, '-uroot', '-N', '-B'], { input: text, encoding: 'utf8', env });
    if (r.status !== 0) throw new Error(`mariadb failed: ${r.stderr}`);
    return r.stdout.trim();
  };
  const password = `pw-${Math.random().toString(36).slice(2, 12)}`;
  try {
    sql(`CREATE USER 'cdc'@'127.0.0.1' IDENTIFIED BY '${password}'; GRANT ALL PRIVILEGES ON *.* TO 'cdc'@'127.0.0.1';`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, user: 'cdc', password, url: `mysql://cdc:${encodeURIComponent(password)}@127.0.0.1:${port}`, sql, stop };
}
