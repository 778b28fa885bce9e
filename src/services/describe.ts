/**
 * `cdcpipe describe <stream>`: the stream's summary, every shard (open and closed, with parents and its
 * share of the hash-key space), its enhanced fan-out consumers and its tags. The summary and the shards
 * are the job; consumers and tags are best effort: a refused call is a warning and a null.
 */
import type { Consumer, Shard } from '@aws-sdk/client-kinesis';
import type { KinesisApi } from '../aws/api/kinesis.js';
import { isAwsError } from '../aws/errors.js';
import { describeStream, isOpen, listAllShards, listStreamTags } from '../aws/shards.js';
import { listAllConsumers } from '../aws/streams.js';
import { shareOf, toShardRange } from '../core/hash-range.js';
import { RECORD_DEFAULT_MAX_BYTES } from '../core/limits.js';
import type { Host } from './host.js';
import { streamInfo, type StreamInfo } from './ls.js';

export interface DescribeOptions {
  stream: string;
  /** --open: only the open shards. */
  openOnly?: boolean;
}

export interface DescribeClients {
  kinesisApi(): Promise<KinesisApi>;
}

export interface ShardInfo {
  shardId: string;
  parentShardId: string | null;
  /** The second parent of a merged shard. */
  adjacentParentShardId: string | null;
  open: boolean;
  startingHashKey: string;
  endingHashKey: string;
  /** The shard's hash-key range as a percentage of the whole key space (2^128 keys). */
  keySpacePct: number;
  startingSequenceNumber: string | null;
  endingSequenceNumber: string | null;
}

export interface ConsumerInfo {
  name: string;
  arn: string | null;
  status: string;
  createdAt: string | null;
}

export interface StreamDetails extends StreamInfo {
  /** Shard-level metrics enhanced monitoring publishes (empty when it is off). */
  enhancedMonitoring: string[];
  maxRecordSizeKiB: number;
  /** All shards ListShards returns, open and closed (closed ones stay listed for the retention period). */
  totalShards: number;
}

export interface DescribeResult {
  stream: StreamDetails;
  shards: ShardInfo[];
  /** null when ListStreamConsumers failed (see warnings). */
  consumers: ConsumerInfo[] | null;
  /** null when ListTagsForStream failed (see warnings). */
  tags: Record<string, string> | null;
  warnings: string[];
}

export async function describeStreamDetails(options: DescribeOptions, clients: DescribeClients, host: Host): Promise<DescribeResult> {
  const kinesis = await clients.kinesisApi();
  const summary = await describeStream(kinesis, options.stream);
  const warnings: string[] = [];
  const warn = (text: string) => {
    warnings.push(text);
    host.warn(text);
  };
  const bestEffort = async <T>(what: string, read: () => Promise<T>): Promise<T | null> => {
    try {
      return await read();
    } catch (err) {
      warn(`could not read the ${what} (${(err as Error).name}: ${(err as Error).message})`);
      return null;
    }
  };
  const arn = summary.StreamARN;
  const [shards, consumers, tags] = await Promise.all([
    readShards(kinesis, options.stream, arn, summary.StreamStatus ?? 'UNKNOWN', warn),
    arn ? bestEffort('EFO consumers', () => listAllConsumers(kinesis, arn)) : Promise.resolve(null),
    bestEffort('tags', () => listStreamTags(kinesis, options.stream)),
  ]);
  const open = shards.filter((s) => s.open).length;
  return {
    stream: {
      ...streamInfo(summary, open),
      enhancedMonitoring: (summary.EnhancedMonitoring ?? []).flatMap((m) => m.ShardLevelMetrics ?? []),
      maxRecordSizeKiB: summary.MaxRecordSizeInKiB ?? RECORD_DEFAULT_MAX_BYTES / 1024,
      totalShards: shards.length,
    },
    shards: options.openOnly ? shards.filter((s) => s.open) : shards,
    consumers: consumers?.map(consumerInfo) ?? null,
    tags,
    warnings,
  };
}

/** The shard list; a stream that is CREATING or DELETING refuses ListShards, which leaves it empty with a warning. */
async function readShards(kinesis: KinesisApi, stream: string, arn: string | undefined, status: string, warn: (text: string) => void): Promise<ShardInfo[]> {
  try {
    return (await listAllShards(kinesis, stream, arn ? { streamArn: arn } : {})).shards.map(shardInfo);
  } catch (err) {
    if (!isAwsError(err, 'ResourceInUseException')) throw err;
    warn(`the stream is ${status}: ListShards lists no shards until it is ACTIVE`);
    return [];
  }
}

function shardInfo(s: Shard): ShardInfo {
  const range = toShardRange(s);
  return {
    shardId: range.shardId,
    parentShardId: range.parentShardId ?? null,
    adjacentParentShardId: range.adjacentParentShardId ?? null,
    open: isOpen(s),
    startingHashKey: range.start.toString(),
    endingHashKey: range.end.toString(),
    keySpacePct: Math.round(shareOf(range) * 100 * 10_000) / 10_000,
    startingSequenceNumber: s.SequenceNumberRange?.StartingSequenceNumber ?? null,
    endingSequenceNumber: s.SequenceNumberRange?.EndingSequenceNumber ?? null,
  };
}

function consumerInfo(c: Consumer): ConsumerInfo {
  return { name: c.ConsumerName ?? '', arn: c.ConsumerARN ?? null, status: c.ConsumerStatus ?? 'UNKNOWN', createdAt: c.ConsumerCreationTimestamp?.toISOString() ?? null };
}
