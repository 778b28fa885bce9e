/**
 * The reading engine shared by tail, lag and produce: reads every shard of a stream, in order, across
 * resharding, with GetRecords polling or enhanced fan-out (SubscribeToShard), and hands decoded records
 * to one async consumer.
 *
 * - Shards come from ListShards (paginated); which ones are read and where each starts is src/core/lineage.ts.
 * - A child shard starts only after all its parents in the read set are read to their end (FACTS.md,
 *   "after resharding"); children reported in ChildShards are picked up without a restart.
 * - Polling: at most `concurrency` shards hold a GetRecords call (and its batch) at once, and no shard is
 *   called more than 5 times a second (API GetRecords: 5 calls/s per shard, shared by all consumers).
 * - Throttling (ProvisionedThroughputExceeded, LimitExceeded, KMSThrottling) and 5xx/network errors: the SDK
 *   retries first; what it gives up on is retried here with jittered exponential backoff. Every failed
 *   attempt of either is counted (a per-call middleware sees each attempt).
 * - ExpiredIteratorException: a new iterator AFTER_SEQUENCE_NUMBER of the last record read, so nothing is
 *   skipped or repeated; before any record, the original start position again.
 * - Backpressure: the consumer gets one batch at a time and the shard that produced it makes no further
 *   call until the consumer's promise resolves; memory holds at most one batch per busy shard.
 */
import { kinesisApi } from './api/kinesis.js';
import { isAscii } from 'node:buffer';
import {
  DeregisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
  type _Record,
  type ChildShard,
  type KinesisClient,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import type { CheckpointFile, CheckpointShard } from '../core/checkpoint.js';
import { decodeRecord, type RecordView } from '../core/decode.js';
import { SHARD_GETRECORDS_CALLS_PER_S, SUBSCRIBE_TO_SHARD_CALLS_PER_S } from '../core/limits.js';
import { LineageTracker, isClosed, planRead, selectShards, type ReadFrom, type StartPosition } from '../core/lineage.js';
import { AwsCallError, NotFoundError, UsageError } from '../errors.js';
import { ScratchBuffer } from '../io/scratch-buffer.js';
import { isAwsError } from './errors.js';
import { describeStream, listAllShards } from './shards.js';

/** GetRecords calls in flight at once (each holds at most one batch of ≤ 10 MiB). */
export const DEFAULT_READ_CONCURRENCY = 16;
/**
 * GetRecords `Limit`. 1,000 records at 5 calls/s reads 5,000 records/s per shard, 5 × the most a shard
 * accepts (1,000 records/s, API PutRecords), and for records of 420 bytes or more the shard's whole 2 MiB/s
 * read budget; smaller answers than the API's 10,000-record maximum keep each batch's memory (and GC work)
 * small: on 1 KiB records this cut tail's CPU by about a fifth (bench/tail-cpu.js).
 */
export const DEFAULT_RECORDS_PER_CALL = 1000;
/** Wait after a GetRecords that returned nothing: keeps an idle tail at 1 of the shard's 5 calls/s. */
export const DEFAULT_IDLE_POLL_MS = 1000;
const MIN_CALL_INTERVAL_MS = 1000 / SHARD_GETRECORDS_CALLS_PER_S;
const MIN_SUBSCRIBE_INTERVAL_MS = 1000 / SUBSCRIBE_TO_SHARD_CALLS_PER_S;
/** Kinesis records decoded and handed to the consumer at a time (see deliver()). */
const DELIVERY_CHUNK_RECORDS = 500;
const EMPTY = new Uint8Array(0);
const BACKOFF_BASE_MS = 200;
const BACKOFF_CAP_MS = 5000;
/** Consecutive 5xx/network failures on one shard before the read gives up (throttling is retried without limit). */
const MAX_CONSECUTIVE_ERRORS = 10;
/** A consumer takes seconds to become ACTIVE on AWS (RegisterStreamConsumer); give up after this. */
const CONSUMER_ACTIVE_TIMEOUT_MS = 120_000;

const THROTTLE_ERRORS = ['ProvisionedThroughputExceededException', 'LimitExceededException', 'KMSThrottlingException'];
/** Event-stream errors that re-subscribing cannot fix (API SubscribeToShard). */
const EFO_FATAL_ERRORS = ['ResourceNotFoundException', 'AccessDeniedException', 'KMSAccessDeniedException', 'KMSDisabledException', 'KMSInvalidStateException', 'KMSNotFoundException', 'KMSOptInRequired', 'InvalidArgumentException'];
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH']);

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
  /** Let the SDK deserialize GetRecords records too (see fastRecords; for comparison and as a way out). */
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

type ShardOutcome = { kind: 'finished'; children?: ChildShard[] } | { kind: 'stopped' };

/** Where one shard's reading stands. */
interface ShardCursor {
  shardId: string;
  start: StartPosition;
  /** Sequence number of the last Kinesis record handed on (or filtered); renewals continue after it. */
  lastSequenceNumber?: string;
  /** EFO: ContinuationSequenceNumber of the last event handled; a new subscription continues after it. */
  continuationSequenceNumber?: string;
  /** When start is LATEST: the moment its iterator was taken, for a renewal before any record arrived. */
  latestTakenAt?: Date;
  /** Leaving: past --until, or --max reached. */
  ended: boolean;
}

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
  private endReason: EndReason = 'end';
  private remaining: number;
  private delivery: Promise<unknown> = Promise.resolve();
  private shardList = new Map<string, Shard>();
  private tracker?: LineageTracker;
  private consume: (batch: RecordBatch) => void | Promise<void> = () => undefined;
  private slots: Semaphore;
  private efoConsumerArn?: string;

  constructor(
    private readonly client: KinesisClient,
    private readonly opts: StreamReaderOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.remaining = opts.max ?? Infinity;
    this.slots = new Semaphore(opts.concurrency ?? DEFAULT_READ_CONCURRENCY);
    if (opts.from.kind === 'checkpoint') for (const [id, s] of Object.entries(opts.from.checkpoint.shards)) this.positions.set(id, { ...s });
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
    let registered = false;
    try {
      const { shards } = await listAllShards(kinesisApi(this.client), this.opts.stream);
      this.shardList = new Map(shards.map((s) => [s.ShardId!, s]));
      const selected = this.opts.shards?.length ? selectShards(shards, this.opts.shards, this.opts.stream) : [];
      const plan = planRead(shards, this.opts.from, selected);
      for (const w of plan.warnings) this.opts.log?.warn(w);
      this.tracker = new LineageTracker(shards, plan);
      if (this.opts.efo) {
        const consumer = await this.ensureConsumer(this.opts.efo.consumerName);
        this.efoConsumerArn = consumer.arn;
        registered = consumer.registered;
      }
      await this.readAll();
      return this.endReason;
    } finally {
      userSignal?.removeEventListener('abort', onUserAbort);
      if (registered && this.opts.efo && !this.opts.efo.keepConsumer) await this.deregister(this.opts.efo.consumerName);
    }
  }

  /** Starts every shard that may start, and each child as soon as its parents are done; resolves when nothing is left. */
  private readAll(): Promise<void> {
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
            const read = this.opts.efo ? this.subscribeShard(cursor) : this.pollShard(cursor);
            read.then(
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

  // ---------------------------------------------------------------- polling (GetRecords)

  private async pollShard(cursor: ShardCursor): Promise<ShardOutcome> {
    const signal = this.abort.signal;
    let iterator: string | undefined;
    let nextCallAt = 0;
    let failures = 0;
    while (!signal.aborted) {
      await sleep(nextCallAt - this.now(), signal);
      await this.slots.acquire();
      try {
        if (signal.aborted) break;
        const calledAt = this.now();
        nextCallAt = calledAt + MIN_CALL_INTERVAL_MS;
        let res;
        try {
          iterator ??= await this.shardIterator(cursor);
          this.stats.getRecordsCalls++;
          const command = countAttempts(new GetRecordsCommand({ ShardIterator: iterator, Limit: this.opts.recordsPerCall ?? DEFAULT_RECORDS_PER_CALL }), this.stats);
          const fast = this.opts.sdkDeserializer ? undefined : fastRecords(command);
          res = await this.client.send(command, { abortSignal: signal });
          if (fast?.records) res.Records = fast.records;
          failures = 0;
        } catch (err) {
          if (signal.aborted) break;
          if (isAwsError(err, 'ExpiredIteratorException')) {
            // Iterators live 5 minutes (API GetShardIterator); a fresh one continues after the last record read.
            iterator = undefined;
            this.stats.iteratorsRenewed++;
            continue;
          }
          const kind = classify(err);
          if (kind === 'fatal' || (kind !== 'throttle' && ++failures > MAX_CONSECUTIVE_ERRORS)) throw shardError(err, cursor);
          if (kind === 'throttle') failures++;
          nextCallAt = this.now() + backoffMs(failures);
          continue;
        }
        const records = res.Records ?? [];
        const millisBehindLatest = res.MillisBehindLatest;
        await this.deliver(cursor, records, millisBehindLatest);
        if (cursor.ended || signal.aborted) return { kind: 'stopped' };
        iterator = res.NextShardIterator ?? undefined;
        if (!iterator) return { kind: 'finished', children: res.ChildShards };
        if (records.length === 0) {
          if (this.caughtUp(millisBehindLatest)) return { kind: 'stopped' };
          nextCallAt = calledAt + Math.max(MIN_CALL_INTERVAL_MS, this.opts.idlePollMs ?? DEFAULT_IDLE_POLL_MS);
        }
      } finally {
        this.slots.release();
      }
    }
    return { kind: 'stopped' };
  }

  /** GetShardIterator for where the shard's reading stands, retried on throttling. */
  private async shardIterator(cursor: ShardCursor): Promise<string> {
    const position = this.resumePosition(cursor);
    if (position.type === 'LATEST') cursor.latestTakenAt = new Date(this.now());
    let failures = 0;
    for (;;) {
      try {
        const res = await this.client.send(
          countAttempts(
            new GetShardIteratorCommand({
              StreamName: this.opts.stream,
              ShardId: cursor.shardId,
              ShardIteratorType: position.type as ShardIteratorType,
              ...('sequenceNumber' in position ? { StartingSequenceNumber: position.sequenceNumber } : {}),
              ...(position.type === 'AT_TIMESTAMP' ? { Timestamp: position.timestamp } : {}),
            }),
            this.stats,
          ),
          { abortSignal: this.abort.signal },
        );
        return res.ShardIterator!;
      } catch (err) {
        if (this.abort.signal.aborted) throw err;
        const kind = classify(err);
        if (kind === 'fatal' || (kind !== 'throttle' && failures >= MAX_CONSECUTIVE_ERRORS)) throw positionError(err, cursor, position, this.opts.from);
        failures++;
        await sleep(backoffMs(failures), this.abort.signal);
      }
    }
  }

  /** After the last record handed on; before any, the start position (a LATEST start becomes the time it was taken). */
  private resumePosition(cursor: ShardCursor): StartPosition {
    // ContinuationSequenceNumber captures progress even through stretches without records (API SubscribeToShardEvent).
    if (cursor.continuationSequenceNumber) return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: cursor.continuationSequenceNumber };
    if (cursor.lastSequenceNumber) return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: cursor.lastSequenceNumber };
    if (cursor.start.type === 'LATEST' && cursor.latestTakenAt) return { type: 'AT_TIMESTAMP', timestamp: cursor.latestTakenAt };
    return cursor.start;
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
        // A GetRecords answer holds up to 10,000 records; handing them on in chunks lets each chunk's
        // decoded views and output text die young (cheap scavenges instead of old-space GC).
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

  // ---------------------------------------------------------------- enhanced fan-out (SubscribeToShard)

  /** Reuses the named consumer or registers it, and waits until it is ACTIVE. */
  private async ensureConsumer(name: string): Promise<{ arn: string; registered: boolean }> {
    const streamArn = (await describeStream(kinesisApi(this.client), this.opts.stream)).StreamARN!;
    let registered = false;
    let status: string | undefined;
    let arn: string | undefined;
    try {
      const d = await this.client.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name }));
      arn = d.ConsumerDescription?.ConsumerARN;
      status = d.ConsumerDescription?.ConsumerStatus;
      this.opts.log?.info(`using the existing enhanced fan-out consumer '${name}'`);
    } catch (err) {
      if (!isAwsError(err, 'ResourceNotFoundException')) throw err;
      const r = await this.client.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name }));
      arn = r.Consumer?.ConsumerARN;
      status = r.Consumer?.ConsumerStatus;
      registered = true;
      this.opts.log?.info(`registered the enhanced fan-out consumer '${name}'${this.opts.efo?.keepConsumer ? '' : ' (deregistered when the tail ends)'}`);
    }
    if (status === 'DELETING') throw new AwsCallError(`enhanced fan-out consumer '${name}' is being deleted`, 'wait for it to go, or pass another --efo name');
    const deadline = this.now() + CONSUMER_ACTIVE_TIMEOUT_MS;
    for (let delay = 250; status !== 'ACTIVE'; delay = Math.min(delay * 2, 2000)) {
      if (this.now() > deadline) throw new AwsCallError(`enhanced fan-out consumer '${name}' not ACTIVE after ${CONSUMER_ACTIVE_TIMEOUT_MS / 1000} s`);
      await sleep(delay, this.abort.signal);
      if (this.abort.signal.aborted) break;
      const d = await this.client.send(new DescribeStreamConsumerCommand({ ConsumerARN: arn }));
      status = d.ConsumerDescription?.ConsumerStatus;
    }
    return { arn: arn!, registered };
  }

  private async deregister(name: string): Promise<void> {
    try {
      await this.client.send(new DeregisterStreamConsumerCommand({ ConsumerARN: this.efoConsumerArn }));
      this.opts.log?.debug(`deregistered the enhanced fan-out consumer '${name}'`);
    } catch (err) {
      this.opts.log?.warn(`could not deregister the enhanced fan-out consumer '${name}': ${(err as Error).message}`);
    }
  }

  /**
   * One subscription at a time per shard; each lasts up to 5 minutes (API SubscribeToShard), then this
   * re-subscribes after the last record handed on. The shard's end is an event with ChildShards and no
   * ContinuationSequenceNumber; kinesis-local never sends one, so a shard ListShards reported closed also
   * ends at its first empty event at the tip (it can receive nothing more).
   */
  private async subscribeShard(cursor: ShardCursor): Promise<ShardOutcome> {
    const signal = this.abort.signal;
    const closedAtStart = this.shardList.has(cursor.shardId) && isClosed(this.shardList.get(cursor.shardId)!);
    let failures = 0;
    let nextSubscribeAt = 0;
    while (!signal.aborted) {
      await sleep(nextSubscribeAt - this.now(), signal);
      if (signal.aborted) break;
      nextSubscribeAt = this.now() + MIN_SUBSCRIBE_INTERVAL_MS;
      const position = this.resumePosition(cursor);
      if (position.type === 'LATEST') cursor.latestTakenAt = new Date(this.now());
      let subscribed = false;
      try {
        const res = await this.client.send(
          countAttempts(
            new SubscribeToShardCommand({
              ConsumerARN: this.efoConsumerArn,
              ShardId: cursor.shardId,
              StartingPosition: {
                Type: position.type,
                ...('sequenceNumber' in position ? { SequenceNumber: position.sequenceNumber } : {}),
                ...(position.type === 'AT_TIMESTAMP' ? { Timestamp: position.timestamp } : {}),
              },
            }),
            this.stats,
          ),
          { abortSignal: signal },
        );
        subscribed = true;
        this.stats.subscriptions++;
        for await (const event of res.EventStream ?? []) {
          const e = event.SubscribeToShardEvent;
          if (!e) continue;
          failures = 0;
          const records = e.Records ?? [];
          await this.deliver(cursor, records, e.MillisBehindLatest);
          if (cursor.ended || signal.aborted) return { kind: 'stopped' };
          if (e.ChildShards?.length && !e.ContinuationSequenceNumber) return { kind: 'finished', children: e.ChildShards };
          if (e.ContinuationSequenceNumber) cursor.continuationSequenceNumber = e.ContinuationSequenceNumber;
          if (records.length === 0 && (e.MillisBehindLatest ?? 0) === 0 && closedAtStart) return { kind: 'finished' };
          if (records.length === 0 && this.caughtUp(e.MillisBehindLatest)) return { kind: 'stopped' };
        }
        // The subscription ended (AWS ends each after 5 minutes): subscribe again from where the reading stands.
      } catch (err) {
        if (signal.aborted) break;
        // A subscription that breaks mid-stream (connection cut, an InternalFailure event) is re-made;
        // a refused subscribe (ResourceInUse: the previous one is still closing) waits like a throttle.
        let kind = isAwsError(err, 'ResourceInUseException') ? 'throttle' : classify(err);
        if (subscribed && kind === 'fatal' && !isAwsError(err, ...EFO_FATAL_ERRORS)) kind = 'network';
        if (subscribed && kind !== 'throttle') this.stats.errorsRetried++;
        if (kind === 'fatal' || (kind !== 'throttle' && failures >= MAX_CONSECUTIVE_ERRORS)) throw positionError(err, cursor, position, this.opts.from);
        failures++;
        nextSubscribeAt = Math.max(nextSubscribeAt, this.now() + backoffMs(failures));
      }
    }
    return { kind: 'stopped' };
  }
}

// ---------------------------------------------------------------- helpers

type ErrorKind = 'throttle' | 'server' | 'network' | 'fatal';

function classify(err: unknown): ErrorKind {
  const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown } | undefined;
  if (!e || typeof e !== 'object') return 'fatal';
  if (THROTTLE_ERRORS.includes(e.name ?? '')) return 'throttle';
  const status = e.$metadata?.httpStatusCode;
  if ((status !== undefined && status >= 500) || e.name === 'InternalFailure' || e.name === 'InternalFailureException' || e.name === 'ServiceUnavailable') return 'server';
  if (NETWORK_CODES.has(e.code ?? '') || NETWORK_CODES.has(e.name ?? '') || e.name === 'TimeoutError' || e.name === 'RequestTimeout') return 'network';
  return 'fatal';
}

/**
 * Counts each failed attempt of this call, the SDK's own retries included: the middleware sits inside
 * the SDK's retry loop (finalizeRequest, after retryMiddleware), so it sees every attempt.
 */
function countAttempts<C extends { middlewareStack: { add: (mw: never, opts: never) => void } }>(command: C, stats: ReaderStats): C {
  const mw = (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
    try {
      return await next(args);
    } catch (err) {
      const kind = classify(err);
      if (kind === 'throttle') stats.throttlesRetried++;
      else if (kind === 'server' || kind === 'network') stats.errorsRetried++;
      throw err;
    }
  };
  command.middlewareStack.add(mw as never, { step: 'finalizeRequest', priority: 'low', name: 'cdcpipeAttemptCounter' } as never);
  return command;
}

/**
 * Reads the records of a successful GetRecords answer straight from its JSON (API GetRecords, awsJson1_1:
 * Data base64, ApproximateArrivalTimestamp epoch seconds) and hands the SDK's deserializer the answer without
 * them. The SDK's schema-driven deserializer, with its per-record base64 validation regex, cost more CPU than
 * decoding and printing the records (bench/tail-cpu.js); Buffer.from(base64) is native. Errors and anything
 * that is not a 200 JSON answer go through the SDK untouched, so retries, error types and $metadata are the
 * SDK's own. The middleware sits inside the SDK's deserializer (step deserialize, priority low), so it runs
 * once per attempt and the last attempt's records win.
 */
function fastRecords(command: GetRecordsCommand): { records?: PolledRecord[] } {
  const holder: { records?: PolledRecord[] } = {};
  type RawResponse = { statusCode?: number; headers?: Record<string, string | undefined>; body?: unknown };
  const mw = (next: (args: unknown) => Promise<{ response: RawResponse }>) => async (args: unknown) => {
    const result = await next(args);
    const response = result.response;
    const type = response.headers?.['content-type'] ?? response.headers?.['Content-Type'] ?? '';
    if (response.statusCode !== 200 || !/json/i.test(type) || !isAsyncIterable(response.body)) return result;
    const chunks: Uint8Array[] = [];
    for await (const chunk of response.body) chunks.push(chunk);
    // The body is needed only until it is a string: it is joined in the shared scratch (no await from here on).
    const body = bodyScratch.join(chunks);
    let doc: { Records?: WireRecord[] } & Record<string, unknown>;
    try {
      // An all-ASCII body (the usual: base64 data, ASCII keys) is read as latin1, a plain copy; utf8 decoding checks every byte.
      doc = JSON.parse(isAscii(body) ? body.toString('latin1') : body.toString('utf8')) as typeof doc;
    } catch {
      response.body = Buffer.from(body);
      return result;
    }
    if (Array.isArray(doc.Records)) {
      const wire = doc.Records;
      const records: PolledRecord[] = new Array(wire.length);
      for (let i = 0; i < wire.length; i++) {
        const r = wire[i]!;
        records[i] = {
          SequenceNumber: r.SequenceNumber,
          ApproximateArrivalTimestamp: typeof r.ApproximateArrivalTimestamp === 'number' ? new Date(Math.round(r.ApproximateArrivalTimestamp * 1000)) : undefined,
          // Decoded when the record is (deliver), into a scratch: not a Buffer per record.
          Data: undefined,
          dataBase64: r.Data ?? '',
          PartitionKey: r.PartitionKey,
          ...(r.EncryptionType ? { EncryptionType: r.EncryptionType as _Record['EncryptionType'] } : {}),
        };
      }
      holder.records = records;
      doc.Records = [];
      response.body = Buffer.from(JSON.stringify(doc));
    } else response.body = Buffer.from(body);
    return result;
  };
  command.middlewareStack.add(mw as never, { step: 'deserialize', priority: 'low', name: 'cdcpipeFastRecords' } as never);
  return holder;
}

/** A record read by fastRecords: its data still base64, as the answer carried it. */
type PolledRecord = _Record & { dataBase64?: string };

/**
 * Scratch memory for GetRecords bodies and for each record's bytes while it is decoded (decodeRecord keeps
 * no reference to them): see src/io/scratch-buffer.ts for why not a Buffer each.
 */
const bodyScratch = new ScratchBuffer();
const dataScratch = new ScratchBuffer();

/** The record's bytes, valid until the next call (dataScratch). */
function recordBytes(rec: PolledRecord): Uint8Array {
  if (rec.Data) return rec.Data;
  return rec.dataBase64 === undefined ? EMPTY : dataScratch.fromBase64(rec.dataBase64);
}

interface WireRecord {
  SequenceNumber?: string;
  ApproximateArrivalTimestamp?: number;
  Data?: string;
  PartitionKey?: string;
  EncryptionType?: string;
}

function isAsyncIterable(v: unknown): v is AsyncIterable<Uint8Array> {
  return typeof v === 'object' && v !== null && Symbol.asyncIterator in v;
}

/** Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"), never below the per-shard call spacing. */
function backoffMs(failures: number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** failures);
  return Math.max(MIN_CALL_INTERVAL_MS, Math.random() * ceiling);
}

function shardError(err: unknown, cursor: ShardCursor): unknown {
  if (isAwsError(err, 'ResourceNotFoundException')) return new NotFoundError(`shard ${cursor.shardId}: ${(err as Error).message}`, 'the stream or shard is gone (deleted, or expired past retention)');
  return err;
}

/** A start position the stream refuses is the user's --from value when it came from the command line. */
function positionError(err: unknown, cursor: ShardCursor, position: StartPosition, from: ReadFrom): unknown {
  if (isAwsError(err, 'InvalidArgumentException', 'ResourceNotFoundException') && !cursor.lastSequenceNumber) {
    if (from.kind === 'sequence' && position.type === 'AT_SEQUENCE_NUMBER') {
      return new UsageError(`--from seq:${position.sequenceNumber}: shard ${cursor.shardId} does not hold that sequence number (${(err as Error).message})`, 'check the --shard that goes with it');
    }
    if (from.kind === 'checkpoint' && 'sequenceNumber' in position) {
      return new UsageError(`--from checkpoint: shard ${cursor.shardId} refuses sequence number ${position.sequenceNumber} (${(err as Error).message})`, 'the checkpoint may belong to another stream, or its records expired');
    }
  }
  return shardError(err, cursor);
}

export function describePosition(p: StartPosition): string {
  switch (p.type) {
    case 'AT_TIMESTAMP':
      return `AT_TIMESTAMP ${p.timestamp.toISOString()}`;
    case 'AT_SEQUENCE_NUMBER':
    case 'AFTER_SEQUENCE_NUMBER':
      return `${p.type} ${p.sequenceNumber}`;
    default:
      return p.type;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** FIFO counting semaphore: every waiting shard gets its turn. */
class Semaphore {
  private readonly waiters: (() => void)[] = [];
  constructor(private free: number) {}
  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free++;
  }
}
