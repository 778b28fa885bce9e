/**
 * A real PostgreSQL server for tests: its own cluster (initdb) in a temporary directory, on a free
 * 127.0.0.1 port, with wal_level=logical, a unix socket in that directory, and password (SCRAM) logins
 * over TCP. initdb refuses to run as root: as root, every server command runs as the `postgres` user.
 * `stop()` shuts it down (pg_ctl -m fast) and removes the directory; nothing is left running.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './servers.js';

export interface Postgres {
  port: number;
  /** The superuser, `postgres`, and its password. */
  user: string;
  password: string;
  /** postgres://postgres:<password>@127.0.0.1:<port>/postgres */
  url: string;
  /** Runs SQL through psql over the unix socket (as the superuser); returns stdout. */
  psql(sql: string, database?: string): string;
  stop(): Promise<void>;
}

const asRoot = process.getuid?.() === 0;

function run(cmd: string, args: string[], opts: { input?: string } = {}): { status: number | null; stdout: string; stderr: string } {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const res = spawnSync(file, argv, { encoding: 'utf8', input: opts.input, timeout: 60_000 });
  return { status: res.status, stdout: res.stdout ?? '', stderr: `${res.stderr ?? ''}${res.error ? String(res.error) : ''}` };
}

/** initdb, pg_ctl, postgres and psql on PATH (and, as root, a postgres user to run them). */
export function postgresAvailable(): boolean {
  const have = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' }).status === 0;
  if (!['initdb', 'pg_ctl', 'postgres', 'psql'].every(have)) return false;
  return !asRoot || spawnSync('id', ['-u', 'postgres'], { stdio: 'ignore' }).status === 0;
}

let skipSaid = false;

/**
 * Whether this run may start PostgreSQL. Without the server binaries the tests skip with one visible
 * line; with CDCPIPE_REQUIRE_DB=1 (set by .ci/run) a missing server fails the run instead.
 */
export function postgresTestsEnabled(): boolean {
  if (postgresAvailable()) return true;
  if (process.env.CDCPIPE_REQUIRE_DB === '1') throw new Error('PostgreSQL is required here (CDCPIPE_REQUIRE_DB=1) but initdb/pg_ctl/postgres/psql are not on PATH');
  if (!skipSaid) process.stderr.write('skipped: PostgreSQL server not installed (initdb, pg_ctl, postgres, psql)\n');
  skipSaid = true;
  return false;
}

export async function startPostgres(settings: Record<string, string> = {}): Promise<Postgres> {
  const dir = mkdtempSync(join(tmpdir(), 'cdcpipe-pg-'));
  const data = join(dir, 'data');
  const password = `pw-${Math.random().toString(36).slice(2, 12)}`;
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (asRoot) chownSync(pwfile, Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()), 0);
  const fail = (what: string, r: { stderr: string; stdout: string }) => {
    rmSync(dir, { recursive: true, force: true });
    return new Error(`${what} failed: ${r.stderr || r.stdout}`);
  };
  const init = run('initdb', ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '--no-sync']);
  if (init.status !== 0) throw fail('initdb', init);
  rmSync(pwfile);
  const port = await freePort();
  const conf = { listen_addresses: '127.0.0.1', port: String(port), unix_socket_directories: dir, wal_level: 'logical', fsync: 'off', max_replication_slots: '10', max_wal_senders: '10', ...settings };
  const opts = Object.entries(conf)
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(' ');
  const start = run('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  if (start.status !== 0) throw fail('pg_ctl start', start);
  let stopped = false;
  return {
    port,
    user: 'postgres',
    password,
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    psql(sql: string, database = 'postgres') {
      const r = run('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-X', '-q', '-A', '-t'], { input: sql });
      if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
      return r.stdout.trim();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
