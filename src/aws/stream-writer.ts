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
import { MinHeap } from '../core/min-heap.js';
import { backoffMs } from '../core/rate.js';
import { AwsCallError } from '../errors.js';
import type { KinesisApi } from './api/kinesis.js';
import { aggregateByShard, loadShardMap, type ShardMap } from './kpl-aggregate.js';
import { classifyError, isConnectionRefused } from './retry.js';

/** One user record to write. */
export interface WriterRecord {
  partitionKey: string;
  data: Uint8Array;
  /** The row's identity (default: the partition key): records with the same key reach the stream in the order they were added. */
  orderingKey?: string;
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
  /** Its row: `orderingKey`, else the partition key. */
  key: string;
  attempts: number;
  notBeforeMs: number;
  /** Data + partition key bytes (what counts towards PutRecords' 10 MiB), measured once. */
  size: number;
}

/** One aggregated PutRecords entry and the user records it packs. */
export interface Outgoing {
  entry: PutRecordsRequestEntry;
  users: Pending[];
  dataBytes: number;
  keyBytes: number;
  predictedShard?: string;
}

/** One row's records not yet written, oldest first, from `head` on. */
interface Row {
  key: string;
  items: Pending[];
  head: number;
  /** Its head record is in a request in flight; the later ones wait behind it. */
  busy: boolean;
}

const headOf = (row: Row): Pending => row.items[row.head]!;
/** Idle wake-ups: at most this long without looking (an abort is noticed within it). */
export const MAX_IDLE_MS = 250;

export class StreamWriter {
  readonly stats: WriterStats = { records: 0, kinesisRecords: 0, bytes: 0, partitionKeyBytes: 0, throttled: 0, otherFailures: 0, requests: 0, perShard: {}, gaveUp: 0 };
  readonly flushIntervalMs: number;
  private readonly maxInFlight: number;
  private readonly maxAttempts: number;
  private readonly maxRecordBytes: number;
  /** Aggregates add protobuf framing (a few bytes per user record): leave them 1 MiB of room. */
  private readonly budget: number;
  /**
   * Each row's records in order. A row that has records is in exactly one place: in flight (`busy`),
   * `ready` (ordered by its next record's place in the input), or `delayed` (its next record is backing
   * off, ordered by when it may go). Picking a request is then a few heap operations per record, however
   * many records wait behind their rows' changes in flight.
   */
  private readonly rows = new Map<string, Row>();
  private readonly ready = new MinHeap<Row>((a, b) => headOf(a).seq < headOf(b).seq);
  private readonly delayed = new MinHeap<Row>((a, b) => headOf(a).notBeforeMs < headOf(b).notBeforeMs);
  private readyBytes = 0;
  /** Records added, not in flight and not yet written. */
  private waiting = 0;
  private readonly gaveUpKeys = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly waiters = new Set<() => void>();
  private added = 0;
  private fatal: unknown;
  private shardMapStale = false;
  private lastSendMs = -Infinity;

  private constructor(
    private readonly kinesis: KinesisApi,
    private readonly opts: StreamWriterOptions,
    private shardMap: ShardMap | undefined,
  ) {
    this.maxInFlight = opts.maxInFlight ?? 16;
    this.flushIntervalMs = opts.flushIntervalMs ?? 50;
    this.maxAttempts = opts.maxAttempts ?? 30;
    this.maxRecordBytes = opts.maxRecordBytes ?? RECORD_DEFAULT_MAX_BYTES;
    this.budget = opts.aggregate ? PUTRECORDS_MAX_BYTES - RECORD_DEFAULT_MAX_BYTES : PUTRECORDS_MAX_BYTES;
  }

  /** With `aggregate`, reads the shard map first (aggregates are grouped by predicted shard). */
  static async open(kinesis: KinesisApi, opts: StreamWriterOptions): Promise<StreamWriter> {
    return new StreamWriter(kinesis, opts, opts.aggregate ? await loadShardMap(kinesis, opts.stream) : undefined);
  }

  /** Records added and not yet written (waiting, or waiting for a retry). */
  get pending(): number {
    return this.waiting;
  }

  /** A request failed in a way another try cannot fix, or a record ran out of attempts. */
  get failed(): boolean {
    return this.fatal !== undefined;
  }

  /** Nothing waits and nothing is in flight. */
  get idle(): boolean {
    return this.waiting === 0 && this.inFlight.size === 0;
  }

  /** Drops the records not yet sent (waiting, or waiting for a retry); those in flight finish. Returns how many. */
  discardQueued(): number {
    return this.unqueue().length;
  }

  /** Takes the records not yet sent off the queue, in the order they were added; those in flight finish. */
  takeQueued(): WriterRecord[] {
    return this.unqueue().map((p) => p.rec);
  }

  add(rec: WriterRecord): void {
    const key = rec.orderingKey ?? rec.partitionKey;
    if (this.gaveUpKeys.has(key)) {
      this.giveUp(rec, 'an earlier record with the same partition key could not be written');
      return;
    }
    const p: Pending = { seq: this.added++, rec, key, attempts: 0, notBeforeMs: 0, size: rec.data.length + Buffer.byteLength(rec.partitionKey, 'utf8') };
    let row = this.rows.get(key);
    if (!row) {
      row = { key, items: [], head: 0, busy: false };
      this.rows.set(key, row);
    }
    row.items.push(p);
    this.waiting++;
    // A row that already had records waiting is in `ready` or `delayed` already.
    if (!row.busy && row.items.length - row.head === 1) this.markReady(row);
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
    this.promote(now);
    const intervalDue = now - this.lastSendMs >= this.flushIntervalMs;
    while ((final || intervalDue || this.full()) && !this.fatal && this.inFlight.size < this.maxInFlight && this.ready.size > 0) {
      // A partial request (the other records wait behind their rows' changes in flight) waits for the
      // flush interval while others are in flight: sent at once, each finished request would start a tiny one.
      if (!final && !intervalDue && this.inFlight.size > 0 && !this.full()) break;
      const chosen = this.pick();
      this.lastSendMs = now;
      if (this.opts.aggregate) {
        const aggregates = aggregateByShard(chosen, this.shardMap!, this.maxRecordBytes);
        if (aggregates.length > PUTRECORDS_MAX_RECORDS) this.release(aggregates.splice(PUTRECORDS_MAX_RECORDS).flatMap((o) => o.users), now);
        void this.put({ entries: aggregates.map((o) => o.entry), aggregates });
      } else {
        void this.put({ entries: chosen.map(plainEntry), plain: chosen });
      }
    }
  }

  /**
   * How long the caller may wait before `send` has something to do, unless a request finishes first (which
   * ends `settle` early) or records are added: the flush interval of a partial request, or the end of a
   * back-off. Infinity when only a finishing request can change anything.
   */
  wakeInMs(now: number): number {
    if (this.fatal) return Infinity;
    let ms = Infinity;
    if (this.ready.size > 0 && this.inFlight.size < this.maxInFlight) ms = this.full() ? 0 : Math.max(0, this.lastSendMs + this.flushIntervalMs - now);
    const next = this.delayed.peek();
    if (next) ms = Math.min(ms, Math.max(0, headOf(next).notBeforeMs - now));
    return ms;
  }

  /** Throws the first fatal error once no request is in flight. */
  throwIfFailed(): void {
    if (this.fatal && this.inFlight.size === 0) throw this.fatal;
  }

  /** Waits `ms`, or less if a request finishes first. */
  async settle(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.waiters.add(finish);
    });
  }

  /** A full request's worth is ready. */
  private full(): boolean {
    return (!this.opts.aggregate && this.ready.size >= PUTRECORDS_MAX_RECORDS) || this.readyBytes >= this.budget;
  }

  /** Rows whose back-off has ended are ready again. */
  private promote(now: number): void {
    for (let row = this.delayed.peek(); row && headOf(row).notBeforeMs <= now; row = this.delayed.peek()) {
      this.delayed.pop();
      this.markReady(row);
    }
  }

  /** Takes the next request's records: the ready rows' next records in input order, one per row. */
  private pick(): Pending[] {
    const chosen: Pending[] = [];
    let bytes = 0;
    for (let row = this.ready.peek(); row; row = this.ready.peek()) {
      if (!this.opts.aggregate && chosen.length >= PUTRECORDS_MAX_RECORDS) break;
      const p = headOf(row);
      // A record bigger than the whole budget still goes, alone, rather than blocking the queue.
      if (chosen.length > 0 && bytes + p.size > this.budget) break;
      this.ready.pop();
      this.readyBytes -= p.size;
      this.waiting--;
      row.busy = true;
      chosen.push(p);
      bytes += p.size;
    }
    return chosen;
  }

  /** Puts a row whose next record may go (now, or after its back-off) where it waits. */
  private schedule(row: Row, now: number): void {
    if (headOf(row).notBeforeMs > now) this.delayed.push(row);
    else this.markReady(row);
  }

  private markReady(row: Row): void {
    this.ready.push(row);
    this.readyBytes += headOf(row).size;
  }

  /** Records taken for a request that was not sent, or failed as a whole before any was written. */
  private release(users: Pending[], now: number): void {
    for (const u of users) {
      const row = this.rows.get(u.key)!;
      row.busy = false;
      this.waiting++;
      this.schedule(row, now);
    }
  }

  /** A row's next record was written: the one after it may go. */
  private written(u: Pending, now: number): void {
    const row = this.rows.get(u.key)!;
    row.head++;
    row.busy = false;
    if (row.head === row.items.length) {
      this.rows.delete(row.key);
      return;
    }
    if (row.head >= 64 && row.head * 2 >= row.items.length) {
      row.items = row.items.slice(row.head);
      row.head = 0;
    }
    this.schedule(row, now);
  }

  /** A row's next record ran out of attempts: it and every later record of the row are handed back. */
  private abandon(u: Pending, reason: string): void {
    const row = this.rows.get(u.key)!;
    this.rows.delete(row.key);
    this.gaveUpKeys.add(row.key);
    this.giveUp(u.rec, reason);
    for (let i = row.head + 1; i < row.items.length; i++) {
      this.waiting--;
      this.giveUp(row.items[i]!.rec, 'an earlier record with the same partition key could not be written');
    }
  }

  /** Everything not in flight, in input order; the rows keep only their records in flight. */
  private unqueue(): Pending[] {
    const taken: Pending[] = [];
    for (const row of this.rows.values()) {
      for (let i = row.busy ? row.head + 1 : row.head; i < row.items.length; i++) taken.push(row.items[i]!);
      if (row.busy) row.items.length = row.head + 1;
      else this.rows.delete(row.key);
    }
    this.ready.clear();
    this.delayed.clear();
    this.readyBytes = 0;
    this.waiting = 0;
    return taken.sort((a, b) => a.seq - b.seq);
  }

  private giveUp(rec: WriterRecord, reason: string): void {
    this.stats.gaveUp++;
    this.opts.onGiveUp!(rec, reason);
  }

  private put(req: PutRequest): Promise<void> {
    const stats = this.stats;
    const task = (async () => {
      stats.requests++;
      let failedAll: string | undefined;
      let records: { ShardId?: string; ErrorCode?: string }[] = [];
      try {
        const res = await this.kinesis.putRecords({ StreamName: this.opts.stream, Records: req.entries });
        records = res.Records ?? [];
      } catch (err) {
        // Nothing listening (ECONNREFUSED) is a configuration error, better reported at once.
        if (classifyError(err) === 'fatal' || isConnectionRefused(err)) {
          this.fatal ??= err;
          this.release(req.plain ?? req.aggregates!.flatMap((o) => o.users), this.opts.clock());
          return;
        }
        failedAll = (err as { name?: string }).name ?? 'Error';
      }
      const now = this.opts.clock();
      for (let i = 0; i < req.entries.length; i++) {
        const r = failedAll ? { ErrorCode: failedAll } : records[i];
        // Entry i is one user record, or an aggregate of several.
        const one = req.plain?.[i];
        const agg = req.aggregates?.[i];
        if (!r || r.ErrorCode || !r.ShardId) {
          if (r?.ErrorCode === 'ProvisionedThroughputExceededException') stats.throttled++;
          else stats.otherFailures++;
          const reason = r?.ErrorCode ?? 'no result';
          if (one) this.failedOnce(one, reason, now);
          else for (const u of agg!.users) this.failedOnce(u, reason, now);
          continue;
        }
        stats.records += one ? 1 : agg!.users.length;
        stats.kinesisRecords++;
        stats.bytes += one ? one.rec.data.length : agg!.dataBytes;
        stats.partitionKeyBytes += one ? one.size - one.rec.data.length : agg!.keyBytes;
        stats.perShard[r.ShardId] = (stats.perShard[r.ShardId] ?? 0) + (one ? 1 : agg!.users.length);
        if (agg?.predictedShard && agg.predictedShard !== r.ShardId) this.shardMapStale = true;
        if (one) this.written(one, now);
        else for (const u of agg!.users) this.written(u, now);
      }
    })();
    this.inFlight.add(task);
    void task.finally(() => {
      this.inFlight.delete(task);
      for (const wake of [...this.waiters]) wake();
    });
    return task;
  }

  /** An attempt of a record failed: it backs off and waits at the head of its row, or is given up. */
  private failedOnce(u: Pending, reason: string, now: number): void {
    u.attempts++;
    if (u.attempts >= this.maxAttempts && this.opts.onGiveUp) {
      this.abandon(u, reason);
      return;
    }
    if (u.attempts >= this.maxAttempts) this.fatal ??= new AwsCallError(`PutRecords: a record of ${u.key} still failed after ${u.attempts} attempts (${reason})`, 'the stream is throttling: lower --rps or add shards');
    u.notBeforeMs = now + backoffMs(u.attempts, Math.random());
    this.release([u], now);
  }
}

/** A PutRecords request's entries and, for each, the user records it carries. */
interface PutRequest {
  entries: PutRecordsRequestEntry[];
  /** Without aggregation: entry i is user record i. */
  plain?: Pending[];
  /** With it: entry i is aggregate i. */
  aggregates?: Outgoing[];
}

function plainEntry(p: Pending): PutRecordsRequestEntry {
  return p.rec.explicitHashKey === undefined ? { PartitionKey: p.rec.partitionKey, Data: p.rec.data } : { PartitionKey: p.rec.partitionKey, Data: p.rec.data, ExplicitHashKey: p.rec.explicitHashKey };
}
