/**
 * Measures one shard's lag behind a checkpoint with one GetRecords call: the arrival time of the first
 * record after the checkpoint, and how many records are behind when one call can count them.
 * Independent of tail's reading engine on purpose: lag needs a single read, not a follower.
 */
import type { _Record } from '@aws-sdk/client-kinesis';
import type { ProbeResult, ShardPosition } from '../core/lag-model.js';
import { GETRECORDS_MAX_RECORDS } from '../core/limits.js';
import type { KinesisApi } from './api/kinesis.js';
import { isAwsError } from './errors.js';

/**
 * Default records per probe. 10,000 (the API maximum) would count further, but a response near 10 MiB
 * throttles the shard's GetRecords for the next 5 s (Kinesis API Reference, GetRecords) — for the real
 * consumer too. 1,000 records of a few KiB stay well under the shard's 2 MiB/s shared read budget.
 */
export const DEFAULT_COUNT_LIMIT = 1000;
/** GetRecords may return nothing while records lie further on (Kinesis API Reference, GetRecords); follow at most this many times. */
const MAX_EMPTY_FOLLOWS = 4;

/**
 * AFTER_SEQUENCE_NUMBER for a sequence checkpoint, TRIM_HORIZON for TRIM_HORIZON (and for AT_TIMESTAMP,
 * whose timestamp the lease does not keep, so the lag is an upper bound), nothing to read for LATEST
 * (a consumer at LATEST has not started and is 0 behind) or SHARD_END.
 */
export async function probeShardLag(
  kinesis: KinesisApi,
  stream: string,
  shardId: string,
  position: ShardPosition,
  opts: { countLimit?: number; withCheckpointRecord?: boolean } = {},
): Promise<ProbeResult> {
  if (position.kind === 'LATEST' || position.kind === 'SHARD_END') return { recordsBehind: 0, recordsBehindExact: true, getRecordsCalls: 0 };
  const limit = Math.min(opts.countLimit ?? DEFAULT_COUNT_LIMIT, GETRECORDS_MAX_RECORDS);
  let iterator: string | undefined;
  let trimmed = false;
  try {
    iterator = (
      await kinesis.getShardIterator(
        position.kind === 'sequence'
          ? { StreamName: stream, ShardId: shardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: position.sequenceNumber }
          : { StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' },
      )
    ).ShardIterator;
  } catch (err) {
    // A checkpoint older than the retention period: everything still in the shard is unprocessed.
    if (position.kind !== 'sequence' || !isAwsError(err, 'InvalidArgumentException')) throw err;
    trimmed = true;
    iterator = (await kinesis.getShardIterator({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' })).ShardIterator;
  }

  let calls = 0;
  let records: _Record[] = [];
  let millisBehind: number | undefined;
  let more = false;
  while (iterator) {
    const res = await kinesis.getRecords({ ShardIterator: iterator, Limit: limit });
    calls++;
    records = res.Records ?? [];
    millisBehind = res.MillisBehindLatest;
    iterator = res.NextShardIterator;
    more = records.length >= limit || (millisBehind ?? 0) > 0;
    // One call is the rule; follow only while the response is empty yet the shard is behind.
    if (records.length > 0 || !iterator || !(millisBehind && millisBehind > 0) || calls > MAX_EMPTY_FOLLOWS) break;
  }
  const first = records[0];
  const checkpointArrivalMs = opts.withCheckpointRecord && position.kind === 'sequence' && !trimmed ? await arrivalAt(kinesis, stream, shardId, position.sequenceNumber) : undefined;
  if (checkpointArrivalMs !== undefined) calls++;
  return {
    ...(checkpointArrivalMs !== undefined ? { checkpointArrivalMs } : {}),
    ...(first?.ApproximateArrivalTimestamp ? { firstUnprocessedArrivalMs: first.ApproximateArrivalTimestamp.getTime() } : {}),
    ...(first?.SequenceNumber ? { firstUnprocessedSequenceNumber: first.SequenceNumber } : {}),
    recordsBehind: records.length,
    // A closed shard's end (no NextShardIterator) or MillisBehindLatest 0 with room left: every record was seen.
    recordsBehindExact: !more,
    ...(millisBehind !== undefined ? { millisBehindLatest: millisBehind } : {}),
    ...(trimmed ? { trimmed } : {}),
    getRecordsCalls: calls,
  };
}

/** Arrival time of the record at a sequence number (AT_SEQUENCE_NUMBER, Limit 1); undefined when it is gone. */
async function arrivalAt(kinesis: KinesisApi, stream: string, shardId: string, sequenceNumber: string): Promise<number | undefined> {
  try {
    const it = await kinesis.getShardIterator({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: sequenceNumber });
    if (!it.ShardIterator) return undefined;
    const res = await kinesis.getRecords({ ShardIterator: it.ShardIterator, Limit: 1 });
    const rec = res.Records?.[0];
    return rec?.SequenceNumber === sequenceNumber ? rec.ApproximateArrivalTimestamp?.getTime() : undefined;
  } catch (err) {
    if (isAwsError(err, 'InvalidArgumentException')) return undefined;
    throw err;
  }
}
