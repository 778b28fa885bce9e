/**
 * Writes records to a stream with PutRecords, batched like the KPL, retrying only what failed.
 *
 * - Batches hold at most 500 entries and 10 MiB including partition keys (Kinesis API Reference, PutRecords).
 * - Only failed entries are retried, with jittered exponential back-off. PutRecords may fail some
 *   entries of a request and write the others (Kinesis API Reference, PutRecords), so a retry could land
 *   a row's change after a later change of the same row. To rule that out, a request carries at most
 *   one change per row, and a row with a change in flight or waiting for a retry has its later
 *   changes held back until that change is written: each row's changes reach the stream in order.
 * - With `aggregate`, user records are packed into KPL aggregated records (kpl-aggregate.ts).
 * - With `onGiveUp`, a record that runs out of attempts is handed back instead of failing the run, and so is
 *   every later record of its row (sending those would put them before it when it is retried).
 */
import type { PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { PUTRECORDS_MAX_BYTES, PUTRECORDS_MAX_RECORDS, RECORD_DEFAULT_MAX_BYTES } from '../core/limits.js';
import { backoffMs } from '../core/rate.js';
import { AwsCallError } from '../errors.js';
import type { KinesisApi } from './api/kinesis.js';
import { aggregateByShard, loadShardMap, type ShardMap } from './kpl-aggregate.js';
import { classifyError, isConnectionRefused } from './retry.js';

/** One user record to write. */
export interface WriterRecord {
  partitionKey: string;
  data: Uint8Array;
  /** The row's identity: records with the same key reach the stream in the order they were added. */
  orderingKey: string;
  /** Decimal hash key that picks the shard instead of the partition key's MD5 (Kinesis API Reference, PutRecords). */
  explicitHashKey?: string;
}

export interface StreamWriterOptions {
  stream: string;
  aggregate?: boolean;
  /** PutRecords requests in flight at once. */
  maxInFlight?: number;
  /** How long records wait to be batched, like the KPL's RecordMaxBufferedTime. */
  flushIntervalMs?: number;
  /** Attempts per record before the run fails. */
  maxAttempts?: number;
  /** Largest Data + partition key of one Kinesis record (the stream's maximum record size). */
  maxRecordBytes?: number;
  /** Milliseconds since the run started (back-off deadlines are on this clock). */
  clock: () => number;
  /** Records that could not be written: out of attempts (`reason` is the last error code), or behind one of their row that was. */
  onGiveUp?: (rec: WriterRecord, reason: string) => void;
}

export interface WriterStats {
  /** User records written (acknowledged by PutRecords). */
  records: number;
  /** Kinesis records written: equal to `records` unless aggregating. */
  kinesisRecords: number;
  /** Bytes of Data written (the Kinesis records' payloads, aggregates included as stored). */
  bytes: number;
  /** Partition key bytes written (they count towards PutRecords' 10 MiB). */
  partitionKeyBytes: number;
  /** Entries that came back with ProvisionedThroughputExceededException (each attempt counts). */
  throttled: number;
  /** Entries that failed with another error code (InternalFailure, KMS…), then retried. */
  otherFailures: number;
  requests: number;
  /** User records per shard id, from the PutRecords results. */
  perShard: Record<string, number>;
  /** Records handed to `onGiveUp`. */
  gaveUp: number;
}

export interface Pending {
  seq: number;
  rec: WriterRecord;
  attempts: number;
  notBeforeMs: number;
  /** Data + partition key bytes (what counts towards PutRecords' 10 MiB), measured once. */
  size: number;
}

/** One PutRecords entry: a plain record, or an aggregate of several user records. */
export interface Outgoing {
  entry: PutRecordsRequestEntry;
  users: Pending[];
  dataBytes: number;
  keyBytes: number;
  predictedShard?: string;
}

const encoder = new TextEncoder();

export class StreamWriter {
  readonly stats: WriterStats = { records: 0, kinesisRecords: 0, bytes: 0, partitionKeyBytes: 0, throttled: 0, otherFailures: 0, requests: 0, perShard: {}, gaveUp: 0 };
  readonly flushIntervalMs: number;
  private readonly maxInFlight: number;
  private readonly maxAttempts: number;
  private readonly maxRecordBytes: number;
  private queue: Pending[] = [];
  private readonly inFlightKeys = new Set<string>();
  private readonly gaveUpKeys = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private added = 0;
  private fatal: unknown;
  private shardMapStale = false;
  private lastSendMs = -Infinity;
  /**
   * Bumped whenever the queue or the rows in flight change. A scan that found nothing to send is not
   * repeated until something changed or a retry's back-off ends: with thousands of records waiting behind
   * their rows' changes in flight, rescanning at every flush tick would cost more than sending.
   */
  private version = 0;
  private fruitless?: { version: number; onlyFull: boolean; untilMs: number };

  private constructor(
    private readonly kinesis: KinesisApi,
    private readonly opts: StreamWriterOptions,
    private shardMap: ShardMap | undefined,
  ) {
    this.maxInFlight = opts.maxInFlight ?? 16;
    this.flushIntervalMs = opts.flushIntervalMs ?? 50;
    this.maxAttempts = opts.maxAttempts ?? 30;
    this.maxRecordBytes = opts.maxRecordBytes ?? RECORD_DEFAULT_MAX_BYTES;
  }

  /** With `aggregate`, reads the shard map first (aggregates are grouped by predicted shard). */
  static async open(kinesis: KinesisApi, opts: StreamWriterOptions): Promise<StreamWriter> {
    return new StreamWriter(kinesis, opts, opts.aggregate ? await loadShardMap(kinesis, opts.stream) : undefined);
  }

  /** Records added and not yet written (waiting, or waiting for a retry). */
  get pending(): number {
    return this.queue.length;
  }

  /** A request failed in a way another try cannot fix, or a record ran out of attempts. */
  get failed(): boolean {
    return this.fatal !== undefined;
  }

  /** Nothing waits and nothing is in flight. */
  get idle(): boolean {
    return this.queue.length === 0 && this.inFlight.size === 0;
  }

  /** Drops the records not yet sent (waiting, or waiting for a retry); those in flight finish. Returns how many. */
  discardQueued(): number {
    const n = this.queue.length;
    this.queue = [];
    this.version++;
    return n;
  }

  /** Takes the records not yet sent off the queue, in the order they were added; those in flight finish. */
  takeQueued(): WriterRecord[] {
    const taken = this.queue.map((p) => p.rec);
    this.queue = [];
    this.version++;
    return taken;
  }

  add(rec: WriterRecord): void {
    this.queue.push({ seq: this.added++, rec, attempts: 0, notBeforeMs: 0, size: rec.data.length + encoder.encode(rec.partitionKey).length });
    this.version++;
  }

  /**
   * Starts the requests that are due. Like the KPL (RecordMaxBufferedTime): when a request is full, the
   * flush interval has passed, or `final` (nothing more will be added) — not on every call, which would
   * make tiny requests.
   */
  async send(now: number, final: boolean): Promise<void> {
    if (this.shardMapStale && this.opts.aggregate) {
      // A resharding moved hash ranges: predict shards from the current map again.
      this.shardMap = await loadShardMap(this.kinesis, this.opts.stream);
      this.shardMapStale = false;
    }
    const intervalDue = now - this.lastSendMs >= this.flushIntervalMs;
    const due = final || this.queue.length >= PUTRECORDS_MAX_RECORDS || intervalDue;
    while (due && !this.fatal && this.inFlight.size < this.maxInFlight && this.queue.length > 0) {
      // A partial request (the queue's other records wait behind their rows' changes in flight) waits for the
      // flush interval while others are in flight: sent at once, each finished request would start a tiny one.
      const chosen = this.pick(now, !final && !intervalDue && this.inFlight.size > 0);
      if (chosen.length === 0) break;
      this.lastSendMs = now;
      const outgoing = this.opts.aggregate ? aggregateByShard(chosen, this.shardMap!, this.maxRecordBytes) : chosen.map(plainEntry);
      if (outgoing.length > PUTRECORDS_MAX_RECORDS) {
        this.requeue(outgoing.splice(PUTRECORDS_MAX_RECORDS).flatMap((o) => o.users));
      }
      void this.put(outgoing);
    }
  }

  /** Throws the first fatal error once no request is in flight. */
  throwIfFailed(): void {
    if (this.fatal && this.inFlight.size === 0) throw this.fatal;
  }

  /** Waits `ms`, or less if a request finishes first. */
  async settle(ms: number): Promise<void> {
    await Promise.race([sleep(ms), ...this.inFlight]);
  }

  /** Takes the next request's records off the queue, keeping every row's changes in order. */
  private pick(now: number, onlyFull = false): Pending[] {
    const last = this.fruitless;
    if (last && last.version === this.version && now < last.untilMs && (onlyFull || !last.onlyFull)) return [];
    let retryDueMs = Infinity;
    const chosen: Pending[] = [];
    const rest: Pending[] = [];
    const held = new Set<string>();
    let bytes = 0;
    let filled = false;
    // Aggregates add protobuf framing (a few bytes per user record): leave them 1 MiB of room.
    const budget = this.opts.aggregate ? PUTRECORDS_MAX_BYTES - RECORD_DEFAULT_MAX_BYTES : PUTRECORDS_MAX_BYTES;
    const queue = this.queue;
    for (let i = 0; i < queue.length; i++) {
      const p = queue[i]!;
      const key = p.rec.orderingKey;
      const size = p.size;
      const full = (!this.opts.aggregate && chosen.length >= PUTRECORDS_MAX_RECORDS) || bytes + size > budget;
      // A record bigger than the whole budget still goes, alone, rather than blocking the queue.
      if (full && chosen.length > 0) {
        rest.push(...queue.slice(i));
        filled = true;
        break;
      }
      if (this.gaveUpKeys.has(key) && !onlyFull) {
        this.giveUp(p.rec, 'an earlier record with the same partition key could not be written');
        continue;
      }
      if (held.has(key) || this.inFlightKeys.has(key) || this.gaveUpKeys.has(key) || p.notBeforeMs > now) {
        if (p.notBeforeMs > now) retryDueMs = Math.min(retryDueMs, p.notBeforeMs);
        // Everything later of this row waits behind this change.
        held.add(key);
        rest.push(p);
        continue;
      }
      held.add(key);
      chosen.push(p);
      bytes += size;
    }
    // Not full: nothing is taken (the queue is left as it was).
    if (onlyFull && !filled) {
      this.fruitless = { version: this.version, onlyFull: true, untilMs: retryDueMs };
      return [];
    }
    if (chosen.length > 0 || rest.length !== queue.length) this.version++;
    this.queue = rest;
    if (chosen.length === 0) this.fruitless = { version: this.version, onlyFull: false, untilMs: retryDueMs };
    return chosen;
  }

  private giveUp(rec: WriterRecord, reason: string): void {
    this.stats.gaveUp++;
    this.opts.onGiveUp!(rec, reason);
  }

  private requeue(items: Pending[]): void {
    this.version++;
    for (const p of items) {
      const at = lowerBound(this.queue, p.seq);
      this.queue.splice(at, 0, p);
    }
  }

  private put(outgoing: Outgoing[]): Promise<void> {
    const stats = this.stats;
    const users = outgoing.flatMap((o) => o.users);
    for (const u of users) this.inFlightKeys.add(u.rec.orderingKey);
    const task = (async () => {
      stats.requests++;
      let failedAll: string | undefined;
      let records: { ShardId?: string; ErrorCode?: string }[] = [];
      try {
        const res = await this.kinesis.putRecords({ StreamName: this.opts.stream, Records: outgoing.map((o) => o.entry) });
        records = res.Records ?? [];
      } catch (err) {
        // Nothing listening (ECONNREFUSED) is a configuration error, better reported at once.
        if (classifyError(err) === 'fatal' || isConnectionRefused(err)) {
          this.fatal ??= err;
          for (const u of users) this.inFlightKeys.delete(u.rec.orderingKey);
          this.requeue(users);
          return;
        }
        failedAll = (err as { name?: string }).name ?? 'Error';
      }
      const now = this.opts.clock();
      const retry: Pending[] = [];
      outgoing.forEach((o, i) => {
        const r = failedAll ? { ErrorCode: failedAll } : records[i];
        if (!r || r.ErrorCode || !r.ShardId) {
          if (r?.ErrorCode === 'ProvisionedThroughputExceededException') stats.throttled++;
          else stats.otherFailures++;
          for (const u of o.users) {
            u.attempts++;
            if (u.attempts >= this.maxAttempts && this.opts.onGiveUp) {
              this.gaveUpKeys.add(u.rec.orderingKey);
              this.giveUp(u.rec, r?.ErrorCode ?? 'no result');
              continue;
            }
            if (u.attempts >= this.maxAttempts) this.fatal ??= new AwsCallError(`PutRecords: a record of ${u.rec.orderingKey} still failed after ${u.attempts} attempts (${r?.ErrorCode ?? 'no result'})`, 'the stream is throttling: lower --rps or add shards');
            u.notBeforeMs = now + backoffMs(u.attempts, Math.random());
            retry.push(u);
          }
          return;
        }
        stats.records += o.users.length;
        stats.kinesisRecords++;
        stats.bytes += o.dataBytes;
        stats.partitionKeyBytes += o.keyBytes;
        stats.perShard[r.ShardId] = (stats.perShard[r.ShardId] ?? 0) + o.users.length;
        if (o.predictedShard && o.predictedShard !== r.ShardId) this.shardMapStale = true;
      });
      for (const u of users) this.inFlightKeys.delete(u.rec.orderingKey);
      this.version++;
      this.requeue(retry);
    })();
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
    return task;
  }
}

function plainEntry(p: Pending): Outgoing {
  return {
    entry: p.rec.explicitHashKey === undefined ? { PartitionKey: p.rec.partitionKey, Data: p.rec.data } : { PartitionKey: p.rec.partitionKey, Data: p.rec.data, ExplicitHashKey: p.rec.explicitHashKey },
    users: [p],
    dataBytes: p.rec.data.length,
    keyBytes: p.size - p.rec.data.length,
  };
}

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

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
