/**
 * The global --local flag finds a running `cdcpipe local` reliably (issue 20, item 2) and checks every
 * flag before it finds or starts a server (item 9). The "busy" server is an HTTP front whose health
 * check answers late and which passes every other request to the shared kinesis-local.
 */
import { createServer, request, type Server } from 'node:http';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { writeLocalRecord } from '../../src/local/local-state.js';
import { freePort } from '../helpers/servers.js';
import { runCli, uniqueStreamName } from '../helpers/kinesis.js';
import { tempDir } from '../helpers/temp-dir.js';

const kinesis = new URL(inject('kinesisEndpoint'));
const stateDir = tempDir('local-state');
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** A local Kinesis whose /healthcheck answers after `healthDelayMs` (Infinity: never). */
async function busyServer(healthDelayMs: number): Promise<number> {
  const port = await freePort();
  const server = createServer((req, res) => {
    if (req.url === '/healthcheck') {
      if (Number.isFinite(healthDelayMs)) setTimeout(() => res.end('{}'), healthDelayMs);
      return;
    }
    const up = request({ host: kinesis.hostname, port: kinesis.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 500, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  // What `cdcpipe local` writes when it starts: this (live) process on that port.
  writeLocalRecord({ pid: process.pid, port, endpoint: `http://127.0.0.1:${port}`, startedAt: new Date().toISOString(), dataDir: null }, { CDCPIPE_STATE_DIR: stateDir });
  return port;
}

const env = (port: number) => ({ CDCPIPE_LOCAL_PORT: String(port), CDCPIPE_STATE_DIR: stateDir, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_REGION: undefined });

describe('--local and a running `cdcpipe local`', () => {
  it('waits for a busy server it knows of (health check after 2.5 s) instead of starting an empty one', async () => {
    const port = await busyServer(2500);
    const stream = uniqueStreamName('busy-local');
    const res = await runCli(['produce', stream, '--local', '--create-shards', '1', '--rps', '500', '--kb', '1', '--count', '5', '--json'], { env: env(port) });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`using the local Kinesis server at http://127.0.0.1:${port}`);
    expect(res.stderr).not.toContain('started a local Kinesis server');
  });

  it('a known server that never answers is an error naming it; no second server is started', async () => {
    const port = await busyServer(Infinity);
    const res = await runCli(['produce', 'x', '--local', '--rps', '1', '--kb', '1', '--count', '1'], { env: env(port), timeoutMs: 60_000 });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(new RegExp(`local Kinesis server of \`cdcpipe local\` \\(pid ${process.pid}, http://127\\.0\\.0\\.1:${port}\\) does not answer`));
    expect(res.stderr).not.toContain('started a local Kinesis server');
  });

  it('a stream that is not there gets a hint about the local server, not about --region', async () => {
    const port = await busyServer(0);
    const res = await runCli(['tail', 'no-such-stream', '--local', '-e'], { env: env(port) });
    expect(res.code).toBe(4);
    expect(res.stderr).toContain(`hint: the local server at http://127.0.0.1:${port} has no such stream`);
    expect(res.stderr).not.toMatch(/--region/);
  });
});

describe('--local checks flags first', () => {
  it('a usage error exits 2 at once and starts no server', async () => {
    const unused = await freePort();
    const started = Date.now();
    const res = await runCli(['tail', 'orders-cdc', '--local', '--format', 'yaml'], { env: env(unused) });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--format/);
    expect(res.stderr).not.toContain('started a local Kinesis server');
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('--local with --endpoint-url is a usage error before anything starts', async () => {
    const res = await runCli(['lag', 's', '--local', '--endpoint-url', 'http://127.0.0.1:1']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--local and --endpoint-url/);
  });
});
