/**
 * Reading a shard by polling (GetShardIterator, then GetRecords until the shard's end or a stop). At most
 * `concurrency` shards hold a GetRecords call (and its batch) at once, and no shard is called more than 5
 * times a second (Kinesis API Reference, GetRecords: 5 calls/s per shard, shared by all consumers).
 */
import { GetRecordsCommand, GetShardIteratorCommand, type ShardIteratorType } from '@aws-sdk/client-kinesis';
import { isAwsError } from './errors.js';
import { fastRecords } from './fast-get-records.js';
import { classifyError } from './retry.js';
import {
  countAttempts,
  MAX_CONSECUTIVE_ERRORS,
  MIN_CALL_INTERVAL_MS,
  positionError,
  resumePosition,
  retryDelayMs,
  shardError,
  sleep,
  type ShardCursor,
  type ShardOutcome,
  type ShardReadContext,
  type ShardSource,
} from './stream-reader-shard.js';

export interface PollingSettings {
  /** GetRecords calls in flight at once, across shards. */
  concurrency: number;
  /** GetRecords `Limit`. */
  recordsPerCall: number;
  /** Wait after a GetRecords that returned nothing. */
  idlePollMs: number;
  /** Let the SDK deserialize GetRecords records too (for comparison and as a way out). */
  sdkDeserializer: boolean;
  /** Time between two calls on one shard when records came back (default and minimum: 200 ms, the 5 calls/s limit). */
  callIntervalMs?: number;
}

export class PollingReader implements ShardSource {
  private readonly slots: Semaphore;

  constructor(
    private readonly ctx: ShardReadContext,
    private readonly settings: PollingSettings,
  ) {
    this.slots = new Semaphore(settings.concurrency);
  }

  async read(cursor: ShardCursor): Promise<ShardOutcome> {
    const ctx = this.ctx;
    const signal = ctx.signal;
    let iterator: string | undefined;
    let nextCallAt = 0;
    let failures = 0;
    while (!signal.aborted) {
      await sleep(nextCallAt - ctx.now(), signal);
      await this.slots.acquire();
      try {
        if (signal.aborted) break;
        const calledAt = ctx.now();
        nextCallAt = calledAt + Math.max(MIN_CALL_INTERVAL_MS, this.settings.callIntervalMs ?? 0);
        let res;
        try {
          iterator ??= await this.shardIterator(cursor);
          ctx.stats.getRecordsCalls++;
          const command = countAttempts(new GetRecordsCommand({ ShardIterator: iterator, Limit: this.settings.recordsPerCall }), ctx.stats);
          const fast = this.settings.sdkDeserializer ? undefined : fastRecords(command);
          res = await ctx.client.send(command, { abortSignal: signal });
          if (fast?.records) res.Records = fast.records;
          failures = 0;
        } catch (err) {
          if (signal.aborted) break;
          if (isAwsError(err, 'ExpiredIteratorException')) {
            // Iterators live 5 minutes (Kinesis API Reference, GetShardIterator); a fresh one continues after the last record read.
            iterator = undefined;
            ctx.stats.iteratorsRenewed++;
            continue;
          }
          const kind = classifyError(err);
          if (kind === 'fatal' || (kind !== 'throttle' && ++failures > MAX_CONSECUTIVE_ERRORS)) throw shardError(err, cursor);
          if (kind === 'throttle') failures++;
          nextCallAt = ctx.now() + retryDelayMs(failures);
          continue;
        }
        const records = res.Records ?? [];
        const millisBehindLatest = res.MillisBehindLatest;
        await ctx.deliver(cursor, records, millisBehindLatest);
        if (cursor.ended || signal.aborted) return { kind: 'stopped' };
        iterator = res.NextShardIterator ?? undefined;
        if (!iterator) return { kind: 'finished', children: res.ChildShards };
        if (records.length === 0) {
          if (ctx.caughtUp(millisBehindLatest)) return { kind: 'stopped' };
          nextCallAt = calledAt + Math.max(MIN_CALL_INTERVAL_MS, this.settings.idlePollMs);
        }
      } finally {
        this.slots.release();
      }
    }
    return { kind: 'stopped' };
  }

  /** GetShardIterator for where the shard's reading stands, retried on throttling. */
  private async shardIterator(cursor: ShardCursor): Promise<string> {
    const ctx = this.ctx;
    const position = resumePosition(cursor);
    if (position.type === 'LATEST') cursor.latestTakenAt = new Date(ctx.now());
    let failures = 0;
    for (;;) {
      try {
        const res = await ctx.client.send(
          countAttempts(
            new GetShardIteratorCommand({
              StreamName: ctx.stream,
              ShardId: cursor.shardId,
              ShardIteratorType: position.type as ShardIteratorType,
              ...('sequenceNumber' in position ? { StartingSequenceNumber: position.sequenceNumber } : {}),
              ...(position.type === 'AT_TIMESTAMP' ? { Timestamp: position.timestamp } : {}),
            }),
            ctx.stats,
          ),
          { abortSignal: ctx.signal },
        );
        return res.ShardIterator!;
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        const kind = classifyError(err);
        if (kind === 'fatal' || (kind !== 'throttle' && failures >= MAX_CONSECUTIVE_ERRORS)) throw positionError(err, cursor, position, ctx.from);
        failures++;
        await sleep(retryDelayMs(failures), ctx.signal);
      }
    }
  }
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
