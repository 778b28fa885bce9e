/**
 * moto (the Python AWS emulator, `moto_server`) as a second real AWS server for tests: DMS, Firehose,
 * IAM, S3, SNS, CloudWatch, RDS and Lambda listings. Started per test file on a free 127.0.0.1 port.
 *
 * moto has two gaps that would stop cdcpipe before it gets to the behaviour under test; this helper, and
 * only this helper, works around them with a small rewriting proxy in front of moto:
 * - DMS answers carry timestamps as ISO strings where the AWS model (and the SDK) expects epoch seconds
 *   ("Expected real number"): every ISO timestamp in a DMS answer becomes epoch seconds.
 * - A new DMS replication task stays `creating` forever, where AWS moves it to `ready`: a task reported
 *   `creating` is reported `ready`.
 * Everything else reaches moto and comes back as moto answered it.
 *
 * A third gap is in time, not in shape, and `metricTimestamp` below covers it: moto's GetMetricData drops
 * the milliseconds of EndTime and takes datapoints before it, so a datapoint put in the same second as the
 * read is not found (AWS shows a new datapoint only after an ingestion delay, so no cdcpipe read expects it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { inject } from 'vitest';
import { freePort } from '../../src/local/kinesis-local.js';

/** A time for PutMetricData datapoints that a GetMetricData read right after will see on moto: a few seconds back. */
export function metricTimestamp(nowMs = Date.now()): Date {
  return new Date(nowMs - 5_000);
}

export interface Moto {
  /** The proxy: point every AWS client here. */
  endpoint: string;
  /** moto itself, without the rewrites (to show a gap, or reset state). */
  motoEndpoint: string;
  stop(): Promise<void>;
}

/** Is moto's server installed (python3 -c "import moto")? */
export function motoAvailable(): boolean {
  return spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore' }).status === 0;
}

const ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:?\d{2}|Z)?$/;

/** The two rewrites, on one parsed DMS answer. */
export function rewriteDmsAnswer(value: unknown, parentHasTaskArn = false): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteDmsAnswer(v));
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const isTask = typeof obj.ReplicationTaskArn === 'string' && 'ReplicationTaskIdentifier' in obj;
    return Object.fromEntries(
      Object.entries(obj).map(([k, v]) => {
        if (k === 'Status' && isTask && v === 'creating') return [k, 'ready'];
        if (typeof v === 'string' && ISO.test(v)) {
          const ms = Date.parse(/Z|[+-]\d{2}:?\d{2}$/.test(v) ? v : `${v.replace(' ', 'T')}Z`);
          return [k, Number.isNaN(ms) ? v : ms / 1000];
        }
        return [k, rewriteDmsAnswer(v, isTask || parentHasTaskArn)];
      }),
    );
  }
  return value;
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited before it was ready (${url})`);
    try {
      if ((await fetch(`${url}/moto-api/`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server not ready after ${timeoutMs} ms at ${url}`);
}

export async function startMoto(): Promise<Moto> {
  const motoPort = await freePort();
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(motoPort)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const motoEndpoint = `http://127.0.0.1:${motoPort}`;
  try {
    await waitReady(motoEndpoint, child, 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const upstream = httpRequest({ host: '127.0.0.1', port: motoPort, method: req.method, path: req.url, headers: req.headers }, (up) => {
        const body: Buffer[] = [];
        up.on('data', (c: Buffer) => body.push(c));
        up.on('end', () => {
          let out = Buffer.concat(body);
          if (target.startsWith('AmazonDMSv20160101.') && (up.statusCode ?? 500) < 300 && out.length) {
            out = Buffer.from(JSON.stringify(rewriteDmsAnswer(JSON.parse(out.toString('utf8')))));
          }
          const headers = { ...up.headers, 'content-length': String(out.length) };
          delete headers['transfer-encoding'];
          res.writeHead(up.statusCode ?? 500, headers);
          res.end(out);
        });
      });
      upstream.on('error', (err) => {
        res.writeHead(502);
        res.end(String(err));
      });
      upstream.end(Buffer.concat(chunks));
    });
  });
  const proxyPort = await freePort();
  await new Promise<void>((resolve) => server.listen(proxyPort, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${proxyPort}`,
    motoEndpoint,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

export const MOTO_SKIP_LINE = "skipped: moto not installed (pip install 'moto[server]')";

/**
 * Once per run, in the integration project's global setup: is moto there? Without it the run goes on and
 * says so in one visible line; with CDCPIPE_REQUIRE_MOTO=1 (set by .ci/run) a missing moto fails the run
 * instead of skipping silently.
 */
export function checkMotoForRun(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): boolean {
  if (motoAvailable()) return true;
  if (process.env.CDCPIPE_REQUIRE_MOTO === '1') throw new Error("moto is required here (CDCPIPE_REQUIRE_MOTO=1) but not installed: pip install 'moto[server]'");
  write(MOTO_SKIP_LINE);
  return false;
}

/**
 * Whether this test file may use moto: the global setup's answer for the run (so the skip line is printed
 * once, not once per file); checked here only when a file runs without that setup.
 */
export function motoTestsEnabled(): boolean {
  const forRun = inject('motoAvailable');
  return typeof forRun === 'boolean' ? forRun : checkMotoForRun();
}
