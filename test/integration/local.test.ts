/**
 * `cdcpipe local` (the embedded kinesis-local in the foreground) and the global `--local` flag, with
 * the real built binary. These start their own servers on free ports, apart from the shared one.
 */
import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/servers.js';
import { createStream, kinesisClient, putRecords, runCli, uniqueStreamName } from '../helpers/kinesis.js';
import { readAll } from '../helpers/read-all.js';

const BIN = fileURLToPath(new URL('../../bin/cdcpipe.js', import.meta.url));

interface LocalServer {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

const started: LocalServer[] = [];

afterEach(async () => {
  for (const s of started.splice(0)) {
    if (s.child.exitCode === null && s.child.signalCode === null) {
      s.child.kill('SIGINT');
      await s.exit;
    }
  }
});

/**
 * Starts `cdcpipe local …` and resolves once it has printed its endpoint (or the given line). Text mode
 * prints its two export lines in two writes: this waits for the second, so a test never reads half of them.
 */
async function startLocal(args: string[], waitFor: RegExp = /placeholders|"listening"/): Promise<LocalServer> {
  const child = spawn(process.execPath, [BIN, 'local', ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const server = { child, stdout: () => out, stderr: () => err, exit };
  started.push(server);
  const deadline = Date.now() + 45_000;
  while (!waitFor.test(out)) {
    if (child.exitCode !== null) throw new Error(`cdcpipe local exited ${child.exitCode}: ${err}`);
    if (Date.now() > deadline) throw new Error(`cdcpipe local did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return server;
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    return (await fetch(`${endpoint}/healthcheck`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('cdcpipe local', () => {
  it('starts, answers /healthcheck, listens on 127.0.0.1 only, and stops on SIGINT with exit 0', async () => {
    const port = await freePort();
    const server = await startLocal(['--port', String(port)]);
    const endpoint = `http://127.0.0.1:${port}`;
    expect(server.stdout()).toContain(`export AWS_ENDPOINT_URL=${endpoint}\n`);
    expect(server.stdout()).toMatch(/AWS_ACCESS_KEY_ID=local .*placeholders/);
    expect(await healthy(endpoint)).toBe(true);

    // Every socket the server process listens on is bound to 127.0.0.1 (its HTTP and TLS ports).
    const serverPid = Number(execFileSync('pgrep', ['-P', String(server.child.pid)]).toString().trim().split('\n')[0]);
    const listening = execFileSync('ss', ['-ltnpH']).toString().split('\n').filter((l) => l.includes(`pid=${serverPid},`));
    expect(listening.length).toBeGreaterThanOrEqual(1);
    expect(listening.some((l) => l.includes(`127.0.0.1:${port} `))).toBe(true);
    for (const line of listening) expect(line.split(/\s+/)[3]).toMatch(/^127\.0\.0\.1:\d+$/);
    // … so it cannot be reached on the machine's other addresses.
    const external = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
    if (external) expect(await canConnect(external.address, port)).toBe(false);

    server.child.kill('SIGINT');
    expect(await server.exit).toBe(0);
    expect(server.stderr()).toMatch(/kinesis-local stopped/);
    // It waited for its server: the process is gone and the port is closed.
    expect(alive(serverPid)).toBe(false);
    expect(await canConnect('127.0.0.1', port)).toBe(false);
  });

  it('--data-dir keeps streams and records across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdcpipe-local-'));
    try {
      const port = await freePort();
      const endpoint = `http://127.0.0.1:${port}`;
      const first = await startLocal(['--port', String(port), '--data-dir', dir]);
      const client = kinesisClient(endpoint);
      const stream = uniqueStreamName('persist');
      await createStream(client, stream, 1);
      await putRecords(client, stream, Array.from({ length: 25 }, (_, i) => ({ partitionKey: `k${i}`, data: `r${i}` })));
      // kinesis-local writes its state every second (PERSIST_INTERVAL).
      await new Promise((r) => setTimeout(r, 2500));
      first.child.kill('SIGINT');
      expect(await first.exit).toBe(0);

      await startLocal(['--port', String(port), '--data-dir', dir]);
      const records = await readAll(client, stream);
      expect(records.map((r) => Buffer.from(r.data).toString()).sort()).toEqual(Array.from({ length: 25 }, (_, i) => `r${i}`).sort());
      client.destroy();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a port already in use with exit 2, naming --port', async () => {
    const port = await freePort();
    await startLocal(['--port', String(port)]);
    const res = await runCli(['local', '--port', String(port)]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--port .*already in use/);
    expect(res.stderr).toMatch(/a local Kinesis server already answers there/);
  });

  it('rejects a bad --port with exit 2', async () => {
    const res = await runCli(['local', '--port', '70000']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--port: expected a whole number ≥ 1 and ≤ 65535/);
  });
});

describe('the global --local flag', () => {
  // No AWS credentials or endpoint in the environment: --local must supply both.
  const noAws = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_REGION: undefined };

  it('uses a running `cdcpipe local` when its /healthcheck answers', async () => {
    const port = await freePort();
    await startLocal(['--port', String(port)]);
    const stream = uniqueStreamName('local-flag');
    const res = await runCli(['produce', stream, '--local', '--create-shards', '1', '--rps', '500', '--kb', '1', '--count', '50', '--json'], { env: { ...noAws, CDCPIPE_LOCAL_PORT: String(port) } });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`using the local Kinesis server at http://127.0.0.1:${port}`);
    expect(JSON.parse(res.stdout).records).toBe(50);
    const client = kinesisClient(`http://127.0.0.1:${port}`);
    expect(await readAll(client, stream)).toHaveLength(50);
    client.destroy();
  });

  it('starts a server for the command when none runs, and stops it at the end', async () => {
    const unused = await freePort();
    const res = await runCli(['produce', 's', '--local', '--create-shards', '2', '--rps', '500', '--kb', '1', '--count', '30', '--json'], { env: { ...noAws, CDCPIPE_LOCAL_PORT: String(unused) } });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).records).toBe(30);
    const endpoint = /started a local Kinesis server at (http:\/\/127\.0\.0\.1:\d+)/.exec(res.stderr)?.[1];
    expect(endpoint).toBeDefined();
    expect(await healthy(endpoint!)).toBe(false);
  });

  it('cannot be combined with --endpoint-url', async () => {
    const res = await runCli(['produce', 's', '--local', '--endpoint-url', 'http://127.0.0.1:1', '--rps', '1', '--kb', '1', '--count', '1']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--local and --endpoint-url/);
  });
});

// AWS_ENDPOINT_URL points at a closed port: the run only succeeds if Kinesis calls went to the local server.
describe('--local isolation', () => {
  it('does not send --local commands to AWS_ENDPOINT_URL', async () => {
    const port = await freePort();
    await startLocal(['--port', String(port)]);
    const stream = uniqueStreamName('isolation');
    const res = await runCli(['produce', stream, '--local', '--create-shards', '1', '--rps', '500', '--kb', '1', '--count', '5', '--json'], {
      endpoint: 'http://127.0.0.1:1',
      env: { CDCPIPE_LOCAL_PORT: String(port) },
    });
    expect(res.code, res.stderr).toBe(0);
    const client = kinesisClient(`http://127.0.0.1:${port}`);
    expect(await readAll(client, stream)).toHaveLength(5);
    client.destroy();
  });
});
