/**
 * `cdcpipe produce` against kinesis-local: what it reports is what an independent GetRecords loop
 * (test/helpers/read-all.ts) finds in the stream; the rate holds; and each row's changes stay in
 * order when PutRecords fails entries (test/helpers/put-faults.ts, a real proxy in front of kinesis-local).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { decodeRecord } from '../../src/core/decode.js';
import { createStream, kinesisClient, putRecords, runCli, uniqueStreamName } from '../helpers/kinesis.js';
import { readAll, type StoredRecord } from '../helpers/read-all.js';
import { startPutFaults } from '../helpers/put-faults.js';

interface ProduceDoc {
  schemaVersion: number;
  records: number;
  bytes: number;
  seconds: number;
  recordsPerSecond: number;
  throttled: number;
  perShard: Record<string, number>;
  kinesisRecords: number;
  plan: { verdict: string; openShards: number };
}

let endpoint: string;
let client: KinesisClient;

beforeAll(async () => {
  endpoint = inject('kinesisEndpoint');
  client = kinesisClient(endpoint);
  // kinesis-local (Scala.js) is slow on its first calls: warm it up so the timing test measures cdcpipe.
  const warm = uniqueStreamName('warm');
  await createStream(client, warm, 1);
  await putRecords(client, warm, Array.from({ length: 600 }, (_, i) => ({ partitionKey: `k${i}`, data: 'x'.repeat(2048) })));
});

afterAll(() => client.destroy());

function perShardCounts(records: StoredRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of records) counts[r.shardId] = (counts[r.shardId] ?? 0) + 1;
  return counts;
}

/** Every stored record decoded (KPL aggregates expanded) as the DMS JSON cdcpipe wrote. */
function rows(records: StoredRecord[]): { shardId: string; key: string; version: number; op: string }[] {
  return records.flatMap((r) =>
    decodeRecord(r.data, { shardId: r.shardId, sequenceNumber: r.sequenceNumber, partitionKey: r.partitionKey, arrivalTime: undefined }).map((v) => {
      const doc = v.payload as { data: Record<string, unknown>; metadata: Record<string, string> };
      const keyColumn = Object.keys(doc.data)[0]!;
      return { shardId: r.shardId, key: `${doc.metadata['schema-name']}.${doc.metadata['table-name']}.${String(doc.data[keyColumn])}`, version: Number(doc.data.row_version), op: doc.metadata.operation! };
    }),
  );
}

describe('cdcpipe produce', () => {
  it('writes exactly the records, bytes and per-shard counts it reports', async () => {
    const stream = uniqueStreamName('produce-count');
    const res = await runCli(['produce', stream, '--create-shards', '3', '--rps', '2000', '--kb', '1', '--count', '1500', '--seed', '11', '--json'], { endpoint });
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as ProduceDoc;
    expect(doc.schemaVersion).toBe(1);
    expect(doc.records).toBe(1500);
    const stored = await readAll(client, stream);
    expect(stored).toHaveLength(doc.records);
    expect(stored.reduce((n, r) => n + r.data.length, 0)).toBe(doc.bytes);
    expect(perShardCounts(stored)).toEqual(doc.perShard);
    expect(Object.keys(doc.perShard)).toHaveLength(3);
    // Every record is a DMS data record the decoder recognises.
    const views = stored.flatMap((r) => decodeRecord(r.data, { shardId: r.shardId, sequenceNumber: r.sequenceNumber, partitionKey: r.partitionKey, arrivalTime: undefined }));
    expect(views.every((v) => v.format === 'dms' && v.cdc?.recordType === 'data')).toBe(true);
    expect(doc.plan).toMatchObject({ verdict: 'holds', openShards: 3 });
  });

  it('holds 200 records/s over 5 s within ±10 % (1,000 ± 100 DMS records, as many as reported)', async () => {
    const stream = uniqueStreamName('produce-rate');
    await createStream(client, stream, 2);
    const res = await runCli(['produce', stream, '--rps', '200', '--kb', '2', '--duration', '5s', '--json'], { endpoint });
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as ProduceDoc;
    expect(doc.records).toBeGreaterThanOrEqual(900);
    expect(doc.records).toBeLessThanOrEqual(1100);
    expect(doc.recordsPerSecond).toBeGreaterThanOrEqual(180);
    expect(doc.recordsPerSecond).toBeLessThanOrEqual(220);
    expect(Math.abs(doc.recordsPerSecond - doc.records / doc.seconds)).toBeLessThan(0.5);
    const stored = await readAll(client, stream);
    expect(stored).toHaveLength(doc.records);
    // Sized around --kb: the average record is within 15 % of 2 KiB (deletes are key-only, as DMS writes them).
    expect(doc.bytes / doc.records).toBeGreaterThan(2048 * 0.85);
    expect(doc.bytes / doc.records).toBeLessThan(2048 * 1.15);
    console.info(`rate test: ${doc.records} records in ${doc.seconds} s = ${doc.recordsPerSecond} records/s; ${stored.length} found in the stream`);
  });

  it('keeps every row’s changes in order, without loss or duplicates, when PutRecords throttles entries', async () => {
    const stream = uniqueStreamName('produce-faults');
    await createStream(client, stream, 2);
    const proxy = await startPutFaults({ target: endpoint, seed: 42, requestFraction: 0.5, entryFraction: 0.3 });
    try {
      const res = await runCli(
        ['produce', stream, '--rps', '4000', '--kb', '0.5', '--count', '3000', '--tables', '2', '--ops', 'insert=30,update=60,delete=10', '--seed', '5', '--json'],
        { endpoint: proxy.endpoint },
      );
      expect(res.code, res.stderr).toBe(0);
      const doc = JSON.parse(res.stdout) as ProduceDoc;
      expect(proxy.stats.failedEntries).toBeGreaterThan(100);
      // Every injected failure is counted as a throttled entry, and each was retried until written.
      expect(doc.throttled).toBe(proxy.stats.failedEntries);
      expect(doc.records).toBe(3000);
      const stored = await readAll(client, stream);
      expect(stored).toHaveLength(3000);
      expect(proxy.stats.forwardedEntries).toBe(3000);
      const changes = rows(stored);
      const seen = new Set<string>();
      const lastVersion = new Map<string, number>();
      let outOfOrder = 0;
      let multiChangeRows = 0;
      for (const c of changes) {
        const id = `${c.key}#${c.version}`;
        expect(seen.has(id), `duplicate ${id}`).toBe(false);
        seen.add(id);
        const prev = lastVersion.get(c.key) ?? 0;
        // Strictly increasing and gap-free: 1 (insert), 2, 3 … per row.
        if (c.version !== prev + 1) outOfOrder++;
        if (prev > 0) multiChangeRows++;
        lastVersion.set(c.key, c.version);
      }
      expect(outOfOrder).toBe(0);
      expect(multiChangeRows).toBeGreaterThan(500);
      console.info(`fault test: ${proxy.stats.faultedRequests}/${proxy.stats.putRequests} PutRecords faulted, ${doc.throttled} throttled entries retried; ${stored.length} records stored, ${multiChangeRows} later changes of rows in order`);
    } finally {
      await proxy.close();
    }
  });

  it('--kpl-aggregate writes KPL aggregates whose user records add up to the report', async () => {
    const stream = uniqueStreamName('produce-kpl');
    const res = await runCli(['produce', stream, '--create-shards', '2', '--rps', '3000', '--kb', '0.5', '--count', '2000', '--kpl-aggregate', '--partition-key', 'schema-table', '--tables', '3', '--seed', '3', '--json'], { endpoint });
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as ProduceDoc;
    const stored = await readAll(client, stream);
    expect(stored).toHaveLength(doc.kinesisRecords);
    expect(doc.kinesisRecords).toBeLessThan(doc.records / 5);
    expect(stored.every((r) => r.data[0] === 0xf3 && r.data[1] === 0x89 && r.data[2] === 0x9a && r.data[3] === 0xc2)).toBe(true);
    const changes = rows(stored);
    expect(changes).toHaveLength(2000);
    expect(changes.length).toBe(doc.records);
    const perShard: Record<string, number> = {};
    for (const c of changes) perShard[c.shardId] = (perShard[c.shardId] ?? 0) + 1;
    expect(perShard).toEqual(doc.perShard);
    const last = new Map<string, number>();
    for (const c of changes) {
      expect(c.version).toBe((last.get(c.key) ?? 0) + 1);
      last.set(c.key, c.version);
    }
  });

  it('rejects bad flags with exit 2, naming the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['--rps', '0', '--kb', '1'], /--rps/],
      [['--rps', '10', '--kb', 'x'], /--kb/],
      [['--rps', '10', '--kb', '1', '--count', '5', '--duration', '5s'], /--duration and --count/],
      [['--rps', '10', '--kb', '1', '--ops', 'insert=70,upsert=30'], /--ops/],
      [['--rps', '10', '--kb', '1', '--partition-key', 'random'], /--partition-key: expected primary-key \| schema-table/],
      [['--rps', '10', '--kb', '1', '--format', 'avro'], /--format/],
      [['--rps', '10', '--kb', '1', '--tables', '0'], /--tables/],
    ];
    for (const [args, message] of cases) {
      const res = await runCli(['produce', 'nope', ...args], { endpoint });
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr).toMatch(message);
    }
    const missing = await runCli(['produce', uniqueStreamName('missing'), '--rps', '10', '--kb', '1', '--count', '1'], { endpoint });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/--create-shards/);
  });
});
