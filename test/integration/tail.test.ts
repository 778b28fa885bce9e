/**
 * `cdcpipe tail` against a real kinesis-local server (the built binary, as users run it), plus the fault
 * proxy in test/helpers/fault-proxy.ts between the CLI and the server for the fault tests.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DescribeStreamConsumerCommand, DescribeStreamSummaryCommand, ListStreamConsumersCommand, RegisterStreamConsumerCommand } from '@aws-sdk/client-kinesis';
import {
  CLI_AWS_ENV,
  createStream,
  kinesisClient,
  listShards,
  mergeShards,
  openShards,
  putRecords,
  runCli,
  uniqueStreamName,
  updateShardCount,
  type TestRecord,
} from '../helpers/kinesis.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { tempDir } from '../helpers/temp-dir.js';

const endpoint = inject('kinesisEndpoint');
const client = kinesisClient(endpoint);
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const workDir = tempDir('tail');

afterAll(() => client.destroy());

interface JsonRecord {
  shardId: string;
  sequenceNumber: string;
  subSequenceNumber?: number;
  partitionKey: string;
  arrivalTime: string;
  format: string;
  cdc: null | {
    recordType: string;
    operation: string;
    schema: string | null;
    table: string | null;
    data: Record<string, unknown> | null;
    before: Record<string, unknown> | null;
    changed: string[] | null;
    transactionId: string | number | null;
    commitTime: string | null;
  };
  payload?: unknown;
  payloadBase64?: string;
  error?: string;
}

const parseLines = (stdout: string): JsonRecord[] =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JsonRecord);

/** A DMS update/insert of orders row `key`, carrying `n`: the key's write counter. ~400 bytes. */
function dmsRecord(key: number, n: number): TestRecord {
  const pk = `shop.orders.${key}`;
  return {
    partitionKey: pk,
    data: JSON.stringify({
      data: { order_id: key, n, status: n % 2 ? 'PAID' : 'NEW', amount: (key * 1.5 + n).toFixed(2), note: 'x'.repeat(120) },
      ...(n > 0 ? { 'before-image': { order_id: key, n: n - 1, status: (n - 1) % 2 ? 'PAID' : 'NEW', amount: (key * 1.5 + n - 1).toFixed(2), note: 'x'.repeat(120) } } : {}),
      metadata: {
        timestamp: new Date(Date.UTC(2026, 10, 27, 10, 0, 0, n)).toISOString(),
        'record-type': 'data',
        operation: n === 0 ? 'insert' : 'update',
        'partition-key-type': 'primary-key',
        'partition-key-value': pk,
        'schema-name': 'shop',
        'table-name': 'orders',
        'transaction-id': key * 1000 + n,
      },
    }),
  };
}

/** Keys 0..keys-1, counters from..to-1, interleaved the way a busy table writes them. */
function dmsWave(keys: number, from: number, to: number): TestRecord[] {
  const out: TestRecord[] = [];
  for (let n = from; n < to; n++) for (let k = 0; k < keys; k++) out.push(dmsRecord(k, n));
  return out;
}

/** Every (key, n) exactly once, and each key's counters in write order 0, 1, 2, … */
function expectCompleteAndOrdered(records: JsonRecord[], keys: number, perKey: number): void {
  const byKey = new Map<number, number[]>();
  for (const r of records) {
    const key = r.cdc?.data?.order_id as number;
    const list = byKey.get(key) ?? [];
    list.push(r.cdc?.data?.n as number);
    byKey.set(key, list);
  }
  expect(records.length).toBe(keys * perKey);
  expect(byKey.size).toBe(keys);
  const expected = Array.from({ length: perKey }, (_, i) => i);
  for (const [key, ns] of byKey) expect(ns, `key ${key}`).toEqual(expected);
}

function summaryNumber(stderr: string, label: string): number {
  const m = new RegExp(`([\\d,]+) ${label}`).exec(stderr);
  return m ? Number(m[1]!.replace(/,/g, '')) : 0;
}

describe('tail: completeness and order across resharding', () => {
  it('reads 6,000 DMS records once each, in per-key order, across a 2 → 4 split and a merge', async () => {
    const stream = uniqueStreamName('tail-order');
    await createStream(client, stream, 2);
    await putRecords(client, stream, dmsWave(50, 0, 50));
    await updateShardCount(client, stream, 4);
    await putRecords(client, stream, dmsWave(50, 50, 100));
    const open = openShards(await listShards(client, stream)).sort((a, b) => (BigInt(a.HashKeyRange!.StartingHashKey!) < BigInt(b.HashKeyRange!.StartingHashKey!) ? -1 : 1));
    expect(open).toHaveLength(4);
    // The middle two are adjacent and come from different parents: the merge child has two parents in two lineages.
    await mergeShards(client, stream, open[1]!.ShardId!, open[2]!.ShardId!);
    await putRecords(client, stream, dmsWave(50, 100, 120));
    const shards = await listShards(client, stream);
    expect(shards.filter((s) => s.AdjacentParentShardId)).toHaveLength(1);
    expect(openShards(shards)).toHaveLength(3);

    const res = await runCli(['tail', stream, '--from', 'trim-horizon', '-e', '--json'], { endpoint, timeoutMs: 90_000 });
    expect(res.stderr).toMatch(/tail: 6,000 records/);
    expect(res.code).toBe(0);
    const records = parseLines(res.stdout);
    expectCompleteAndOrdered(records, 50, 120);
    // Every shard of the lineage was read: 2 parents, 4 children, 1 merge child.
    expect(new Set(records.map((r) => r.shardId)).size).toBe(7);
  });
});

describe('tail: every fixture, field by field', () => {
  const order = [
    'insert.json',
    'insert.json.gz',
    'update-before-image-mysql.json',
    'update-transaction-details-postgres.json',
    'delete.json',
    'load.json',
    'malformed-truncated.json',
    'control-create-table.json',
    'control-add-column.json',
    'control-task-level.json',
    'debezium-update-with-schema.json',
    'debezium-delete-bare.json',
    'kpl-aggregated-3-records.bin',
    'kpl-aggregated-bad-md5.bin',
    'not-json.txt',
  ];
  let stream = '';
  const ready = (async () => {
    stream = uniqueStreamName('tail-fixtures');
    await createStream(client, stream, 1);
    // One shard, one PutRecords: the output order is the write order.
    await putRecords(client, stream, order.map((f) => ({ partitionKey: f, data: fixture(f) })));
  })();

  it('decodes each fixture as documented, and goes on after the undecodable ones', async () => {
    await ready;
    const res = await runCli(['tail', stream, '--from', 'trim-horizon', '-e', '--json'], { endpoint });
    expect(res.code).toBe(0);
    const rows = parseLines(res.stdout);
    // 15 Kinesis records; the KPL aggregate holds 3 user records.
    expect(rows).toHaveLength(17);
    const byKey = (pk: string) => rows.filter((r) => r.partitionKey === pk);
    const one = (pk: string) => {
      const found = byKey(pk);
      expect(found, pk).toHaveLength(1);
      return found[0]!;
    };
    for (const r of rows) {
      expect(r.shardId).toBe('shardId-000000000000');
      expect(r.sequenceNumber).toMatch(/^\d+$/);
      expect(Number.isNaN(Date.parse(r.arrivalTime))).toBe(false);
    }

    const insert = one('insert.json');
    expect(insert.format).toBe('dms');
    expect(insert.cdc).toMatchObject({ recordType: 'data', operation: 'insert', schema: 'shop', table: 'orders', before: null, changed: null, transactionId: 73014444033 });
    expect(insert.cdc!.data).toEqual({ order_id: 1001, customer_id: 77, status: 'NEW', amount: '129.90', created_at: '2026-11-20T10:15:00.000000Z' });

    const gz = one('insert.json.gz');
    expect(gz.format).toBe('dms');
    expect(gz.cdc!.data).toEqual(insert.cdc!.data);

    const mysql = one('update-before-image-mysql.json');
    expect(mysql.cdc).toMatchObject({ operation: 'update', changed: ['status'], before: { status: 'NEW' }, data: { status: 'PAID' } });

    const pg = one('update-transaction-details-postgres.json');
    expect(pg.cdc).toMatchObject({ operation: 'update', schema: 'public', table: 'customers', transactionId: 88231, commitTime: '2026-11-21T08:00:01.101990Z', changed: null });
    expect(pg.cdc!.data!.note).toBe('naïve café ☕');

    expect(one('delete.json').cdc).toMatchObject({ operation: 'delete', data: { id: 9, email: null } });
    expect(one('load.json').cdc).toMatchObject({ recordType: 'data', operation: 'load', schema: 'inventory', table: 'items' });

    const bad = one('malformed-truncated.json');
    expect(bad.error).toMatch(/./);
    expect(Buffer.from(bad.payloadBase64!, 'base64').equals(fixture('malformed-truncated.json'))).toBe(true);

    expect(one('control-create-table.json').cdc).toMatchObject({ recordType: 'control', operation: 'create-table', schema: 'public', table: 'customers' });
    expect(one('control-add-column.json').cdc).toMatchObject({ recordType: 'control', operation: 'add-column' });
    expect(one('control-task-level.json').cdc).toMatchObject({ recordType: 'control', table: 'awsdms_apply_exceptions' });

    const dbz = one('debezium-update-with-schema.json');
    expect(dbz.format).toBe('debezium');
    expect(dbz.cdc).toMatchObject({ operation: 'update', schema: 'public', table: 'customers', data: { plan: 'pro' }, before: { id: 9 } });
    const dbzDel = one('debezium-delete-bare.json');
    expect(dbzDel.format).toBe('debezium');
    expect(dbzDel.cdc).toMatchObject({ operation: 'delete', before: { id: 12 } });

    const kpl = byKey('shop.orders.1001').concat(byKey('shop.orders.1002')).filter((r) => r.subSequenceNumber !== undefined && !r.error);
    expect(kpl.map((r) => r.subSequenceNumber)).toEqual([0, 1, 2]);
    expect(new Set(kpl.map((r) => r.sequenceNumber)).size).toBe(1);
    expect(kpl.map((r) => r.cdc!.operation)).toEqual(['insert', 'update', 'delete']);

    const md5 = rows.filter((r) => r.error && /MD5/i.test(r.error));
    expect(md5).toHaveLength(1);
    expect(md5[0]!.payloadBase64).toBeTruthy();

    const text = one('not-json.txt');
    expect(text.format).toBe('text');
    expect(text.payload).toBe(fixture('not-json.txt').toString('utf8'));

    // The tail went on after the truncated record and after the bad aggregate: the last record is there.
    expect(rows.at(-1)!.partitionKey).toBe('not-json.txt');
    expect(res.stderr).toMatch(/tail: 17 records \(shardId-000000000000 17\) · 2 undecodable · 0 throttles retried/);
  });

  it('pretty output shows the MySQL update as status: NEW → PAID', async () => {
    await ready;
    const res = await runCli(['tail', stream, '--from', 'trim-horizon', '-e', '--format', 'pretty', '--no-color'], { endpoint });
    expect(res.code).toBe(0);
    const lines = res.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(17);
    expect(lines.find((l) => l.includes('status: NEW → PAID'))).toMatch(/update\s+shop\.orders/);
    expect(res.stdout).not.toContain(String.fromCharCode(27));
  });

  it('filters by table and operation, and writes a template per record', async () => {
    await ready;
    const res = await runCli(['tail', stream, '--from', 'trim-horizon', '-e', '--table', 'shop.orders', '--op', 'update', '-f', '%o %t %k %d'], { endpoint });
    expect(res.code).toBe(0);
    // The MySQL update and the KPL aggregate's update (the two undecodable records pass filters, with no table).
    const lines = res.stdout.split('\n').filter((l) => l.startsWith('update'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('"status":"PAID"');
  });

  it('redacts columns in data and before-image', async () => {
    await ready;
    const res = await runCli(['tail', stream, '--from', 'trim-horizon', '-e', '--json', '--redact', 'status,email'], { endpoint });
    const mysql = parseLines(res.stdout).find((r) => r.partitionKey === 'update-before-image-mysql.json')!;
    expect(mysql.cdc!.data!.status).not.toBe('PAID');
    expect(mysql.cdc!.before!.status).not.toBe('NEW');
    expect(res.stdout).not.toContain('ada@example.com');
  });
});

describe('tail: faults between the CLI and the server', () => {
  it('30 % throttled GetRecords, expired iterators, 500s and resets: every record once, in order, every retry counted', async () => {
    const stream = uniqueStreamName('tail-faults');
    await createStream(client, stream, 2);
    await putRecords(client, stream, dmsWave(20, 0, 50));
    await updateShardCount(client, stream, 4);
    await putRecords(client, stream, dmsWave(20, 50, 100));
    const proxy = await startFaultProxy({
      target: endpoint,
      seed: 20261127,
      rules: [
        { operation: 'GetRecords', fault: 'throttle', rate: 0.3 },
        { operation: 'GetRecords', fault: 'expired-iterator', rate: 0.1 },
        { operation: 'GetRecords', fault: 'http-500', rate: 0.1 },
        { operation: 'GetRecords', fault: 'reset', rate: 0.05 },
        { operation: 'GetShardIterator', fault: 'http-500', rate: 0.1 },
      ],
    });
    try {
      const res = await runCli(['tail', stream, '--from', 'trim-horizon', '-e', '--json'], {
        endpoint: proxy.endpoint,
        env: { CDCPIPE_TEST_GETRECORDS_LIMIT: '50' },
        timeoutMs: 110_000,
      });
      expect(res.code, res.stderr).toBe(0);
      expectCompleteAndOrdered(parseLines(res.stdout), 20, 100);
      const throttles = proxy.total('throttle');
      const expired = proxy.total('expired-iterator');
      const errors = proxy.total('http-500') + proxy.total('reset');
      expect(proxy.counts.requests.GetRecords).toBeGreaterThan(40);
      expect(throttles).toBeGreaterThan(5);
      expect(expired).toBeGreaterThan(0);
      expect(errors).toBeGreaterThan(0);
      expect(summaryNumber(res.stderr, 'throttles retried')).toBe(throttles);
      expect(summaryNumber(res.stderr, 'expired iterators renewed')).toBe(expired);
      expect(summaryNumber(res.stderr, 'server/network errors retried')).toBe(errors);
    } finally {
      await proxy.stop();
    }
  });
});

describe('tail: enhanced fan-out', () => {
  it('registers a consumer, subscribes to every shard through a split, and deregisters it', async () => {
    const stream = uniqueStreamName('tail-efo');
    await createStream(client, stream, 2);
    await putRecords(client, stream, dmsWave(10, 0, 20));
    await updateShardCount(client, stream, 4);
    await putRecords(client, stream, dmsWave(10, 20, 40));
    const res = await runCli(['tail', stream, '--from', 'trim-horizon', '-e', '--json', '--efo', 'cdcpipe-test'], { endpoint, timeoutMs: 90_000 });
    expect(res.code, res.stderr).toBe(0);
    expectCompleteAndOrdered(parseLines(res.stdout), 10, 40);
    expect(res.stderr).toMatch(/registered the enhanced fan-out consumer 'cdcpipe-test'/);
    const arn = (await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary!.StreamARN!;
    const consumers = (await client.send(new ListStreamConsumersCommand({ StreamARN: arn }))).Consumers ?? [];
    expect(consumers.filter((c) => c.ConsumerStatus !== 'DELETING')).toEqual([]);
  });

  it('reuses an existing consumer and leaves it registered', async () => {
    const stream = uniqueStreamName('tail-efo-reuse');
    await createStream(client, stream, 1);
    await putRecords(client, stream, dmsWave(5, 0, 4));
    const arn = (await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary!.StreamARN!;
    await client.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'shared' }));
    const res = await runCli(['tail', stream, '--from', 'trim-horizon', '-e', '--json', '--efo', 'shared'], { endpoint, timeoutMs: 60_000 });
    expect(res.code, res.stderr).toBe(0);
    expectCompleteAndOrdered(parseLines(res.stdout), 5, 4);
    expect(res.stderr).toMatch(/using the existing enhanced fan-out consumer 'shared'/);
    const d = await client.send(new DescribeStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'shared' }));
    expect(d.ConsumerDescription!.ConsumerStatus).toBe('ACTIVE');
  });

  it('re-subscribes after a cut subscription and continues after the last event: nothing skipped or repeated', async () => {
    const stream = uniqueStreamName('tail-efo-cut');
    await createStream(client, stream, 1);
    await putRecords(client, stream, dmsWave(5, 0, 2));
    // Every subscription is cut 1.5 s after it starts, as AWS ends each after 5 minutes.
    const proxy = await startFaultProxy({ target: endpoint, seed: 3, rules: [{ operation: 'SubscribeToShard', fault: 'cut', rate: 1, delayMs: 1500 }] });
    const subscriptions = () => proxy.counts.requests.SubscribeToShard ?? 0;
    const until = async (check: () => boolean) => {
      while (!check()) await new Promise((r) => setTimeout(r, 100));
    };
    try {
      const child = spawnCli(['tail', stream, '--from', 'trim-horizon', '--json', '--efo', 'cut-test', '-c', '30'], proxy.endpoint);
      await child.waitForLines(10);
      const first = subscriptions();
      await until(() => subscriptions() > first);
      await putRecords(client, stream, dmsWave(5, 2, 4));
      await child.waitForLines(20);
      const second = subscriptions();
      await until(() => subscriptions() > second);
      await putRecords(client, stream, dmsWave(5, 4, 6));
      const res = await child.done;
      expect(res.code, res.stderr).toBe(0);
      expectCompleteAndOrdered(parseLines(res.stdout), 5, 6);
      expect(proxy.total('cut')).toBeGreaterThanOrEqual(2);
    } finally {
      await proxy.stop();
    }
  });
});

describe('tail: checkpoint and resume', () => {
  it('stops after N records, resumes from the checkpoint, and the union is exactly the stream', async () => {
    const stream = uniqueStreamName('tail-cp');
    await createStream(client, stream, 2);
    await putRecords(client, stream, dmsWave(20, 0, 15));
    await updateShardCount(client, stream, 4);
    await putRecords(client, stream, dmsWave(20, 15, 30));
    const cp = join(workDir, `${stream}.json`);
    const first = await runCli(['tail', stream, '--from', 'trim-horizon', '-c', '250', '--checkpoint', cp, '--json'], { endpoint });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/max reached/);
    const part1 = parseLines(first.stdout);
    expect(part1).toHaveLength(250);
    const saved = JSON.parse(readFileSync(cp, 'utf8'));
    expect(saved).toMatchObject({ schemaVersion: 1, stream });
    expect(Object.keys(saved.shards).length).toBeGreaterThan(0);

    const second = await runCli(['tail', stream, '--from', `checkpoint:${cp}`, '-e', '--json', '--checkpoint', cp], { endpoint });
    expect(second.code, second.stderr).toBe(0);
    const part2 = parseLines(second.stdout);
    expectCompleteAndOrdered([...part1, ...part2], 20, 30);
    // After the resumed run reached the end, every parent is marked closed and a third run reads nothing.
    const final = JSON.parse(readFileSync(cp, 'utf8'));
    expect(Object.values(final.shards).filter((s) => (s as { closed?: boolean }).closed)).toHaveLength(2);
    const third = await runCli(['tail', stream, '--from', `checkpoint:${cp}`, '-e', '--json'], { endpoint });
    expect(third.code).toBe(0);
    expect(third.stdout).toBe('');
  });

  it('stops inside a KPL aggregate and resumes with the next user record', async () => {
    const stream = uniqueStreamName('tail-cp-kpl');
    await createStream(client, stream, 1);
    await putRecords(client, stream, [
      { partitionKey: 'a', data: fixture('insert.json') },
      { partitionKey: 'b', data: fixture('kpl-aggregated-3-records.bin') },
      { partitionKey: 'c', data: fixture('not-json.txt') },
    ]);
    const cp = join(workDir, `${stream}.json`);
    const first = await runCli(['tail', stream, '--from', 'trim-horizon', '-c', '2', '--checkpoint', cp, '--json'], { endpoint });
    expect(parseLines(first.stdout).map((r) => r.subSequenceNumber ?? null)).toEqual([null, 0]);
    expect(Object.values(JSON.parse(readFileSync(cp, 'utf8')).shards)).toEqual([expect.objectContaining({ subSequenceNumber: 0 })]);
    const second = await runCli(['tail', stream, '--from', `checkpoint:${cp}`, '-e', '--json'], { endpoint });
    const rest = parseLines(second.stdout);
    expect(rest.map((r) => [r.partitionKey, r.subSequenceNumber ?? null])).toEqual([
      ['shop.orders.1001', 1],
      ['shop.orders.1002', 2],
      ['c', null],
    ]);
  });
});

describe('tail: positions, signals, pipes and errors', () => {
  let stream = '';
  const ready = (async () => {
    stream = uniqueStreamName('tail-misc');
    await createStream(client, stream, 2);
    await putRecords(client, stream, dmsWave(10, 0, 10));
  })();

  it('seq:<n> with --shard starts at that record of that shard', async () => {
    await ready;
    const all = parseLines((await runCli(['tail', stream, '--from', 'trim-horizon', '-e', '--json', '--shard', '1'], { endpoint })).stdout);
    expect(all.length).toBeGreaterThan(5);
    const from = all[5]!;
    const res = await runCli(['tail', stream, '--from', `seq:${from.sequenceNumber}`, '--shard', from.shardId, '-e', '--json'], { endpoint });
    expect(res.code, res.stderr).toBe(0);
    expect(parseLines(res.stdout).map((r) => r.sequenceNumber)).toEqual(all.slice(5).map((r) => r.sequenceNumber));
  });

  it.each([
    ['a bad --from', 2, ['--from', 'yesterday'], /--from/],
    ['seq: without --shard', 2, ['--from', 'seq:123'], /--shard/],
    ['a bad --format', 2, ['--format', 'xml'], /--format/],
    ['a bad --max', 2, ['-c', '0'], /--max/],
    ['a bad --grep', 2, ['--grep', '('], /--grep/],
    ['--keep-consumer without --efo', 2, ['--keep-consumer'], /--efo/],
    ['an unknown shard', 4, ['--shard', '42', '-e'], /shardId-000000000042/],
  ] as [string, number, string[], RegExp][])('%s exits %i', async (_name, code, args, message) => {
    await ready;
    const res = await runCli(['tail', stream, ...args], { endpoint });
    expect(res.code).toBe(code);
    expect(res.stderr).toMatch(message);
  });

  it('a missing stream exits 4', async () => {
    const res = await runCli(['tail', uniqueStreamName('missing'), '-e'], { endpoint });
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/not found/);
  });

  it('Ctrl-C flushes, writes the checkpoint, prints the summary and exits 0', async () => {
    await ready;
    const cp = join(workDir, `${stream}-sigint.json`);
    const child = spawnCli(['tail', stream, '--from', 'trim-horizon', '--json', '--checkpoint', cp]);
    await child.waitForLines(100);
    child.process.kill('SIGINT');
    const { code, stdout, stderr } = await child.done;
    expect(code).toBe(0);
    expect(stderr).toMatch(/tail: 100 records .* stopped after/);
    expect(parseLines(stdout)).toHaveLength(100);
    const saved = JSON.parse(readFileSync(cp, 'utf8'));
    expect(Object.keys(saved.shards).sort()).toEqual(['shardId-000000000000', 'shardId-000000000001']);
  });

  it('a closed pipe (| head) ends a live tail quietly with exit 0', async () => {
    await ready;
    const child = spawnCli(['tail', stream, '--from', 'trim-horizon', '--json']);
    await child.waitForLines(1);
    child.process.stdout.destroy();
    // A pipe's close is seen on the next write (as with kcat): all of the stream may already be written by
    // now, so new records give the tail that write.
    await putRecords(client, stream, dmsWave(10, 10, 12));
    const { code, stderr } = await child.done;
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/error/i);
  });
});

/** Like runCli, but hands back the child so a test can signal it or close its stdout. */
function spawnCli(args: string[], cliEndpoint = endpoint) {
  const BIN = fileURLToPath(new URL('../../bin/cdcpipe.js', import.meta.url));
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      PATH: process.env.PATH,
      ...CLI_AWS_ENV,
      AWS_ENDPOINT_URL: cliEndpoint,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { lines: number; resolve: () => void }[] = [];
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    const lines = stdout.split('\n').length - 1;
    for (const w of waiters.filter((w) => lines >= w.lines)) w.resolve();
  });
  child.stdout.on('error', () => undefined);
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
  return {
    process: child,
    done,
    waitForLines: (lines: number) =>
      new Promise<void>((resolve) => {
        if (stdout.split('\n').length - 1 >= lines) resolve();
        else waiters.push({ lines, resolve });
      }),
  };
}
