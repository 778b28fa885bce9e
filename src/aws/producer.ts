/**
 * Writes generated CDC records to a stream with PutRecords at a target rate.
 *
 * - Batches hold at most 500 entries and 10 MiB including partition keys (API PutRecords).
 * - Only failed entries are retried, with jittered exponential back-off. PutRecords may fail some
 *   entries of a request and write the others ("PutRecords" API reference), so a retry could land
 *   a row's change after a later change of the same row. To rule that out, a request carries at most
 *   one change per row, and a row with a change in flight or waiting for a retry has its later
 *   changes held back until that change is written: each row's changes reach the stream in order.
 * - With `aggregate`, user records are packed into KPL aggregated records (magic F3 89 9A C2 +
 *   protobuf AggregatedRecord + MD5), one group per predicted shard, as the KPL does.
 */
import { kinesisApi } from './api/kinesis.js';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { CreateStreamCommand, PutRecordsCommand, waitUntilStreamExists, type KinesisClient, type PutRecordsRequestEntry, type Shard } from '@aws-sdk/client-kinesis';
import type { GeneratedRecord } from '../core/cdc-generator.js';
import { PUTRECORDS_MAX_BYTES, PUTRECORDS_MAX_RECORDS, RECORD_DEFAULT_MAX_BYTES } from '../core/limits.js';
import { TokenBucket, backoffMs } from '../core/rate.js';
import { AwsCallError, NotFoundError } from '../errors.js';
import { isAwsError } from './errors.js';
import { describeStream, isOpen, listAllShards } from './shards.js';

export interface RecordSource {
  next(nowMs: number): GeneratedRecord;
}

export interface ProduceOptions {
  stream: string;
  /** Target user records per second. */
  rps: number;
  /** Stop after this many records … */
  count?: number;
  /** … or after this long (whichever is given; both → whichever comes first). */
  durationMs?: number;
  source: RecordSource;
  aggregate?: boolean;
  /** PutRecords requests in flight at once. */
  maxInFlight?: number;
  /** How long records wait to be batched, like the KPL's RecordMaxBufferedTime. */
  flushIntervalMs?: number;
  /** Attempts per record before the run fails. */
  maxAttempts?: number;
  /** Largest Data + partition key of one Kinesis record (the stream's maximum record size). */
  maxRecordBytes?: number;
  onProgress?: (progress: ProduceProgress) => void;
  /** Stop generating (e.g. Ctrl-C); records already generated are still written. */
  signal?: AbortSignal;
  /** Epoch ms for record timestamps; injectable for tests. */
  wallClock?: () => number;
}

export interface ProduceProgress {
  records: number;
  bytes: number;
  generated: number;
  throttled: number;
  elapsedMs: number;
  pending: number;
}

export interface ProduceResult {
  /** User records written (acknowledged by PutRecords). */
  records: number;
  /** Kinesis records written: equal to `records` unless aggregating. */
  kinesisRecords: number;
  /** Bytes of Data written (the Kinesis records' payloads, aggregates included as stored). */
  bytes: number;
  /** Partition key bytes written (they count towards PutRecords' 10 MiB). */
  partitionKeyBytes: number;
  seconds: number;
  /** Entries that came back with ProvisionedThroughputExceededException (each attempt counts). */
  throttled: number;
  /** Entries that failed with another error code (InternalFailure, KMS…), then retried. */
  otherFailures: number;
  requests: number;
  /** User records per shard id, from the PutRecords results. */
  perShard: Record<string, number>;
  stoppedEarly: boolean;
}

interface Pending {
  seq: number;
  rec: GeneratedRecord;
  attempts: number;
  notBeforeMs: number;
}

/** One PutRecords entry: a plain record, or an aggregate of several user records. */
interface Outgoing {
  entry: PutRecordsRequestEntry;
  users: Pending[];
  dataBytes: number;
  keyBytes: number;
  predictedShard?: string;
}

const RETRYABLE_CALL_ERRORS = ['ProvisionedThroughputExceededException', 'LimitExceededException', 'InternalFailure', 'ServiceUnavailable', 'ThrottlingException', 'TimeoutError', 'RequestTimeout'];
const KPL_MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);
const encoder = new TextEncoder();

export async function produce(client: KinesisClient, opts: ProduceOptions): Promise<ProduceResult> {
  const maxInFlight = opts.maxInFlight ?? 16;
  const flushMs = opts.flushIntervalMs ?? 50;
  const maxAttempts = opts.maxAttempts ?? 30;
  const maxRecordBytes = opts.maxRecordBytes ?? RECORD_DEFAULT_MAX_BYTES;
  const wall = opts.wallClock ?? Date.now;
  const jitter = Math.random;
  const t0 = performance.now();
  const clock = () => performance.now() - t0;
  // Capacity of one second's worth: a stall is caught up within a second, never as a larger burst.
  const bucket = new TokenBucket(opts.rps, Math.max(1, opts.rps), 0);
  const limitCount = opts.count ?? Infinity;
  const endMs = opts.durationMs ?? Infinity;

  const result: ProduceResult = { records: 0, kinesisRecords: 0, bytes: 0, partitionKeyBytes: 0, seconds: 0, throttled: 0, otherFailures: 0, requests: 0, perShard: {}, stoppedEarly: false };
  let pending: Pending[] = [];
  const inFlightKeys = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let generated = 0;
  let generating = true;
  let fatal: unknown;
  let shardMap: ShardMap | undefined = opts.aggregate ? await loadShardMap(client, opts.stream) : undefined;
  let shardMapStale = false;
  let lastSendMs = -Infinity;

  const release = (now: number): void => {
    if (!generating) return;
    const stopped = opts.signal?.aborted ?? false;
    const at = Math.min(now, endMs);
    const n = stopped ? 0 : bucket.take(at, limitCount - generated);
    for (let i = 0; i < n; i++) {
      const rec = opts.source.next(wall());
      if (encoder.encode(rec.partitionKey).length + rec.data.length > maxRecordBytes) {
        throw new AwsCallError(`a generated record of ${rec.data.length} bytes exceeds the stream's maximum record size of ${maxRecordBytes} bytes`);
      }
      pending.push({ seq: generated++, rec, attempts: 0, notBeforeMs: 0 });
    }
    if (stopped || generated >= limitCount || now >= endMs) {
      generating = false;
      result.stoppedEarly = stopped;
    }
  };

  /** Takes the next request's records off `pending`, keeping every row's changes in order. */
  const pick = (now: number): Pending[] => {
    const chosen: Pending[] = [];
    const rest: Pending[] = [];
    const held = new Set<string>();
    let bytes = 0;
    // Aggregates add protobuf framing (a few bytes per user record): leave them 1 MiB of room.
    const budget = opts.aggregate ? PUTRECORDS_MAX_BYTES - RECORD_DEFAULT_MAX_BYTES : PUTRECORDS_MAX_BYTES;
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i]!;
      const key = p.rec.orderingKey;
      const size = p.rec.data.length + encoder.encode(p.rec.partitionKey).length;
      const full = (!opts.aggregate && chosen.length >= PUTRECORDS_MAX_RECORDS) || bytes + size > budget;
      // A record bigger than the whole budget still goes, alone, rather than blocking the queue.
      if (full && chosen.length > 0) {
        rest.push(...pending.slice(i));
        break;
      }
      if (held.has(key) || inFlightKeys.has(key) || p.notBeforeMs > now) {
        // Everything later of this row waits behind this change.
        held.add(key);
        rest.push(p);
        continue;
      }
      held.add(key);
      chosen.push(p);
      bytes += size;
    }
    pending = rest;
    return chosen;
  };

  const requeue = (items: Pending[]): void => {
    for (const p of items) {
      const at = lowerBound(pending, p.seq);
      pending.splice(at, 0, p);
    }
  };

  const send = (outgoing: Outgoing[]): Promise<void> => {
    const users = outgoing.flatMap((o) => o.users);
    for (const u of users) inFlightKeys.add(u.rec.orderingKey);
    const task = (async () => {
      result.requests++;
      let failedAll: string | undefined;
      let records: { ShardId?: string; ErrorCode?: string }[] = [];
      try {
        const res = await client.send(new PutRecordsCommand({ StreamName: opts.stream, Records: outgoing.map((o) => o.entry) }));
        records = res.Records ?? [];
      } catch (err) {
        if (!isAwsError(err, ...RETRYABLE_CALL_ERRORS) && !isNetworkError(err)) {
          fatal ??= err;
          for (const u of users) inFlightKeys.delete(u.rec.orderingKey);
          requeue(users);
          return;
        }
        failedAll = (err as { name?: string }).name ?? 'Error';
      }
      const now = clock();
      const retry: Pending[] = [];
      outgoing.forEach((o, i) => {
        const r = failedAll ? { ErrorCode: failedAll } : records[i];
        if (!r || r.ErrorCode || !r.ShardId) {
          if (r?.ErrorCode === 'ProvisionedThroughputExceededException') result.throttled++;
          else result.otherFailures++;
          for (const u of o.users) {
            u.attempts++;
            if (u.attempts >= maxAttempts) fatal ??= new AwsCallError(`PutRecords: a record of ${u.rec.orderingKey} still failed after ${u.attempts} attempts (${r?.ErrorCode ?? 'no result'})`, 'the stream is throttling: lower --rps or add shards');
            u.notBeforeMs = now + backoffMs(u.attempts, jitter());
            retry.push(u);
          }
          return;
        }
        result.records += o.users.length;
        result.kinesisRecords++;
        result.bytes += o.dataBytes;
        result.partitionKeyBytes += o.keyBytes;
        result.perShard[r.ShardId] = (result.perShard[r.ShardId] ?? 0) + o.users.length;
        if (o.predictedShard && o.predictedShard !== r.ShardId) shardMapStale = true;
      });
      for (const u of users) inFlightKeys.delete(u.rec.orderingKey);
      requeue(retry);
    })();
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    return task;
  };

  for (;;) {
    const now = clock();
    if (!fatal) release(now);
    if (shardMapStale && opts.aggregate) {
      // A resharding moved hash ranges: predict shards from the current map again.
      shardMap = await loadShardMap(client, opts.stream);
      shardMapStale = false;
    }
    // Batch like the KPL (RecordMaxBufferedTime): send when a request is full, the flush interval
    // has passed, or generation is over — not on every wake-up, which would make tiny requests.
    const due = !generating || pending.length >= PUTRECORDS_MAX_RECORDS || now - lastSendMs >= flushMs;
    while (due && !fatal && inFlight.size < maxInFlight && pending.length > 0) {
      lastSendMs = now;
      const chosen = pick(now);
      if (chosen.length === 0) break;
      const outgoing = opts.aggregate ? aggregateByShard(chosen, shardMap!, maxRecordBytes) : chosen.map(plainEntry);
      if (outgoing.length > PUTRECORDS_MAX_RECORDS) {
        requeue(outgoing.splice(PUTRECORDS_MAX_RECORDS).flatMap((o) => o.users));
      }
      void send(outgoing);
    }
    opts.onProgress?.({ records: result.records, bytes: result.bytes, generated, throttled: result.throttled, elapsedMs: now, pending: pending.length });
    if (fatal && inFlight.size === 0) throw fatal;
    if (!generating && pending.length === 0 && inFlight.size === 0) break;
    let waitMs = flushMs;
    if (generating && Number.isFinite(endMs)) waitMs = Math.max(0, Math.min(waitMs, endMs - now));
    await Promise.race([sleep(waitMs), ...inFlight]);
  }
  // From the start to the last acknowledgement: what the stream actually took in.
  result.seconds = clock() / 1000;
  return result;
}

function plainEntry(p: Pending): Outgoing {
  return {
    entry: { PartitionKey: p.rec.partitionKey, Data: p.rec.data },
    users: [p],
    dataBytes: p.rec.data.length,
    keyBytes: encoder.encode(p.rec.partitionKey).length,
  };
}

// ---- KPL aggregation ----

interface ShardRange {
  shardId: string;
  start: bigint;
  end: bigint;
}
type ShardMap = ShardRange[];

async function loadShardMap(client: KinesisClient, stream: string): Promise<ShardMap> {
  const { shards } = await listAllShards(kinesisApi(client), stream);
  return shards
    .filter(isOpen)
    .map((s: Shard) => ({ shardId: s.ShardId!, start: BigInt(s.HashKeyRange!.StartingHashKey!), end: BigInt(s.HashKeyRange!.EndingHashKey!) }))
    .sort((a, b) => (a.start < b.start ? -1 : 1));
}

/** Kinesis maps a partition key to a shard by the MD5 of its UTF-8 bytes as a 128-bit integer (API PutRecord). */
export function hashKeyOf(partitionKey: string): bigint {
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

function shardFor(map: ShardMap, partitionKey: string): string {
  const h = hashKeyOf(partitionKey);
  return map.find((r) => h >= r.start && h <= r.end)?.shardId ?? map[0]?.shardId ?? 'unknown';
}

interface KplAggregator {
  totalBytes: number;
  addUserRecord(r: { partitionKey: string; data: Buffer }): void;
  calculateUserRecordSize(r: { partitionKey: string; data: Buffer }): number;
  length(): number;
  build(): { partitionKey: string; data: Buffer } | undefined;
}
type AggregatorCtor = new () => KplAggregator;
let aggregatorCtor: AggregatorCtor | undefined;

/** aws-kinesis-agg's RecordAggregator (CommonJS; its typings do not declare it). */
function newAggregator(): KplAggregator {
  if (!aggregatorCtor) {
    const require = createRequire(import.meta.url);
    aggregatorCtor = (require('aws-kinesis-agg') as { RecordAggregator: AggregatorCtor }).RecordAggregator;
  }
  return new aggregatorCtor();
}

/**
 * Packs user records into aggregated records, one group per predicted shard, each within the
 * stream's maximum record size (magic 4 bytes + MD5 16 bytes + the aggregate's partition key).
 * Order inside an aggregate is kept (sub-sequence numbers 0, 1, 2…).
 */
export function aggregateByShard(users: Pending[], map: ShardMap, maxRecordBytes: number): Outgoing[] {
  const groups = new Map<string, Pending[]>();
  for (const u of users) {
    const shard = shardFor(map, u.rec.partitionKey);
    const list = groups.get(shard) ?? [];
    list.push(u);
    groups.set(shard, list);
  }
  const out: Outgoing[] = [];
  for (const [shard, list] of groups) {
    let agg = newAggregator();
    let members: Pending[] = [];
    let firstKeyBytes = 0;
    const flush = (): void => {
      const built = agg.build();
      if (built) {
        if (!built.data.subarray(0, 4).equals(KPL_MAGIC)) throw new Error('aws-kinesis-agg produced a record without the KPL magic number');
        out.push({ entry: { PartitionKey: built.partitionKey, Data: built.data }, users: members, dataBytes: built.data.length, keyBytes: encoder.encode(built.partitionKey).length, predictedShard: shard });
      }
      agg = newAggregator();
      members = [];
    };
    for (const u of list) {
      const user = { partitionKey: u.rec.partitionKey, data: Buffer.from(u.rec.data.buffer, u.rec.data.byteOffset, u.rec.data.byteLength) };
      if (members.length === 0) firstKeyBytes = encoder.encode(user.partitionKey).length;
      const limit = maxRecordBytes - KPL_MAGIC.length - 16 - firstKeyBytes;
      if (members.length > 0 && agg.totalBytes + agg.calculateUserRecordSize(user) > limit) {
        flush();
        firstKeyBytes = encoder.encode(user.partitionKey).length;
      }
      agg.addUserRecord(user);
      members.push(u);
    }
    flush();
  }
  return out;
}

// ---- small helpers ----

function lowerBound(list: Pending[], seq: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  // Not ECONNREFUSED: nothing listening is a configuration error, better reported at once.
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT';
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---- the stream a load goes to ----

export interface TargetStream {
  mode: 'provisioned' | 'on-demand';
  openShards: number;
  /** Largest Data + partition key of one record: MaxRecordSizeInKiB, 1 MiB by default ("large-records" guide). */
  maxRecordBytes: number;
  created: boolean;
}

/**
 * Describes the stream; with `createShards`, creates it first (provisioned, that many shards) when it
 * does not exist, and waits until it is ACTIVE.
 */
export async function prepareStream(client: KinesisClient, stream: string, opts: { createShards?: number } = {}): Promise<TargetStream> {
  let created = false;
  let summary;
  try {
    summary = await describeStream(kinesisApi(client), stream);
  } catch (err) {
    if (!(err instanceof NotFoundError) || opts.createShards === undefined) {
      if (err instanceof NotFoundError) throw new NotFoundError(err.message, 'create it first, or pass --create-shards <n> to create it with n shards');
      throw err;
    }
    await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: opts.createShards, StreamModeDetails: { StreamMode: 'PROVISIONED' } }));
    await waitUntilStreamExists({ client, maxWaitTime: 120, minDelay: 1 }, { StreamName: stream });
    created = true;
    summary = await describeStream(kinesisApi(client), stream);
  }
  for (let i = 0; summary.StreamStatus !== 'ACTIVE' && i < 600; i++) {
    // Writes to a stream that is UPDATING work; CREATING does not, so wait for ACTIVE.
    if (summary.StreamStatus === 'UPDATING') break;
    await sleep(200);
    summary = await describeStream(kinesisApi(client), stream);
  }
  const maxKiB = summary.MaxRecordSizeInKiB;
  return {
    mode: summary.StreamModeDetails?.StreamMode === 'ON_DEMAND' ? 'on-demand' : 'provisioned',
    openShards: summary.OpenShardCount ?? 0,
    maxRecordBytes: maxKiB ? maxKiB * 1024 : RECORD_DEFAULT_MAX_BYTES,
    created,
  };
}
