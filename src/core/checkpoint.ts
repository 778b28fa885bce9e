/**
 * The tail checkpoint file (pure): where `tail` stopped on every shard, so that
 * `tail --from checkpoint:<file>` resumes right after it and `lag` can measure how far behind it is.
 * Writing it atomically is I/O and lives in src/io/checkpoint-file.ts.
 */
import { UsageError } from '../errors.js';

export interface CheckpointShard {
  /** Sequence number of the last Kinesis record consumed on this shard. */
  sequenceNumber: string;
  /**
   * Set when the tail stopped inside a KPL-aggregated record: the last user record consumed.
   * Resuming re-reads that Kinesis record and skips its user records up to and including this one.
   */
  subSequenceNumber?: number;
  /** ApproximateArrivalTimestamp (ISO-8601) of that record. */
  arrivalTime?: string;
  /** The shard was read to SHARD_END: resuming skips it and reads its children. */
  closed?: boolean;
}

export interface CheckpointFile {
  schemaVersion: 1;
  stream: string;
  /** ISO-8601. */
  updatedAt: string;
  shards: Record<string, CheckpointShard>;
}

/**
 * The checkpoint to write over `old`: per shard, the further of the two positions (a closed shard is the
 * furthest), and every shard only `old` knows kept. A checkpoint file never loses what it knew.
 */
export function mergeCheckpoints(old: CheckpointFile | undefined, next: CheckpointFile): CheckpointFile {
  if (!old || old.stream !== next.stream) return next;
  const further = (a: CheckpointShard | undefined, b: CheckpointShard): CheckpointShard => {
    if (!a) return b;
    if (a.closed !== b.closed) return a.closed ? a : b;
    const sa = BigInt(a.sequenceNumber);
    const sb = BigInt(b.sequenceNumber);
    if (sa !== sb) return sa > sb ? a : b;
    return (a.subSequenceNumber ?? Infinity) >= (b.subSequenceNumber ?? Infinity) ? a : b;
  };
  const shards: Record<string, CheckpointShard> = { ...old.shards };
  for (const [id, pos] of Object.entries(next.shards)) shards[id] = further(old.shards[id], pos);
  return { ...next, shards };
}

/** Kinesis sequence numbers are decimal strings of up to 128 digits (API SequenceNumberRange). */
const SEQUENCE_NUMBER = /^\d{1,128}$/;

/** Parses and validates a checkpoint file; bad content is a UsageError that names the file. */
export function parseCheckpoint(text: string, source: string): CheckpointFile {
  const fail = (what: string): never => {
    throw new UsageError(`checkpoint file ${source}: ${what}`, 'pass a file written by `cdcpipe tail --checkpoint <file>`');
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return fail(`not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(raw)) return fail('expected a JSON object');
  if (raw.schemaVersion !== 1) return fail(`expected "schemaVersion": 1, got ${JSON.stringify(raw.schemaVersion)}`);
  if (typeof raw.stream !== 'string' || raw.stream === '') return fail('expected "stream" to be the stream name');
  if (typeof raw.updatedAt !== 'string' || Number.isNaN(Date.parse(raw.updatedAt))) return fail('expected "updatedAt" to be an ISO-8601 time');
  if (!isObject(raw.shards)) return fail('expected "shards" to be an object keyed by shard id');
  const shards: Record<string, CheckpointShard> = {};
  for (const [shardId, entry] of Object.entries(raw.shards)) {
    const at = `shards["${shardId}"]`;
    if (!isObject(entry)) return fail(`${at}: expected an object`);
    if (typeof entry.sequenceNumber !== 'string' || !SEQUENCE_NUMBER.test(entry.sequenceNumber)) {
      return fail(`${at}.sequenceNumber: expected a decimal sequence number string`);
    }
    const shard: CheckpointShard = { sequenceNumber: entry.sequenceNumber };
    if (entry.subSequenceNumber !== undefined) {
      if (typeof entry.subSequenceNumber !== 'number' || !Number.isInteger(entry.subSequenceNumber) || entry.subSequenceNumber < 0) {
        return fail(`${at}.subSequenceNumber: expected a whole number ≥ 0`);
      }
      shard.subSequenceNumber = entry.subSequenceNumber;
    }
    if (entry.arrivalTime !== undefined) {
      if (typeof entry.arrivalTime !== 'string' || Number.isNaN(Date.parse(entry.arrivalTime))) return fail(`${at}.arrivalTime: expected an ISO-8601 time`);
      shard.arrivalTime = entry.arrivalTime;
    }
    if (entry.closed !== undefined) {
      if (typeof entry.closed !== 'boolean') return fail(`${at}.closed: expected true or false`);
      if (entry.closed) shard.closed = true;
    }
    shards[shardId] = shard;
  }
  return { schemaVersion: 1, stream: raw.stream, updatedAt: raw.updatedAt, shards };
}

/** Stable text: shards sorted by id, fields in a fixed order, trailing newline. */
export function serializeCheckpoint(cp: CheckpointFile): string {
  const shards: Record<string, CheckpointShard> = {};
  for (const id of Object.keys(cp.shards).sort()) {
    const s = cp.shards[id]!;
    shards[id] = {
      sequenceNumber: s.sequenceNumber,
      ...(s.subSequenceNumber !== undefined ? { subSequenceNumber: s.subSequenceNumber } : {}),
      ...(s.arrivalTime !== undefined ? { arrivalTime: s.arrivalTime } : {}),
      ...(s.closed ? { closed: true } : {}),
    };
  }
  return `${JSON.stringify({ schemaVersion: 1, stream: cp.stream, updatedAt: cp.updatedAt, shards }, null, 2)}\n`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
