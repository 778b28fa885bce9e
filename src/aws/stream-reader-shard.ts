/**
 * What the two ways of reading one shard (polling: stream-reader-polling.ts, enhanced fan-out:
 * stream-reader-efo.ts) share: where the shard's reading stands, what they ask of the StreamReader, the
 * per-attempt counting of retried errors, the back-off, and the errors they end with.
 */
import type { ChildShard, KinesisClient } from '@aws-sdk/client-kinesis';
import { SHARD_GETRECORDS_CALLS_PER_S } from '../core/limits.js';
import type { ReadFrom, StartPosition } from '../core/lineage.js';
import { backoffMs } from '../core/rate.js';
import { NotFoundError, UsageError } from '../errors.js';
import { isAwsError } from './errors.js';
import type { PolledRecord } from './fast-get-records.js';
import { classifyError } from './retry.js';
import type { ReaderStats } from './stream-reader.js';

/** No shard is called more than 5 times a second (Kinesis API Reference, GetRecords: 5 calls/s per shard). */
export const MIN_CALL_INTERVAL_MS = 1000 / SHARD_GETRECORDS_CALLS_PER_S;
/** Consecutive 5xx/network failures on one shard before the read gives up (throttling is retried without limit). */
export const MAX_CONSECUTIVE_ERRORS = 10;
const BACKOFF_BASE_MS = 200;
const BACKOFF_CAP_MS = 5000;

export type ShardOutcome = { kind: 'finished'; children?: ChildShard[] } | { kind: 'stopped' };

/** Where one shard's reading stands. */
export interface ShardCursor {
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

/** What a shard's reading needs from the StreamReader. */
export interface ShardReadContext {
  readonly client: KinesisClient;
  readonly stream: string;
  readonly from: ReadFrom;
  readonly stats: ReaderStats;
  readonly signal: AbortSignal;
  now(): number;
  /** Decodes, filters and hands on one shard's records, then records the shard's position. */
  deliver(cursor: ShardCursor, records: PolledRecord[], millisBehindLatest: number | undefined): Promise<void>;
  /** An empty answer at the tip ends the shard's reading (--until-end, or --until passed). */
  caughtUp(millisBehindLatest: number | undefined): boolean;
}

/** One way of reading a shard from its cursor until its end or a stop. */
export interface ShardSource {
  read(cursor: ShardCursor): Promise<ShardOutcome>;
}

/** After the last record handed on; before any, the start position (a LATEST start becomes the time it was taken). */
export function resumePosition(cursor: ShardCursor): StartPosition {
  // ContinuationSequenceNumber captures progress even through stretches without records (Kinesis API Reference, SubscribeToShardEvent).
  if (cursor.continuationSequenceNumber) return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: cursor.continuationSequenceNumber };
  if (cursor.lastSequenceNumber) return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: cursor.lastSequenceNumber };
  if (cursor.start.type === 'LATEST' && cursor.latestTakenAt) return { type: 'AT_TIMESTAMP', timestamp: cursor.latestTakenAt };
  return cursor.start;
}

/**
 * Counts each failed attempt of this call, the SDK's own retries included: the middleware sits inside
 * the SDK's retry loop (finalizeRequest, after retryMiddleware), so it sees every attempt.
 */
export function countAttempts<C extends { middlewareStack: { add: (mw: never, opts: never) => void } }>(command: C, stats: ReaderStats): C {
  const mw = (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
    try {
      return await next(args);
    } catch (err) {
      const kind = classifyError(err);
      if (kind === 'throttle') stats.throttlesRetried++;
      else if (kind === 'server' || kind === 'network') stats.errorsRetried++;
      throw err;
    }
  };
  command.middlewareStack.add(mw as never, { step: 'finalizeRequest', priority: 'low', name: 'cdcpipeAttemptCounter' } as never);
  return command;
}

/** Full jitter, never below the per-shard call spacing. */
export function retryDelayMs(failures: number): number {
  return Math.max(MIN_CALL_INTERVAL_MS, backoffMs(failures + 1, Math.random(), BACKOFF_BASE_MS, BACKOFF_CAP_MS));
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
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

export function shardError(err: unknown, cursor: ShardCursor): unknown {
  if (isAwsError(err, 'ResourceNotFoundException')) return new NotFoundError(`shard ${cursor.shardId}: ${(err as Error).message}`, 'the stream or shard is gone (deleted, or expired past retention)');
  return err;
}

/** A start position the stream refuses is the user's --from value when it came from the command line. */
export function positionError(err: unknown, cursor: ShardCursor, position: StartPosition, from: ReadFrom): unknown {
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
