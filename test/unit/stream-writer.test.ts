/**
 * The stream writer's batching, per-row order and retries, against a fake KinesisApi (one method,
 * scripted failures; the same writer against kinesis-local through the fault proxy is
 * test/integration/put-faults.test.ts). The clock runs 100× faster than real time, so back-offs pass quickly.
 */
import { describe, expect, it } from 'vitest';
import type { PutRecordsCommandInput, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import type { KinesisApi } from '../../src/aws/api/kinesis.js';
import { MAX_IDLE_MS, StreamWriter, type WriterRecord } from '../../src/aws/stream-writer.js';
import { PUTRECORDS_MAX_BYTES, PUTRECORDS_MAX_RECORDS } from '../../src/core/limits.js';

type Entry = { key: string; n: number };
type Answer = 'ok' | 'throttle' | 'internal';

/** A Kinesis whose PutRecords answers each entry as `answer` says, and records what it wrote. */
function fakeKinesis(answer: (e: Entry, call: number) => Answer, opts: { failCall?: (call: number) => boolean; hold?: () => Promise<void> } = {}) {
  const written: Entry[] = [];
  const requests: Entry[][] = [];
  let calls = 0;
  const api = {
    putRecords: async (input: PutRecordsCommandInput): Promise<PutRecordsCommandOutput> => {
      const call = calls++;
      const entries = input.Records!.map((r) => JSON.parse(Buffer.from(r.Data!).toString()) as Entry);
      requests.push(entries);
      await (opts.hold?.() ?? Promise.resolve());
      if (opts.failCall?.(call)) throw Object.assign(new Error('We encountered an internal error'), { name: 'InternalFailure', $metadata: { httpStatusCode: 500 } });
      const Records = entries.map((e) => {
        const a = answer(e, call);
        if (a === 'ok') {
          written.push(e);
          return { ShardId: 'shardId-000000000000', SequenceNumber: String(written.length) };
        }
        return { ErrorCode: a === 'throttle' ? 'ProvisionedThroughputExceededException' : 'InternalFailure', ErrorMessage: 'no' };
      });
      return { Records, FailedRecordCount: Records.filter((r) => 'ErrorCode' in r).length, $metadata: {} };
    },
  };
  return { api: api as unknown as KinesisApi, written, requests };
}

const record = (key: string, n: number, pad = 0): WriterRecord => ({ partitionKey: key, orderingKey: key, data: Buffer.from(JSON.stringify({ key, n, pad: 'x'.repeat(pad) })) });

/** A seeded generator, so a failing case can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Adds every record, then drives send/settle until the writer is idle, as put and produce do. */
async function drain(writer: StreamWriter, records: WriterRecord[], clock: () => number): Promise<void> {
  for (const r of records) writer.add(r);
  for (;;) {
    await writer.send(clock(), true);
    if (writer.idle || writer.failed) break;
    await writer.settle(Math.min(writer.wakeInMs(clock()) / 100, MAX_IDLE_MS));
  }
}

function fastClock(): () => number {
  const t0 = performance.now();
  return () => (performance.now() - t0) * 100;
}

describe('stream writer', () => {
  it('writes every record once, each row in order, one change per row a request, under random entry and request failures', async () => {
    const random = lcg(17);
    const { api, written, requests } = fakeKinesis(() => (random() < 0.3 ? (random() < 0.8 ? 'throttle' : 'internal') : 'ok'), { failCall: (c) => c % 7 === 3 });
    // 40 rows, runs of the same row next to each other (the hard case for per-row order), 3,000 records.
    const records: WriterRecord[] = [];
    const counts = new Map<string, number>();
    while (records.length < 3000) {
      const key = `row-${Math.floor(random() * 40)}`;
      for (let j = Math.floor(random() * 6); j >= 0; j--) {
        const n = counts.get(key) ?? 0;
        counts.set(key, n + 1);
        records.push(record(key, n));
      }
    }
    const clock = fastClock();
    const writer = await StreamWriter.open(api, { stream: 's', clock, maxInFlight: 4, maxAttempts: 200 });
    await drain(writer, records, clock);
    writer.throwIfFailed();
    expect(written).toHaveLength(records.length);
    const seen = new Map<string, number>();
    for (const e of written) {
      expect(e.n, `${e.key} out of order`).toBe(seen.get(e.key) ?? 0);
      seen.set(e.key, e.n + 1);
    }
    for (const req of requests) expect(new Set(req.map((e) => e.key)).size).toBe(req.length);
    expect(writer.stats.records).toBe(records.length);
    expect(writer.stats.throttled).toBeGreaterThan(0);
    expect(writer.stats.otherFailures).toBeGreaterThan(0);
  });

  it('fills requests to 500 records when the rows allow it', async () => {
    const { api, requests } = fakeKinesis(() => 'ok');
    const clock = fastClock();
    const writer = await StreamWriter.open(api, { stream: 's', clock, maxInFlight: 2 });
    await drain(writer, Array.from({ length: 1200 }, (_, i) => record(`k${i}`, 0)), clock);
    expect(requests.map((r) => r.length)).toEqual([PUTRECORDS_MAX_RECORDS, PUTRECORDS_MAX_RECORDS, 200]);
  });

  it('keeps each request within the PutRecords byte limit, and sends a record larger than the limit alone', async () => {
    const { api, requests } = fakeKinesis(() => 'ok');
    const clock = fastClock();
    const writer = await StreamWriter.open(api, { stream: 's', clock, maxInFlight: 1, maxRecordBytes: 12 * 1024 * 1024 });
    const mib = 1024 * 1024;
    const records = [...Array.from({ length: 12 }, (_, i) => record(`k${i}`, 0, mib - 100)), record('big', 0, 11 * mib), record('after', 0)];
    await drain(writer, records, clock);
    const sizes = requests.map((r) => r.map((e) => e.key));
    expect(sizes.flat()).toEqual(records.map((r) => r.partitionKey));
    expect(sizes).toContainEqual(['big']);
    for (const req of requests.filter((r) => r.length > 1)) expect(req.length * (mib - 100)).toBeLessThanOrEqual(PUTRECORDS_MAX_BYTES);
  });

  it('hands back a record out of attempts and every later record of its row, in order; the other rows are written', async () => {
    const { api, written } = fakeKinesis((e) => (e.key === 'bad' ? 'throttle' : 'ok'));
    const clock = fastClock();
    const gaveUp: { key: string; reason: string }[] = [];
    const writer = await StreamWriter.open(api, { stream: 's', clock, maxAttempts: 3, onGiveUp: (rec, reason) => gaveUp.push({ key: `${rec.partitionKey}#${JSON.parse(Buffer.from(rec.data).toString()).n}`, reason }) });
    const records = [record('bad', 0), record('good', 0), record('bad', 1), record('good', 1), record('bad', 2)];
    await drain(writer, records, clock);
    writer.add(record('bad', 3)); // added after its row gave up: handed back at once
    expect(written.map((e) => `${e.key}#${e.n}`)).toEqual(['good#0', 'good#1']);
    expect(gaveUp.map((g) => g.key)).toEqual(['bad#0', 'bad#1', 'bad#2', 'bad#3']);
    expect(gaveUp[0]!.reason).toBe('ProvisionedThroughputExceededException');
    expect(gaveUp[1]!.reason).toMatch(/earlier record with the same partition key/);
    expect(writer.stats.gaveUp).toBe(4);
    expect(writer.idle).toBe(true);
  });

  it('holds a partial request for the flush interval while another is in flight, and says when to look again', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { api, requests } = fakeKinesis(() => 'ok', { hold: () => gate });
    const writer = await StreamWriter.open(api, { stream: 's', clock: () => 0, flushIntervalMs: 50 });
    writer.add(record('a', 0));
    await writer.send(0, false);
    expect(requests).toHaveLength(1);
    writer.add(record('b', 0));
    writer.add(record('a', 1));
    await writer.send(10, false);
    expect(requests).toHaveLength(1); // 'b' waits for the interval; 'a#1' waits behind 'a#0'
    expect(writer.wakeInMs(10)).toBe(40);
    expect(writer.pending).toBe(2);
    await writer.send(50, false);
    expect(requests.map((r) => r.map((e) => `${e.key}#${e.n}`))).toEqual([['a#0'], ['b#0']]);
    expect(writer.wakeInMs(50)).toBe(Infinity); // only a finishing request frees 'a#1'
    release();
    await writer.settle(1000);
    await new Promise((r) => setImmediate(r));
    expect(writer.wakeInMs(60)).toBe(40);
  });

  it('takes the records not yet sent in input order, leaving those in flight to finish', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { api, written } = fakeKinesis(() => 'ok', { hold: () => gate });
    const writer = await StreamWriter.open(api, { stream: 's', clock: () => 0 });
    for (const r of [record('a', 0), record('b', 0), record('a', 1), record('c', 0), record('b', 1)]) writer.add(r);
    await writer.send(0, false); // a#0, b#0, c#0 in flight
    writer.add(record('d', 0));
    const taken = writer.takeQueued().map((r) => `${r.partitionKey}#${JSON.parse(Buffer.from(r.data).toString()).n}`);
    expect(taken).toEqual(['a#1', 'b#1', 'd#0']);
    expect(writer.pending).toBe(0);
    release();
    while (!writer.idle) await writer.settle(10);
    expect(written.map((e) => `${e.key}#${e.n}`)).toEqual(['a#0', 'b#0', 'c#0']);
  });
});
