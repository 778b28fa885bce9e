/**
 * Runs kinesis-local (the Kinesis API server LocalStack uses) as a child process on 127.0.0.1.
 * Shared by `cdcpipe local`, the global `--local` flag, `demo` and the integration tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * kinesis-local listens on every interface and has no setting for it; this preload, given to its
 * process with `--import`, puts every TCP listen of that process on 127.0.0.1.
 */
const LOOPBACK_PRELOAD = `
import net from 'node:net';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  if (typeof first === 'number' || (typeof first === 'string' && /^\\d+$/.test(first))) {
    if (typeof args[1] === 'string') args[1] = '127.0.0.1'; else args.splice(1, 0, '127.0.0.1');
  } else if (first && typeof first === 'object' && !('fd' in first) && !('path' in first) && !('_handle' in first)) {
    args[0] = { ...first, host: '127.0.0.1' };
  }
  return listen.apply(this, args);
};`;

/** `cdcpipe local`'s port, and where `--local` looks for a running server (the port LocalStack's Kinesis used). */
export const LOCAL_DEFAULT_PORT = 4568;

/**
 * kinesis-local checks no signatures: any credentials do. These are placeholders, not secrets, and
 * are only ever sent to a local endpoint.
 */
export const LOCAL_DUMMY_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

/** Is this port on 127.0.0.1 already taken? */
export async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(true));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface KinesisLocalOptions {
  /** Plain HTTP port; a free one when omitted. */
  port?: number;
  /** Persist streams and records under this directory (kinesis-local's SHOULD_PERSIST_DATA). */
  dataDir?: string;
  /** Extra server settings, e.g. UPDATE_SHARD_COUNT_DURATION. */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

export interface KinesisLocal {
  endpoint: string;
  port: number;
  pid: number | undefined;
  /** Resolves when the process has exited (on its own or after stop()). */
  exited: Promise<void>;
  stop(): Promise<void>;
}

export async function startKinesisLocal(opts: KinesisLocalOptions = {}): Promise<KinesisLocal> {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('kinesis-local/main.js'));
  const port = opts.port ?? (await freePort());
  const tlsPort = await freePort();
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    KINESIS_MOCK_PLAIN_PORT: String(port),
    KINESIS_MOCK_TLS_PORT: String(tlsPort),
    KINESIS_MOCK_CERT_PATH: join(dir, 'server.json'),
    LOG_LEVEL: 'ERROR',
    ROOT_LOG_LEVEL: 'ERROR',
    // The server's default 500 ms per state change only slows local work down.
    CREATE_STREAM_DURATION: '100ms',
    DELETE_STREAM_DURATION: '100ms',
    UPDATE_SHARD_COUNT_DURATION: '200ms',
    SPLIT_SHARD_DURATION: '200ms',
    MERGE_SHARDS_DURATION: '200ms',
    REGISTER_STREAM_CONSUMER_DURATION: '100ms',
    DEREGISTER_STREAM_CONSUMER_DURATION: '100ms',
    START_STREAM_ENCRYPTION_DURATION: '100ms',
    STOP_STREAM_ENCRYPTION_DURATION: '100ms',
    UPDATE_STREAM_MODE_DURATION: '100ms',
    SHARD_LIMIT: '1000',
    ...(opts.dataDir ? { SHOULD_PERSIST_DATA: 'true', LOAD_DATA_IF_EXISTS: 'true', PERSIST_PATH: opts.dataDir, PERSIST_INTERVAL: '1s' } : {}),
    ...opts.env,
  };
  const child = spawn(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(LOOPBACK_PRELOAD)}`, join(dir, 'main.js')], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(`${endpoint}/healthcheck`, child, opts.readyTimeoutMs ?? 30_000);
  } catch (err) {
    await stopChild(child);
    throw new Error(`${(err as Error).message}${stderr ? `\n${stderr}` : ''}`);
  }
  return { endpoint, port, pid: child.pid, exited, stop: () => stopChild(child) };
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`kinesis-local exited before it was ready (${url})`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`kinesis-local not ready after ${timeoutMs} ms at ${url}`);
}

/** SIGTERM, then SIGKILL after 3 s: kinesis-local sometimes ignores SIGTERM. */
function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(killTimer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Is a Kinesis server answering at this endpoint within `timeoutMs`? */
export async function isKinesisLocalUp(endpoint: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint.replace(/\/$/, '')}/healthcheck`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Asks again until the server answers or `totalMs` has passed (a busy server answers late, or refuses for a moment). */
export async function waitKinesisLocalUp(endpoint: string, totalMs: number): Promise<boolean> {
  const deadline = Date.now() + totalMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    if (await isKinesisLocalUp(endpoint, Math.min(left, 5_000))) return true;
    await new Promise((r) => setTimeout(r, Math.min(250, Math.max(0, deadline - Date.now()))));
  }
}
