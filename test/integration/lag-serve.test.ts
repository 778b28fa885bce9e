/**
 * `lag --serve` (issue 18): the built CLI serves /metrics for a KCL app whose lease table is in this
 * file's own dynalite and whose stream is on kinesis-local; the test scrapes it over HTTP and parses
 * the text with parse-prometheus-text-format, a parser independent of prom-client that wrote it.
 * The per-shard lag is checked against the true age of the first unprocessed record, from its
 * ApproximateArrivalTimestamp; stopping dynalite must turn cdcpipe_lag_up to 0 with the last values
 * kept and the server still answering; SIGTERM ends it with exit 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CreateTableCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CLI_AWS_ENV, createStream, kinesisClient, listShards, putRecords, REGION, runCli, TEST_CREDENTIALS, uniqueStreamName } from '../helpers/kinesis.js';
import { startDynalite, type RunningServer } from '../helpers/servers.js';

interface Sample {
  value: string;
  labels?: Record<string, string>;
}
interface Family {
  name: string;
  type: string;
  metrics: Sample[];
}
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];
const BIN = fileURLToPath(new URL('../../bin/cdcpipe.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const kinesisEndpoint = inject('kinesisEndpoint');

describe('lag --serve (kinesis-local + its own dynalite)', () => {
  const stream = uniqueStreamName('lag-serve');
  const table = `lag-serve-${Date.now()}`;
  let dynalite: RunningServer;
  let ddb: DynamoDBClient;
  let shardId = '';
  let firstUnprocessedArrivalMs = 0;
  let renewer: ReturnType<typeof setInterval> | undefined;
  let child: ChildProcess | undefined;
  let stderr = '';
  let url = '';
  let exited: Promise<number | null>;

  beforeAll(async () => {
    dynalite = await startDynalite();
    ddb = new DynamoDBClient({ endpoint: dynalite.endpoint, region: REGION, credentials: TEST_CREDENTIALS, requestHandler: new NodeHttpHandler() });
    const kinesis = kinesisClient(kinesisEndpoint);
    await createStream(kinesis, stream, 1);
    shardId = (await listShards(kinesis, stream))[0]!.ShardId!;
    await putRecords(kinesis, stream, Array.from({ length: 5 }, (_, i) => ({ partitionKey: `k${i}`, data: `{"n":${i}}` })));
    const it = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    const records = (await kinesis.send(new GetRecordsCommand({ ShardIterator: it }))).Records ?? [];
    kinesis.destroy();
    expect(records).toHaveLength(5);
    // The app has processed the first two records: the third is the first it has not.
    firstUnprocessedArrivalMs = records[2]!.ApproximateArrivalTimestamp!.getTime();

    await ddb.send(new CreateTableCommand({ TableName: table, KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
    await waitUntilTableExists({ client: ddb, maxWaitTime: 30, minDelay: 0.1, maxDelay: 1 }, { TableName: table });
    await ddb.send(new PutItemCommand({ TableName: table, Item: { leaseKey: { S: shardId }, leaseOwner: { S: 'worker-a' }, leaseCounter: { N: '1' }, checkpoint: { S: records[1]!.SequenceNumber! }, checkpointSubSequenceNumber: { N: '0' } } }));
    // A live KCL worker renews its lease; 300 ms stands in for failoverTimeMillis / 3.
    renewer = setInterval(() => {
      void ddb.send(new UpdateItemCommand({ TableName: table, Key: { leaseKey: { S: shardId } }, UpdateExpression: 'ADD leaseCounter :one', ExpressionAttributeValues: { ':one': { N: '1' } } })).catch(() => undefined);
    }, 300);

    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...CLI_AWS_ENV,
      AWS_ENDPOINT_URL_KINESIS: kinesisEndpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      // Fail fast once dynalite is gone, rather than retrying a refused connection for long.
      AWS_MAX_ATTEMPTS: '1',
    };
    // Port 0: the system picks a free port and the CLI says which (no race with another test).
    child = spawn(process.execPath, [BIN, 'lag', stream, '--app', table, '--observe', '0', '--serve', '0', '--interval', '1s'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    exited = new Promise((resolve) => child!.once('exit', (code) => resolve(code)));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!url && Date.now() < deadline) {
      url = /at (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(stderr)?.[1] ?? '';
      await sleep(50);
    }
    expect(url, stderr).not.toBe('');
  }, 60_000);

  afterAll(async () => {
    if (renewer) clearInterval(renewer);
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    ddb?.destroy();
    await dynalite?.stop().catch(() => undefined);
  });

  async function scrape(): Promise<{ at: number; families: Map<string, Family>; contentType: string }> {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const text = await res.text();
    return { at: Date.now(), families: new Map(parsePrometheus(text).map((f) => [f.name, f])), contentType: res.headers.get('content-type') ?? '' };
  }
  const gauge = (families: Map<string, Family>, name: string): Sample[] => {
    const f = families.get(name);
    expect(f, `${name} in the scrape`).toBeDefined();
    expect(f!.type).toBe('GAUGE');
    return f!.metrics;
  };
  async function until(pred: (families: Map<string, Family>) => boolean, timeoutMs: number): Promise<Map<string, Family>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { families } = await scrape();
      if (pred(families)) return families;
      if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms; stderr:\n${stderr}`);
      await sleep(200);
    }
  }
  const up = (families: Map<string, Family>) => families.get('cdcpipe_lag_up')?.metrics[0]?.value;

  it('serves the per-shard lag within 1 s of the true age, the consumer max, the status and the last read', async () => {
    const families = await until((f) => up(f) === '1', 20_000);
    const [shard] = gauge(families, 'cdcpipe_lag_shard_milliseconds');
    expect(shard!.labels).toEqual({ stream, consumer: `kcl:${table}`, shard: shardId });
    const lastSuccessMs = Number(gauge(families, 'cdcpipe_lag_last_success_timestamp_seconds')[0]!.value) * 1000;
    const lagMs = Number(shard!.value);
    // The lag was measured just before the refresh ended: the true age then.
    expect(Math.abs(lagMs - (lastSuccessMs - firstUnprocessedArrivalMs))).toBeLessThanOrEqual(1000);
    expect(lagMs).toBeGreaterThan(0);
    expect(Number(gauge(families, 'cdcpipe_lag_shard_records_behind')[0]!.value)).toBe(3);
    expect(Number(gauge(families, 'cdcpipe_lag_consumer_max_milliseconds')[0]!.value)).toBe(lagMs);
    const status = gauge(families, 'cdcpipe_lag_status');
    expect(status.map((s) => s.labels!.status).sort()).toEqual(['CRIT', 'OK', 'STALLED', 'STOPPED', 'WARN']);
    expect(status.filter((s) => s.value === '1').map((s) => s.labels!.status)).toEqual(['OK']);

    // It refreshes at --interval: a later scrape has a later last read and a larger lag (nothing consumed).
    const later = await until((f) => Number(f.get('cdcpipe_lag_last_success_timestamp_seconds')?.metrics[0]?.value) * 1000 > lastSuccessMs + 500, 10_000);
    expect(Number(gauge(later, 'cdcpipe_lag_shard_milliseconds')[0]!.value)).toBeGreaterThan(lagMs);
  }, 40_000);

  it('answers OpenMetrics to a scraper that asks for it, 404 elsewhere', async () => {
    const res = await fetch(url, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
    expect(res.headers.get('content-type')).toMatch(/^application\/openmetrics-text/);
    expect((await res.text()).trimEnd().endsWith('# EOF')).toBe(true);
    expect((await fetch(url.replace('/metrics', '/nope'))).status).toBe(404);
  });

  it('a failing read (dynalite stopped) gives cdcpipe_lag_up 0 with the last values kept; SIGTERM ends it with exit 0', async () => {
    const before = await until((f) => up(f) === '1', 10_000);
    const lastShard = gauge(before, 'cdcpipe_lag_shard_milliseconds')[0]!.value;
    if (renewer) clearInterval(renewer);
    await dynalite.stop();
    const after = await until((f) => up(f) === '0', 20_000);
    // The shard gauge stays, frozen at the last successful refresh, and the server keeps answering.
    const kept = gauge(after, 'cdcpipe_lag_shard_milliseconds')[0]!.value;
    const again = await scrape();
    expect(gauge(again.families, 'cdcpipe_lag_shard_milliseconds')[0]!.value).toBe(kept);
    expect(Number(kept)).toBeGreaterThanOrEqual(Number(lastShard));
    expect(up(again.families)).toBe('0');
    expect(stderr).toMatch(/refresh failed: .*serving the last values with cdcpipe_lag_up 0/);
    expect(child!.exitCode).toBeNull();

    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  }, 60_000);
});

describe('lag --serve: bad flags and a port in use', () => {
  it.each([
    [['--serve', '70000'], /--serve: expected \[host:\]port/],
    [['--serve', 'localhost:'], /--serve: expected \[host:\]port/],
    [['--serve', 'bad host:9464'], /--serve: expected \[host:\]port/],
    [['--serve', '9464', '--interval', 'soon'], /--interval: expected a duration/],
    [['--serve', '9464', '--interval', '100ms'], /--interval: expected a duration of at least 1(\.0)?s/],
    [['--interval', '5s'], /--interval: only with --serve/],
    [['--serve', '9464', '--watch', '5s'], /--serve: not with --watch/],
    [['--serve', '9464', '--alarm'], /--serve: not with --alarm/],
  ])('%j exits 2 naming the flag', async (args, message) => {
    const res = await runCli(['lag', 'orders', ...args], { endpoint: 'http://127.0.0.1:1' });
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(message);
  });

  it('a port in use exits 2 naming --serve', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const res = await runCli(['lag', 'orders', '--serve', String(port)], { endpoint: 'http://127.0.0.1:1' });
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toMatch(new RegExp(`--serve: 127\\.0\\.0\\.1:${port} is in use`));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
