/**
 * Helpers for integration tests against kinesis-local: a client, streams, records (raw bytes too),
 * resharding, and running the real cdcpipe binary.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  CreateStreamCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  UpdateShardCountCommand,
  MergeShardsCommand,
  SplitShardCommand,
  waitUntilStreamExists,
  DescribeStreamSummaryCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export const TEST_CREDENTIALS = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret-not-real' };
export const REGION = 'us-east-1';

export function kinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({ endpoint, region: REGION, credentials: TEST_CREDENTIALS, requestHandler: new NodeHttpHandler() });
}

export function uniqueStreamName(prefix = 'test'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function waitActive(client: KinesisClient, name: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const s = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`stream ${name} not ACTIVE after ${timeoutMs} ms`);
}

export async function createStream(client: KinesisClient, name: string, shards: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  await waitUntilStreamExists({ client, maxWaitTime: 30, minDelay: 1 }, { StreamName: name });
  await waitActive(client, name);
}

export interface TestRecord {
  partitionKey: string;
  data: Uint8Array | string;
}

/** PutRecords in batches of 500, retrying failed entries in order until every record is in. */
export async function putRecords(client: KinesisClient, stream: string, records: TestRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += 500) {
    let batch = records.slice(i, i + 500);
    for (let attempt = 0; batch.length > 0; attempt++) {
      if (attempt > 20) throw new Error('putRecords: entries still failing after 20 attempts');
      const res = await client.send(
        new PutRecordsCommand({
          StreamName: stream,
          Records: batch.map((r) => ({ PartitionKey: r.partitionKey, Data: typeof r.data === 'string' ? Buffer.from(r.data) : r.data })),
        }),
      );
      batch = batch.filter((_, idx) => res.Records?.[idx]?.ErrorCode);
    }
  }
}

export async function listShards(client: KinesisClient, stream: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const res = await client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: stream }));
    shards.push(...(res.Shards ?? []));
    token = res.NextToken;
  } while (token);
  return shards;
}

export const openShards = (shards: Shard[]): Shard[] => shards.filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber);

export async function updateShardCount(client: KinesisClient, stream: string, target: number): Promise<void> {
  await client.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: target, ScalingType: 'UNIFORM_SCALING' }));
  await waitActive(client, stream);
}

export async function mergeShards(client: KinesisClient, stream: string, a: string, b: string): Promise<void> {
  await client.send(new MergeShardsCommand({ StreamName: stream, ShardToMerge: a, AdjacentShardToMerge: b }));
  await waitActive(client, stream);
}

export async function splitShard(client: KinesisClient, stream: string, shard: string, at: bigint): Promise<void> {
  await client.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: shard, NewStartingHashKey: at.toString() }));
  await waitActive(client, stream);
}

const BIN = fileURLToPath(new URL('../../bin/cdcpipe.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The AWS part of every CLI child's environment: the test credentials and region, and none of the developer's own AWS config. */
export const CLI_AWS_ENV = {
  AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
  AWS_REGION: REGION,
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
};

/** Runs the real binary (built dist/) with local credentials and the given endpoint. */
export function runCli(args: string[], opts: { endpoint?: string; env?: Record<string, string | undefined>; timeoutMs?: number; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...CLI_AWS_ENV,
      ...(opts.endpoint ? { AWS_ENDPOINT_URL: opts.endpoint } : {}),
      ...opts.env,
    };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const child = spawn(process.execPath, [BIN, ...args], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
