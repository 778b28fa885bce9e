/**
 * `cdcpipe lag` against kinesis-local (Kinesis) and dynalite (DynamoDB) — two servers, reached through
 * the service-specific AWS_ENDPOINT_URL_KINESIS / AWS_ENDPOINT_URL_DYNAMODB (no AWS_ENDPOINT_URL).
 * The test writes KCL lease tables itself, in the 2.x and the 3.x layouts, plays a live worker by
 * bumping leaseCounter the way KCL's renewer does, and checks the reported lag against the true age
 * of the first unprocessed record, computed from its ApproximateArrivalTimestamp.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CreateTableCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand, waitUntilTableExists, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createStream, kinesisClient, listShards, putRecords, REGION, runCli, splitShard, TEST_CREDENTIALS, uniqueStreamName } from '../helpers/kinesis.js';
import { tempDir } from '../helpers/temp-dir.js';

interface Rec {
  seq: string;
  arrivalMs: number;
}

interface ShardJson {
  shardId: string;
  lagMs: number;
  status: string;
  owner?: string;
  checkpoint?: string;
  recordsBehind?: number;
  recordsBehindExact?: boolean;
  measuredAt?: string;
  parentShardIds: string[];
  reason: string;
}
interface LagJson {
  schemaVersion: number;
  stream: string;
  status: string;
  maxLagMs: number;
  evaluatedAt: string;
  shards: ShardJson[];
  stages: object;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readAll(client: KinesisClient, stream: string, shardId: string): Promise<Rec[]> {
  let it = (await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const out: Rec[] = [];
  for (let i = 0; it && i < 20; i++) {
    const res = await client.send(new GetRecordsCommand({ ShardIterator: it }));
    for (const r of res.Records ?? []) out.push({ seq: r.SequenceNumber!, arrivalMs: r.ApproximateArrivalTimestamp!.getTime() });
    if ((res.Records ?? []).length === 0 && (res.MillisBehindLatest ?? 0) === 0) break;
    it = res.NextShardIterator;
  }
  return out;
}

const S = (v: string): AttributeValue => ({ S: v });
const N = (v: number): AttributeValue => ({ N: String(v) });
const SS = (v: string[]): AttributeValue => ({ SS: v });

type Layout = '2.x' | '3.x';
interface LeaseSpec {
  shardId: string;
  checkpoint: string;
  owner: string;
  parents?: string[];
  children?: string[];
  hashRange?: [string, string];
}

function leaseItem(layout: Layout, l: LeaseSpec): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    leaseKey: S(l.shardId),
    leaseOwner: S(l.owner),
    leaseCounter: N(1),
    ownerSwitchesSinceCheckpoint: N(0),
    checkpoint: S(l.checkpoint),
    checkpointSubSequenceNumber: N(0),
  };
  if (l.parents?.length) item.parentShardId = SS(l.parents);
  if (layout === '3.x') {
    item.startingHashKey = S(l.hashRange?.[0] ?? '0');
    item.endingHashKey = S(l.hashRange?.[1] ?? '340282366920938463463374607431768211455');
    item.throughputKBps = N(0.5);
    if (l.children?.length) item.childShardIds = SS(l.children);
  }
  return item;
}

describe('cdcpipe lag (kinesis-local + dynalite)', () => {
  const kinesisEndpoint = inject('kinesisEndpoint');
  const dynamodbEndpoint = inject('dynamodbEndpoint');
  const kinesis = kinesisClient(kinesisEndpoint);
  const ddb = new DynamoDBClient({ endpoint: dynamodbEndpoint, region: REGION, credentials: TEST_CREDENTIALS, requestHandler: new NodeHttpHandler() });
  // Two servers, one per service: only the service-specific endpoint variables, no AWS_ENDPOINT_URL.
  const env = { AWS_ENDPOINT_URL_KINESIS: kinesisEndpoint, AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint };
  const stream = uniqueStreamName('lag');
  let parent = '';
  let child1 = '';
  let child2 = '';
  let parentRecs: Rec[] = [];
  let child1Recs: Rec[] = [];
  let child2Recs: Rec[] = [];
  const BEHIND_AT = 2; // child1's checkpoint: its 3rd record; the 4th is the first unprocessed one
  const renewers: ReturnType<typeof setInterval>[] = [];

  /** A live KCL worker renews every failoverTimeMillis / 3; 300 ms stands in for it. */
  function renew(table: string, shardIds: string[]): void {
    renewers.push(
      setInterval(() => {
        for (const id of shardIds) {
          void ddb.send(new UpdateItemCommand({ TableName: table, Key: { leaseKey: S(id) }, UpdateExpression: 'ADD leaseCounter :one', ExpressionAttributeValues: { ':one': N(1) } })).catch(() => undefined);
        }
      }, 300),
    );
  }

  async function leaseTable(layout: Layout, opts: { stopped?: string } = {}): Promise<string> {
    const table = `lag-app-${layout.replace('.', '')}-${randomUUID().slice(0, 8)}`;
    await ddb.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    // A table takes writes once ACTIVE. dynalite turns it ACTIVE on a timer even with createTableMs 0, and a
    // PutItem that came first was refused with ResourceNotFoundException (seen once in CI).
    await waitUntilTableExists({ client: ddb, maxWaitTime: 30, minDelay: 0.1, maxDelay: 1 }, { TableName: table });
    const leases: LeaseSpec[] = [
      { shardId: parent, checkpoint: 'SHARD_END', owner: 'worker-a', children: [child1, child2] },
      { shardId: child1, checkpoint: child1Recs[BEHIND_AT]!.seq, owner: 'worker-a', parents: [parent], hashRange: ['0', '170141183460469231731687303715884105727'] },
      { shardId: child2, checkpoint: child2Recs.at(-1)!.seq, owner: 'worker-b', parents: [parent], hashRange: ['170141183460469231731687303715884105728', '340282366920938463463374607431768211455'] },
    ];
    for (const l of leases) await ddb.send(new PutItemCommand({ TableName: table, Item: leaseItem(layout, l) }));
    renew(table, leases.map((l) => l.shardId).filter((id) => id !== opts.stopped));
    return table;
  }

  beforeAll(async () => {
    await createStream(kinesis, stream, 1);
    parent = (await listShards(kinesis, stream))[0]!.ShardId!;
    await putRecords(kinesis, stream, Array.from({ length: 5 }, (_, i) => ({ partitionKey: `before-${i}`, data: `{"n":${i}}` })));
    await splitShard(kinesis, stream, parent, 1n << 127n);
    const children = (await listShards(kinesis, stream)).filter((s) => s.ParentShardId === parent).map((s) => s.ShardId!).sort();
    [child1, child2] = children as [string, string];
    await putRecords(kinesis, stream, Array.from({ length: 40 }, (_, i) => ({ partitionKey: `after-${i}`, data: `{"n":${i}}` })));
    [parentRecs, child1Recs, child2Recs] = await Promise.all([readAll(kinesis, stream, parent), readAll(kinesis, stream, child1), readAll(kinesis, stream, child2)]);
    expect(parentRecs).toHaveLength(5);
    expect(child1Recs.length).toBeGreaterThan(BEHIND_AT + 1);
    expect(child2Recs.length).toBeGreaterThan(0);
    // Let the first unprocessed record age past the 1 s threshold.
    await sleep(Math.max(0, child1Recs[BEHIND_AT + 1]!.arrivalMs + 1500 - Date.now()));
  });

  afterAll(() => {
    for (const r of renewers) clearInterval(r);
    kinesis.destroy();
    ddb.destroy();
  });

  async function lag(args: string[]): Promise<{ code: number | null; json: LagJson; t0: number; t1: number; stderr: string }> {
    const t0 = Date.now();
    const res = await runCli(['lag', stream, ...args, '--json'], { env, timeoutMs: 60_000 });
    const t1 = Date.now();
    let json: LagJson;
    try {
      json = JSON.parse(res.stdout) as LagJson;
    } catch {
      throw new Error(`no JSON on stdout (exit ${res.code}): ${res.stdout}\n${res.stderr}`);
    }
    return { code: res.code, json, t0, t1, stderr: res.stderr };
  }

  const byId = (json: LagJson, id: string) => json.shards.find((s) => s.shardId === id)!;

  /** The reported lag is the age of the first unprocessed record, within 1 s, at the tool's own clock and ours. */
  function expectTrueLag(json: LagJson, t0: number, t1: number): number {
    const firstUnprocessed = child1Recs[BEHIND_AT + 1]!;
    const shard = byId(json, child1);
    const lagMs = shard.lagMs;
    // the truth at the moment the shard was measured, and at the moment the report was finished
    const truthAtReport = Date.parse(shard.measuredAt!) - firstUnprocessed.arrivalMs;
    expect(Date.parse(shard.measuredAt!)).toBeLessThanOrEqual(Date.parse(json.evaluatedAt));
    expect(Math.abs(lagMs - truthAtReport)).toBeLessThanOrEqual(1000);
    expect(Math.abs(lagMs - (Date.parse(json.evaluatedAt) - firstUnprocessed.arrivalMs))).toBeLessThanOrEqual(1000);
    expect(lagMs).toBeGreaterThanOrEqual(t0 - firstUnprocessed.arrivalMs - 1000);
    expect(lagMs).toBeLessThanOrEqual(t1 - firstUnprocessed.arrivalMs + 1000);
    return lagMs - truthAtReport;
  }

  describe.each(['2.x', '3.x'] as const)('KCL %s lease table', (layout) => {
    let table = '';
    beforeAll(async () => {
      table = await leaseTable(layout);
    });

    it('a checkpoint behind is CRIT over --threshold 1s (exit 3) and reports the true lag; head and closed parent are 0', async () => {
      const { code, json, t0, t1 } = await lag(['--app', table, '--threshold', '1s', '--observe', '1s']);
      expect(code).toBe(3);
      expect(json.schemaVersion).toBe(1);
      expect(json.stream).toBe(stream);
      expect(json.status).toBe('CRIT');
      const behind = byId(json, child1);
      expect(behind.status).toBe('CRIT');
      expect(behind.owner).toBe('worker-a');
      expect(behind.checkpoint).toBe(child1Recs[BEHIND_AT]!.seq);
      expect(behind.recordsBehind).toBe(child1Recs.length - BEHIND_AT - 1);
      expect(behind.recordsBehindExact).toBe(true);
      expect(behind.parentShardIds).toEqual([parent]);
      const errorMs = expectTrueLag(json, t0, t1);
      const arrival = child1Recs[BEHIND_AT + 1]!.arrivalMs;
      console.info(
        `[lag ${layout}] reported ${behind.lagMs} ms; true age at measuredAt ${behind.lagMs - errorMs} ms (difference ${errorMs} ms), ` +
          `at evaluatedAt ${Date.parse(json.evaluatedAt) - arrival} ms, between ${t0 - arrival} and ${t1 - arrival} ms by the test's clock around the run`,
      );
      expect(json.maxLagMs).toBe(behind.lagMs);
      // a checkpoint at the head: nothing after it
      expect(byId(json, child2)).toMatchObject({ lagMs: 0, recordsBehind: 0, status: 'OK', owner: 'worker-b' });
      // the closed parent read to SHARD_END
      expect(byId(json, parent)).toMatchObject({ lagMs: 0, status: 'OK', checkpoint: 'SHARD_END' });
    });

    it('--threshold 1h exits 0 with the same lag (--lease-table overriding the app name)', async () => {
      const { code, json, t0, t1 } = await lag(['--app', 'orders-indexer', '--lease-table', table, '--threshold', '1h', '--observe', '1s']);
      expect(code).toBe(0);
      expect(json.status).toBe('OK');
      expect(json).toMatchObject({ app: 'orders-indexer', leaseTable: table });
      expectTrueLag(json, t0, t1);
    });
  });

  it('an owner that stopped renewing is STOPPED even under --threshold 1h (exit 3); the others stay OK', async () => {
    const table = await leaseTable('2.x', { stopped: child1 });
    const { code, json } = await lag(['--app', table, '--threshold', '1h', '--observe', '1500ms']);
    expect(code).toBe(3);
    expect(json.status).toBe('STOPPED');
    expect(byId(json, child1).status).toBe('STOPPED');
    expect(byId(json, child1).reason).toMatch(/lease counter unchanged/);
    expect(byId(json, child2).status).toBe('OK');
  });

  it('a missing lease table exits 4 naming it', async () => {
    const res = await runCli(['lag', stream, '--app', 'no-such-app', '--observe', '0'], { env });
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/lease table 'no-such-app' not found/);
  });

  describe('--checkpoint with a tail checkpoint file', () => {
    const dir = tempDir('lag');
    const write = (name: string, updatedAtMs: number) => {
      const path = join(dir, name);
      writeFileSync(
        path,
        JSON.stringify({
          schemaVersion: 1,
          stream,
          updatedAt: new Date(updatedAtMs).toISOString(),
          shards: {
            [parent]: { sequenceNumber: parentRecs.at(-1)!.seq, closed: true },
            [child1]: { sequenceNumber: child1Recs[BEHIND_AT]!.seq, arrivalTime: new Date(child1Recs[BEHIND_AT]!.arrivalMs).toISOString() },
            [child2]: { sequenceNumber: child2Recs.at(-1)!.seq },
          },
        }),
      );
      return path;
    };

    it('reports the true lag and exits 0 under --threshold 1h, 3 under 1s', async () => {
      const path = write('fresh.json', Date.now());
      const ok = await lag(['--checkpoint', path, '--threshold', '1h']);
      expect(ok.code).toBe(0);
      expect(ok.json.status).toBe('OK');
      expectTrueLag(ok.json, ok.t0, ok.t1);
      expect(byId(ok.json, parent)).toMatchObject({ lagMs: 0, status: 'OK' });
      expect(byId(ok.json, child2)).toMatchObject({ lagMs: 0, recordsBehind: 0 });
      const crit = await lag(['--checkpoint', path, '--threshold', '1s']);
      expect(crit.code).toBe(3);
      expect(crit.json.status).toBe('CRIT');
    });

    it('a tail that stopped 20 minutes ago is STOPPED, never OK, even under --threshold 1h', async () => {
      const path = write('stale.json', Date.now() - 20 * 60_000);
      const { code, json } = await lag(['--checkpoint', path, '--threshold', '1h']);
      expect(code).toBe(3);
      expect(json.status).toBe('STOPPED');
      expect(byId(json, child1).status).toBe('STOPPED');
      expect(byId(json, child2).status).toBe('WARN');
    });

    it('a checkpoint of another stream, or a malformed one, is a usage error naming the flag or file', async () => {
      const path = join(dir, 'other.json');
      writeFileSync(path, JSON.stringify({ schemaVersion: 1, stream: 'other', updatedAt: new Date().toISOString(), shards: {} }));
      const res = await runCli(['lag', stream, '--checkpoint', path], { env });
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/--checkpoint: .* is a checkpoint of stream 'other'/);
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, '{"schemaVersion": 1, "stream": 42}');
      const res2 = await runCli(['lag', stream, '--checkpoint', bad], { env });
      expect(res2.code).toBe(2);
      expect(res2.stderr).toContain(bad);
    });
  });
});
