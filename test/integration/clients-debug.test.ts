import { kinesisApi } from '../../src/aws/api/kinesis.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { describeStream, listAllShards } from '../../src/aws/shards.js';
import { EXIT } from '../../src/errors.js';
import { VERSION } from '../../src/version.js';
import { toCliError } from '../../src/aws/errors.js';
import { createStream, kinesisClient, uniqueStreamName } from '../helpers/kinesis.js';

// Fake credentials: the test asserts that none of them ever reaches the --debug log.
const SECRET = 'fAkEsEcReT/kEy+0123456789abcdefghijKLMNOP';
const TOKEN = 'FwoGZXIvYXdzEFAKE-SESSION-TOKEN-0123456789';
const KEY_ID = 'AKIAFAKEDEBUGTEST0001';

describe('client layer against kinesis-local', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN, AWS_REGION: 'us-east-1' });
  });
  afterAll(() => {
    process.env = { ...saved };
  });

  it('--debug logs service, operation, status, duration and retries, and never a credential or signature', async () => {
    const endpoint = inject('kinesisEndpoint');
    const name = uniqueStreamName('debug');
    const admin = kinesisClient(endpoint);
    await createStream(admin, name, 1);
    admin.destroy();

    const lines: string[] = [];
    const aws = new AwsClients({ endpointUrl: endpoint, env: {}, log: (l) => lines.push(l) });
    const kinesis = await aws.kinesisSdk();
    const { shards, pages } = await listAllShards(kinesisApi(kinesis), name);
    expect(shards).toHaveLength(1);
    expect(pages).toBe(1);
    const missing = await describeStream(kinesisApi(kinesis), `${name}-missing`).catch((e: unknown) => e);
    expect(toCliError(missing).exitCode).toBe(EXIT.notFound);
    aws.destroy();

    expect(lines[0]).toMatch(/^kinesis ListShards 200 \d+ms retries=0$/);
    expect(lines[1]).toMatch(/^kinesis DescribeStreamSummary 400 \d+ms retries=0 error=ResourceNotFoundException$/);
    const log = lines.join('\n');
    for (const secret of [SECRET, TOKEN, KEY_ID, 'Signature=', 'Authorization', 'X-Amz-Security-Token']) expect(log).not.toContain(secret);
  });

  it('a user agent of cdcpipe/<version> is sent', async () => {
    const aws = new AwsClients({ endpointUrl: inject('kinesisEndpoint'), env: {} });
    const kinesis = await aws.kinesisSdk();
    expect(kinesis.config.customUserAgent).toEqual([[`cdcpipe/${VERSION}`]]);
    aws.destroy();
  });
});
