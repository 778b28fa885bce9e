/**
 * `produce --duration` bounds wall time, and Ctrl-C stops within about a second with the report (issue 20,
 * item 3: `--duration 10s` wrote the 20,000 records of rps × duration in 85 s). The fault proxy slows
 * every PutRecords so the target rate cannot be met.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { createStream, kinesisClient, REGION, runCli, TEST_CREDENTIALS, uniqueStreamName } from '../helpers/kinesis.js';
import { readAll } from '../helpers/read-all.js';

const endpoint = inject('kinesisEndpoint');
const BIN = fileURLToPath(new URL('../../bin/cdcpipe.js', import.meta.url));

describe('produce --duration and Ctrl-C', () => {
  it('--duration 2s ends in about 2 s when the stream cannot keep up, and says what the stream took', async () => {
    const proxy = await startFaultProxy({ target: endpoint, seed: 3, rules: [{ operation: 'PutRecords', fault: 'slow', rate: 1, delayMs: 1200 }] });
    try {
      const stream = uniqueStreamName('duration');
      const client = kinesisClient(endpoint);
      await createStream(client, stream, 1);
      const started = Date.now();
      const res = await runCli(['produce', stream, '--rps', '3000', '--kb', '1', '--duration', '2s', '--max-in-flight', '1', '--json'], { endpoint: proxy.endpoint, timeoutMs: 60_000 });
      const wallMs = Date.now() - started;
      expect(res.code, res.stderr).toBe(0);
      const doc = JSON.parse(res.stdout);
      expect(doc.targetRecords).toBe(6000);
      expect(doc.records).toBeLessThan(6000);
      expect(doc.notSent).toBeGreaterThan(0);
      expect(wallMs).toBeLessThan(7000);
      // What the report says was written is what the stream holds.
      expect(await readAll(client, stream)).toHaveLength(doc.records);
      client.destroy();
    } finally {
      await proxy.stop();
    }
  });

  it('Ctrl-C stops within about a second: in-flight batches finish, the report is printed, exit 0', async () => {
    const stream = uniqueStreamName('ctrlc-produce');
    const client = kinesisClient(endpoint);
    await createStream(client, stream, 1);
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey, AWS_REGION: REGION, AWS_ENDPOINT_URL: endpoint };
    const child = spawn(process.execPath, [BIN, 'produce', stream, '--rps', '200', '--kb', '1', '--duration', '60s', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exit = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
    await new Promise((r) => setTimeout(r, 2500));
    const sent = Date.now();
    child.kill('SIGINT');
    const code = await exit;
    expect(Date.now() - sent).toBeLessThan(2500);
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc.stoppedEarly).toBe(true);
    expect(doc.records).toBeGreaterThan(0);
    expect(await readAll(client, stream)).toHaveLength(doc.records);
    client.destroy();
  });

  it('--count still writes every record', async () => {
    const stream = uniqueStreamName('count');
    const client = kinesisClient(endpoint);
    await createStream(client, stream, 1);
    const res = await runCli(['produce', stream, '--rps', '2000', '--kb', '1', '--count', '500', '--json'], { endpoint });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ records: 500, notSent: 0 });
    client.destroy();
  });
});
