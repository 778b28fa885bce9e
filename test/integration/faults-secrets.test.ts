/**
 * Fault suite (issue 8): `--debug` never prints a credential. The real built binary runs every command
 * that talks to AWS against kinesis-local with --debug and fake, recognisable credentials (access key id,
 * secret key and session token). stderr must show the call log, and neither stderr nor stdout may show
 * the secret key, the session token, the access key id or a signature — on success, on errors (a missing
 * stream, exit 4) and on retried calls (HTTP 500s injected by the fault proxy).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createStream, kinesisClient, putRecords, runCli, uniqueStreamName, type CliResult } from '../helpers/kinesis.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { tempDir } from '../helpers/temp-dir.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKESECRET9';
const TOKEN = 'IQoJb3JpZ2luX2VjEFAKE+SESSION/TOKEN=0123456789abcdef';
const KEY_ID = 'ASIAFAKEFAULTSUITE01';
const CREDENTIAL_ENV = { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN, NO_COLOR: '1' };
/** What must never appear: the credentials, parts of them, and what a signed request carries. */
const FORBIDDEN = [SECRET, TOKEN, KEY_ID, SECRET.slice(0, 16), TOKEN.slice(0, 16), 'Signature=', 'Credential=', 'X-Amz-Security-Token', 'x-amz-security-token', 'AWS4-HMAC-SHA256'];

function expectNoSecrets(res: CliResult): void {
  for (const text of [res.stderr, res.stdout]) for (const s of FORBIDDEN) expect(text).not.toContain(s);
}

describe('fault suite: --debug never prints a secret', () => {
  const endpoint = inject('kinesisEndpoint');
  const client = kinesisClient(endpoint);
  const stream = uniqueStreamName('secrets');
  const dir = tempDir('faults-secrets');
  const checkpoint = join(dir, 'tail.cp.json');
  let proxy: FaultProxy | undefined;

  beforeAll(async () => {
    await createStream(client, stream, 2);
    await putRecords(
      client,
      stream,
      Array.from({ length: 40 }, (_, i) => ({ partitionKey: `k${i}`, data: JSON.stringify({ data: { id: i }, metadata: { 'record-type': 'data', operation: 'insert', 'schema-name': 's', 'table-name': 't' } }) })),
    );
  });
  afterAll(async () => {
    client.destroy();
    await proxy?.stop();
  });

  const run = (args: string[], viaEndpoint = endpoint) => runCli(['--debug', ...args], { endpoint: viaEndpoint, env: CREDENTIAL_ENV, timeoutMs: 60_000 });

  it('tail --from trim-horizon -e --checkpoint: the call log, no secret', async () => {
    const res = await run(['tail', stream, '--from', 'trim-horizon', '-e', '--json', '--checkpoint', checkpoint]);
    expect(res.code).toBe(0);
    expect(res.stdout.trim().split('\n')).toHaveLength(40);
    expect(res.stderr).toMatch(/kinesis ListShards 200 \d+ms/);
    expect(res.stderr).toMatch(/kinesis GetRecords 200 \d+ms/);
    expectNoSecrets(res);
  });

  it('lag --checkpoint: the call log, no secret', async () => {
    const res = await run(['lag', stream, '--checkpoint', checkpoint, '--json']);
    expect([0, 3]).toContain(res.code);
    expect(res.stderr).toMatch(/kinesis (ListShards|GetShardIterator|GetRecords) 200/);
    expectNoSecrets(res);
  });

  it('reshard --to 4 --dry-run: the call log, no secret', async () => {
    const res = await run(['reshard', stream, '--to', '4', '--dry-run']);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/kinesis DescribeStreamSummary 200/);
    expect(res.stderr).toMatch(/kinesis ListShards 200/);
    expectNoSecrets(res);
  });

  it('produce --count 50: the call log, no secret', async () => {
    const res = await run(['produce', stream, '--rps', '500', '--kb', '1', '--count', '50', '--seed', '3', '--json']);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/kinesis PutRecords 200/);
    expectNoSecrets(res);
  });

  it('provision --dry-run on a stream-only file: the call log, no secret', async () => {
    const file = join(dir, 'pipeline.yaml');
    writeFileSync(file, `stream: {name: ${stream}, shards: 2}\n`);
    const res = await run(['provision', '--config', file, '--dry-run']);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/kinesis DescribeStreamSummary 200/);
    expectNoSecrets(res);
  });

  it('an error (missing stream, exit 4) with its stack under --debug: no secret', async () => {
    const res = await run(['tail', `${stream}-missing`, '--from', 'trim-horizon', '-e']);
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/error=ResourceNotFoundException/);
    expectNoSecrets(res);
  });

  it('retried calls (HTTP 500s and resets from the fault proxy): retries logged, no secret', async () => {
    proxy = await startFaultProxy({
      target: endpoint,
      seed: 11,
      rules: [
        { operation: 'ListShards', fault: 'reset', rate: 1, limit: 1 },
        { operation: 'GetRecords', fault: 'http-500', rate: 1, limit: 2 },
      ],
    });
    const res = await run(['tail', stream, '--from', 'trim-horizon', '-e', '--json'], proxy.endpoint);
    expect(res.code).toBe(0);
    expect(proxy.counts.injected).toMatchObject({ ListShards: { reset: 1 }, GetRecords: { 'http-500': 2 } });
    expect(res.stderr).toMatch(/retries=[1-9]/);
    expectNoSecrets(res);
  });
});
