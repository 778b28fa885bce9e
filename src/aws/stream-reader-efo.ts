/**
 * Reading a shard with enhanced fan-out: the named consumer is reused or registered (RegisterStreamConsumer)
 * and each shard is read with SubscribeToShard (Kinesis API Reference, SubscribeToShard; 1 call per second
 * per shard and consumer).
 */
import { SubscribeToShardCommand } from '@aws-sdk/client-kinesis';
import { SUBSCRIBE_TO_SHARD_CALLS_PER_S } from '../core/limits.js';
import { AwsCallError } from '../errors.js';
import type { KinesisApi } from './api/kinesis.js';
import { isAwsError } from './errors.js';
import { classifyError } from './retry.js';
import { describeStream } from './shards.js';
import {
  countAttempts,
  MAX_CONSECUTIVE_ERRORS,
  positionError,
  resumePosition,
  retryDelayMs,
  sleep,
  type ShardCursor,
  type ShardOutcome,
  type ShardReadContext,
  type ShardSource,
} from './stream-reader-shard.js';

const MIN_SUBSCRIBE_INTERVAL_MS = 1000 / SUBSCRIBE_TO_SHARD_CALLS_PER_S;
/** A consumer takes seconds to become ACTIVE on AWS (RegisterStreamConsumer); give up after this. */
const CONSUMER_ACTIVE_TIMEOUT_MS = 120_000;
/** Event-stream errors that re-subscribing cannot fix (Kinesis API Reference, SubscribeToShard). */
const EFO_FATAL_ERRORS = ['ResourceNotFoundException', 'AccessDeniedException', 'KMSAccessDeniedException', 'KMSDisabledException', 'KMSInvalidStateException', 'KMSNotFoundException', 'KMSOptInRequired', 'InvalidArgumentException'];

export interface EfoConsumer {
  name: string;
  arn: string;
  /** This reader registered it (and so may deregister it). */
  registered: boolean;
}

type Log = { info(text: string): void; warn(text: string): void; debug(text: string): void } | undefined;

/** Reuses the named consumer or registers it, and waits until it is ACTIVE. */
export async function ensureConsumer(kinesis: KinesisApi, ctx: ShardReadContext, name: string, opts: { keepConsumer?: boolean; log: Log }): Promise<EfoConsumer> {
  const streamArn = (await describeStream(kinesis, ctx.stream)).StreamARN!;
  let registered = false;
  let status: string | undefined;
  let arn: string | undefined;
  try {
    const d = await kinesis.describeStreamConsumer({ StreamARN: streamArn, ConsumerName: name });
    arn = d.ConsumerDescription?.ConsumerARN;
    status = d.ConsumerDescription?.ConsumerStatus;
    opts.log?.info(`using the existing enhanced fan-out consumer '${name}'`);
  } catch (err) {
    if (!isAwsError(err, 'ResourceNotFoundException')) throw err;
    const r = await kinesis.registerStreamConsumer({ StreamARN: streamArn, ConsumerName: name });
    arn = r.Consumer?.ConsumerARN;
    status = r.Consumer?.ConsumerStatus;
    registered = true;
    opts.log?.info(`registered the enhanced fan-out consumer '${name}'${opts.keepConsumer ? '' : ' (deregistered when the tail ends)'}`);
  }
  if (status === 'DELETING') throw new AwsCallError(`enhanced fan-out consumer '${name}' is being deleted`, 'wait for it to go, or pass another --efo name');
  const deadline = ctx.now() + CONSUMER_ACTIVE_TIMEOUT_MS;
  for (let delay = 250; status !== 'ACTIVE'; delay = Math.min(delay * 2, 2000)) {
    if (ctx.now() > deadline) throw new AwsCallError(`enhanced fan-out consumer '${name}' not ACTIVE after ${CONSUMER_ACTIVE_TIMEOUT_MS / 1000} s`);
    await sleep(delay, ctx.signal);
    if (ctx.signal.aborted) break;
    const d = await kinesis.describeStreamConsumer({ ConsumerARN: arn });
    status = d.ConsumerDescription?.ConsumerStatus;
  }
  return { name, arn: arn!, registered };
}

export async function deregisterConsumer(kinesis: KinesisApi, consumer: EfoConsumer, log: Log): Promise<void> {
  try {
    await kinesis.deregisterStreamConsumer({ ConsumerARN: consumer.arn });
    log?.debug(`deregistered the enhanced fan-out consumer '${consumer.name}'`);
  } catch (err) {
    log?.warn(`could not deregister the enhanced fan-out consumer '${consumer.name}': ${(err as Error).message}`);
  }
}

export class EfoReader implements ShardSource {
  constructor(
    private readonly ctx: ShardReadContext,
    private readonly consumerArn: string,
    /** ListShards reported the shard closed when the read began. */
    private readonly closedAtStart: (shardId: string) => boolean,
  ) {}

  /**
   * One subscription at a time per shard; each lasts up to 5 minutes (Kinesis API Reference, SubscribeToShard),
   * then this re-subscribes after the last record handed on. The shard's end is an event with ChildShards and
   * no ContinuationSequenceNumber; kinesis-local never sends one, so a shard ListShards reported closed also
   * ends at its first empty event at the tip (it can receive nothing more).
   */
  async read(cursor: ShardCursor): Promise<ShardOutcome> {
    const ctx = this.ctx;
    const signal = ctx.signal;
    const closedAtStart = this.closedAtStart(cursor.shardId);
    let failures = 0;
    let nextSubscribeAt = 0;
    while (!signal.aborted) {
      await sleep(nextSubscribeAt - ctx.now(), signal);
      if (signal.aborted) break;
      nextSubscribeAt = ctx.now() + MIN_SUBSCRIBE_INTERVAL_MS;
      const position = resumePosition(cursor);
      if (position.type === 'LATEST') cursor.latestTakenAt = new Date(ctx.now());
      let subscribed = false;
      try {
        const res = await ctx.client.send(
          countAttempts(
            new SubscribeToShardCommand({
              ConsumerARN: this.consumerArn,
              ShardId: cursor.shardId,
              StartingPosition: {
                Type: position.type,
                ...('sequenceNumber' in position ? { SequenceNumber: position.sequenceNumber } : {}),
                ...(position.type === 'AT_TIMESTAMP' ? { Timestamp: position.timestamp } : {}),
              },
            }),
            ctx.stats,
          ),
          { abortSignal: signal },
        );
        subscribed = true;
        ctx.stats.subscriptions++;
        for await (const event of res.EventStream ?? []) {
          const e = event.SubscribeToShardEvent;
          if (!e) continue;
          failures = 0;
          const records = e.Records ?? [];
          await ctx.deliver(cursor, records, e.MillisBehindLatest);
          if (cursor.ended || signal.aborted) return { kind: 'stopped' };
          if (e.ChildShards?.length && !e.ContinuationSequenceNumber) return { kind: 'finished', children: e.ChildShards };
          if (e.ContinuationSequenceNumber) cursor.continuationSequenceNumber = e.ContinuationSequenceNumber;
          if (records.length === 0 && (e.MillisBehindLatest ?? 0) === 0 && closedAtStart) return { kind: 'finished' };
          if (records.length === 0 && ctx.caughtUp(e.MillisBehindLatest)) return { kind: 'stopped' };
        }
        // The subscription ended (AWS ends each after 5 minutes): subscribe again from where the reading stands.
      } catch (err) {
        if (signal.aborted) break;
        // A subscription that breaks mid-stream (connection cut, an InternalFailure event) is re-made;
        // a refused subscribe (ResourceInUse: the previous one is still closing) waits like a throttle.
        let kind = isAwsError(err, 'ResourceInUseException') ? 'throttle' : classifyError(err);
        if (subscribed && kind === 'fatal' && !isAwsError(err, ...EFO_FATAL_ERRORS)) kind = 'network';
        if (subscribed && kind !== 'throttle') ctx.stats.errorsRetried++;
        if (kind === 'fatal' || (kind !== 'throttle' && failures >= MAX_CONSECUTIVE_ERRORS)) throw positionError(err, cursor, position, ctx.from);
        failures++;
        nextSubscribeAt = Math.max(nextSubscribeAt, ctx.now() + retryDelayMs(failures));
      }
    }
    return { kind: 'stopped' };
  }
}
