/**
 * The reading engine of tail: reads every shard of a stream, in order, across resharding, with GetRecords
 * polling (stream-reader-polling.ts) or enhanced fan-out (stream-reader-efo.ts), and hands decoded records
 * to one async consumer.
 *
 * - Shards come from ListShards (paginated); which ones are read and where each starts is src/core/lineage.ts.
 * - A child shard starts only after all its parents in the read set are read to their end (Kinesis Data
 *   Streams Developer Guide, After Resharding); children reported in ChildShards are picked up without a restart.
 * - Throttling (ProvisionedThroughputExceeded, LimitExceeded, KMSThrottling) and 5xx/network errors: the SDK
 *   retries first; what it gives up on is retried here with jittered exponential backoff. Every failed
 *   attempt of either is counted (a per-call middleware sees each attempt).
 * - ExpiredIteratorException: a new iterator AFTER_SEQUENCE_NUMBER of the last record read, so nothing is
 *   skipped or repeated; before any record, the original start position again.
 * - Backpressure: the consumer gets one batch at a time and the shard that produced it makes no further
 *   call until the consumer's promise resolves; memory holds at most one batch per busy shard.
 */
import { setMaxListeners } from 'node:events';
import type { KinesisClient, Shard } from '@aws-sdk/client-kinesis';
import type { CheckpointFile, CheckpointShard } from '../core/checkpoint.js';
import { decodeRecord, type RecordView } from '../core/decode.js';
import { LineageTracker, isClosed, planRead, selectShards, type ReadFrom } from '../core/lineage.js';
import { kinesisApi, type KinesisApi } from './api/kinesis.js';
import { recordBytes, type PolledRecord } from './fast-get-records.js';
import { listAllShards } from './shards.js';
import { deregisterConsumer, EfoReader, ensureConsumer, type EfoConsumer } from './stream-reader-efo.js';
import { PollingReader } from './stream-reader-polling.js';
import { describePosition, type ShardCursor, type ShardReadContext, type ShardSource } from './stream-reader-shard.js';

/** GetRecords calls in flight at once (each holds at most one batch of ≤ 10 MiB). */
export const DEFAULT_READ_CONCURRENCY = 16;
/**
 * GetRecords `Limit`. 1,000 records at 5 calls/s reads 5,000 records/s per shard, 5 × the most a shard
 * accepts (1,000 records/s, Kinesis API Reference, PutRecords), and for records of 420 bytes or more the
 * shard's whole 2 MiB/s read budget; below the API's 10,000-record maximum to keep each batch's memory
 * (and GC work) small (docs/performance.md, "Tail CPU").
 */
export const DEFAULT_RECORDS_PER_CALL = 1000;
/** Wait after a GetRecords that returned nothing: keeps an idle tail at 1 of the shard's 5 calls/s. */
export const DEFAULT_IDLE_POLL_MS = 1000;
/** Kinesis records decoded and handed to the consumer at a time (see deliver()). */
const DELIVERY_CHUNK_RECORDS = 500;

export interface StreamReaderOptions {
  stream: string;
  from: ReadFrom;
  /** --shard values (full ids or numbers); empty = every shard. */
  shards?: string[];
  /** Stop once every shard in the read set, children included, is read to its current end. */
  untilEnd?: boolean;
  /** Stop after this many records passed the filter. */
  max?: number;
  /** Stop each shard at its first record that arrived after this time (and idle shards once the clock passes it). */
  until?: Date;
  /** Records that fail it are read (and checkpointed) but not handed to the consumer, nor counted for `max`. */
  filter?: (view: RecordView) => boolean;
  signal?: AbortSignal;
  concurrency?: number;
  idlePollMs?: number;
  /** Let the SDK deserialize GetRecords records too (see fast-get-records.ts; for comparison and as a way out). */
  sdkDeserializer?: boolean;
  /** GetRecords `Limit` (1..10,000; default DEFAULT_RECORDS_PER_CALL). */
  recordsPerCall?: number;
  efo?: { consumerName: string; keepConsumer?: boolean };
  log?: { info(text: string): void; warn(text: string): void; debug(text: string): void };
  /** The clock (tests). */
  now?: () => number;
}

export interface RecordBatch {
  shardId: string;
  views: RecordView[];
  millisBehindLatest?: number;
}

export interface ReaderStats {
  /** Records handed to the consumer, per shard. */
  recordsPerShard: Map<string, number>;
  records: number;
  /** Kinesis records read (a KPL aggregate is one). */
  kinesisRecords: number;
  /** Decoded views with `error` (including those the filter dropped). */
  undecodable: number;
  /** Attempts that failed with ProvisionedThroughputExceeded / LimitExceeded / KMSThrottling and were retried. */
  throttlesRetried: number;
  /** Attempts that failed with a 5xx or a network error and were retried. */
  errorsRetried: number;
  iteratorsRenewed: number;
  getRecordsCalls: number;
  subscriptions: number;
}

export type EndReason = 'end' | 'max' | 'until' | 'aborted';

export class StreamReader {
  readonly stats: ReaderStats = {
    recordsPerShard: new Map(),
    records: 0,
    kinesisRecords: 0,
    undecodable: 0,
    throttlesRetried: 0,
    errorsRetried: 0,
    iteratorsRenewed: 0,
    getRecordsCalls: 0,
    subscriptions: 0,
  };
  private readonly positions = new Map<string, CheckpointShard>();
  private readonly abort = new AbortController();
  private readonly now: () => number;
  private readonly kinesis: KinesisApi;
  private readonly context: ShardReadContext;
  private endReason: EndReason = 'end';
  private remaining: number;
  private delivery: Promise<unknown> = Promise.resolve();
  private shardList = new Map<string, Shard>();
  private tracker?: LineageTracker;
  private consume: (batch: RecordBatch) => void | Promise<void> = () => undefined;

  constructor(
    client: KinesisClient,
    private readonly opts: StreamReaderOptions,
  ) {
    // Every call in flight (one per shard, up to the reader's concurrency) listens on this one signal.
    setMaxListeners(0, this.abort.signal);
    this.now = opts.now ?? Date.now;
    this.remaining = opts.max ?? Infinity;
    this.kinesis = kinesisApi(client);
    if (opts.from.kind === 'checkpoint') for (const [id, s] of Object.entries(opts.from.checkpoint.shards)) this.positions.set(id, { ...s });
    this.context = {
      client,
      stream: opts.stream,
      from: opts.from,
      stats: this.stats,
      signal: this.abort.signal,
      now: this.now,
      deliver: (cursor, records, millisBehindLatest) => this.deliver(cursor, records, millisBehindLatest),
      caughtUp: (millisBehindLatest) => this.caughtUp(millisBehindLatest),
    };
  }

  /** Stops reading (Ctrl-C, a closed pipe); run() then resolves with 'aborted'. */
  stop(): void {
    if (!this.abort.signal.aborted) {
      if (this.endReason === 'end') this.endReason = 'aborted';
      this.abort.abort();
    }
  }

  /** Where the consumer stands on every shard: the checkpoint to write. */
  checkpoint(now: Date): CheckpointFile {
    return { schemaVersion: 1, stream: this.opts.stream, updatedAt: now.toISOString(), shards: Object.fromEntries(this.positions) };
  }

  /** Reads until the end asked for (untilEnd, max, until) or stop(); resolves with why it ended. */
  async run(consume: (batch: RecordBatch) => void | Promise<void>): Promise<EndReason> {
    this.consume = consume;
    const userSignal = this.opts.signal;
    const onUserAbort = () => this.stop();
    if (userSignal?.aborted) return 'aborted';
    userSignal?.addEventListener('abort', onUserAbort, { once: true });
    let consumer: EfoConsumer | undefined;
    try {
      const { shards } = await listAllShards(this.kinesis, this.opts.stream);
      this.shardList = new Map(shards.map((s) => [s.ShardId!, s]));
      const selected = this.opts.shards?.length ? selectShards(shards, this.opts.shards, this.opts.stream) : [];
      const plan = planRead(shards, this.opts.from, selected);
      for (const w of plan.warnings) this.opts.log?.warn(w);
      this.tracker = new LineageTracker(shards, plan);
      let source: ShardSource;
      if (this.opts.efo) {
        consumer = await ensureConsumer(this.kinesis, this.context, this.opts.efo.consumerName, { keepConsumer: this.opts.efo.keepConsumer, log: this.opts.log });
        const shardList = this.shardList;
        source = new EfoReader(this.context, consumer.arn, (id) => shardList.has(id) && isClosed(shardList.get(id)!));
      } else {
        source = new PollingReader(this.context, {
          concurrency: this.opts.concurrency ?? DEFAULT_READ_CONCURRENCY,
          recordsPerCall: this.opts.recordsPerCall ?? DEFAULT_RECORDS_PER_CALL,
          idlePollMs: this.opts.idlePollMs ?? DEFAULT_IDLE_POLL_MS,
          sdkDeserializer: Boolean(this.opts.sdkDeserializer),
        });
      }
      await this.readAll(source);
      return this.endReason;
    } finally {
      userSignal?.removeEventListener('abort', onUserAbort);
      if (consumer?.registered && !this.opts.efo?.keepConsumer) await deregisterConsumer(this.kinesis, consumer, this.opts.log);
    }
  }

  /** Starts every shard that may start, and each child as soon as its parents are done; resolves when nothing is left. */
  private readAll(source: ShardSource): Promise<void> {
    const tracker = this.tracker!;
    return new Promise<void>((resolve, reject) => {
      let running = 0;
      let failed = false;
      const launch = () => {
        if (!this.abort.signal.aborted) {
          for (const { shardId, start } of tracker.takeReady()) {
            running++;
            this.opts.log?.debug(`${shardId}: reading from ${describePosition(start)}`);
            const cursor: ShardCursor = { shardId, start, ended: false };
            source.read(cursor).then(
              (outcome) => {
                running--;
                if (outcome.kind === 'finished') {
                  this.markClosed(shardId);
                  tracker.finish(shardId, outcome.children);
                  this.opts.log?.debug(`${shardId}: read to its end${outcome.children?.length ? `; children ${outcome.children.map((c) => c.ShardId).join(', ')}` : ''}`);
                } else tracker.stop(shardId);
                launch();
              },
              (err: unknown) => {
                running--;
                tracker.stop(shardId);
                if (!failed) {
                  failed = true;
                  this.abort.abort();
                  reject(err);
                }
              },
            );
          }
        }
        if (running === 0 && !failed) resolve();
      };
      launch();
    });
  }

  /** With --until-end, an empty answer at the tip (MillisBehindLatest 0) means the shard is read to its current end. */
  private caughtUp(millisBehindLatest: number | undefined): boolean {
    const atTip = (millisBehindLatest ?? 0) === 0;
    if (!atTip) return false;
    if (this.opts.untilEnd) return true;
    return this.opts.until !== undefined && this.now() >= this.opts.until.getTime();
  }

  // ---------------------------------------------------------------- delivery

  /**
   * Decodes, filters and hands one shard's records to the consumer, one batch at a time across shards
   * (so `max` is exact and the consumer never runs twice at once), then records the shard's position.
   */
  private deliver(cursor: ShardCursor, records: PolledRecord[], millisBehindLatest: number | undefined): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const run = async () => {
      const filter = this.opts.filter;
      const until = this.opts.until?.getTime();
      const start = cursor.start;
      // Resuming inside a KPL aggregate: its user records up to the checkpointed one were handed on already.
      const skipThrough = start.type === 'AT_SEQUENCE_NUMBER' && !cursor.lastSequenceNumber ? start.skipThroughSubSequenceNumber : undefined;
      const skipSeq = skipThrough !== undefined && start.type === 'AT_SEQUENCE_NUMBER' ? start.sequenceNumber : undefined;
      let i = 0;
      while (i < records.length && !cursor.ended) {
        // Stopped (Ctrl-C, --max reached elsewhere, a failed shard): records not yet handed on stay unread.
        if (this.abort.signal.aborted) return;
        // Chunks, not a whole answer of up to 10,000 records: each chunk's views and lines die young (docs/performance.md).
        const chunkEnd = Math.min(records.length, i + DELIVERY_CHUNK_RECORDS);
        const views: RecordView[] = [];
        let last = -1;
        let lastSubSequenceNumber: number | undefined;
        records: for (; i < chunkEnd; i++) {
          const rec = records[i]!;
          const arrival = rec.ApproximateArrivalTimestamp;
          if (until !== undefined && arrival && arrival.getTime() > until) {
            cursor.ended = true;
            if (this.endReason === 'end') this.endReason = 'until';
            break;
          }
          const sequenceNumber = rec.SequenceNumber!;
          const decoded = decodeRecord(recordBytes(rec), { shardId: cursor.shardId, sequenceNumber, partitionKey: rec.PartitionKey ?? '', arrivalTime: arrival });
          this.stats.kinesisRecords++;
          last = i;
          for (let v = 0; v < decoded.length; v++) {
            const view = decoded[v]!;
            if (skipSeq === sequenceNumber && (view.subSequenceNumber ?? 0) <= skipThrough!) continue;
            if (view.error) this.stats.undecodable++;
            if (filter && !filter(view)) continue;
            views.push(view);
            if (--this.remaining <= 0) {
              // Stop right after this user record; inside an aggregate, remember which one.
              if (v < decoded.length - 1) lastSubSequenceNumber = view.subSequenceNumber;
              cursor.ended = true;
              this.endReason = 'max';
              break records;
            }
          }
        }
        if (views.length > 0) {
          await this.consume({ shardId: cursor.shardId, views, millisBehindLatest });
          this.stats.records += views.length;
          this.stats.recordsPerShard.set(cursor.shardId, (this.stats.recordsPerShard.get(cursor.shardId) ?? 0) + views.length);
        }
        if (last >= 0) {
          const rec = records[last]!;
          const arrivalTime = rec.ApproximateArrivalTimestamp?.toISOString();
          cursor.lastSequenceNumber = rec.SequenceNumber!;
          this.positions.set(cursor.shardId, {
            sequenceNumber: rec.SequenceNumber!,
            ...(lastSubSequenceNumber !== undefined ? { subSequenceNumber: lastSubSequenceNumber } : {}),
            ...(arrivalTime ? { arrivalTime } : {}),
          });
        }
      }
      if (this.endReason === 'max') this.abort.abort();
    };
    const p = this.delivery.then(run);
    this.delivery = p.catch(() => undefined);
    return p;
  }

  private markClosed(shardId: string): void {
    const pos = this.positions.get(shardId);
    const shard = this.shardList.get(shardId);
    const sequenceNumber = pos?.sequenceNumber ?? shard?.SequenceNumberRange?.EndingSequenceNumber ?? shard?.SequenceNumberRange?.StartingSequenceNumber ?? '0';
    this.positions.set(shardId, { ...pos, sequenceNumber, closed: true });
    delete this.positions.get(shardId)!.subSequenceNumber;
  }
}
