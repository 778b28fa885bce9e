/**
 * KPL aggregation for the stream writer: user records packed into aggregated records (magic F3 89 9A C2 +
 * protobuf AggregatedRecord + MD5, amazon-kinesis-producer aggregation-format.md), one group per predicted
 * shard, as the KPL does.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Shard } from '@aws-sdk/client-kinesis';
import type { KinesisApi } from './api/kinesis.js';
import { isOpen, listAllShards } from './shards.js';
import type { Outgoing, Pending } from './stream-writer.js';

interface ShardRange {
  shardId: string;
  start: bigint;
  end: bigint;
}
/** The open shards' hash key ranges, in order. */
export type ShardMap = ShardRange[];

const KPL_MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);
const encoder = new TextEncoder();

export async function loadShardMap(kinesis: KinesisApi, stream: string): Promise<ShardMap> {
  const { shards } = await listAllShards(kinesis, stream);
  return shards
    .filter(isOpen)
    .map((s: Shard) => ({ shardId: s.ShardId!, start: BigInt(s.HashKeyRange!.StartingHashKey!), end: BigInt(s.HashKeyRange!.EndingHashKey!) }))
    .sort((a, b) => (a.start < b.start ? -1 : 1));
}

/** Kinesis maps a partition key to a shard by the MD5 of its UTF-8 bytes as a 128-bit integer (Kinesis API Reference, PutRecord). */
export function hashKeyOf(partitionKey: string): bigint {
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

function shardFor(map: ShardMap, partitionKey: string, explicitHashKey: string | undefined): string {
  const h = explicitHashKey !== undefined ? BigInt(explicitHashKey) : hashKeyOf(partitionKey);
  return map.find((r) => h >= r.start && h <= r.end)?.shardId ?? map[0]?.shardId ?? 'unknown';
}

interface KplAggregator {
  totalBytes: number;
  addUserRecord(r: { partitionKey: string; data: Buffer; explicitHashKey?: string }): void;
  calculateUserRecordSize(r: { partitionKey: string; data: Buffer; explicitHashKey?: string }): number;
  length(): number;
  build(): { partitionKey: string; data: Buffer } | undefined;
}
type AggregatorCtor = new () => KplAggregator;
let aggregatorCtor: AggregatorCtor | undefined;

/** aws-kinesis-agg's RecordAggregator (CommonJS; its typings do not declare it). */
function newAggregator(): KplAggregator {
  if (!aggregatorCtor) {
    const require = createRequire(import.meta.url);
    aggregatorCtor = (require('aws-kinesis-agg') as { RecordAggregator: AggregatorCtor }).RecordAggregator;
  }
  return new aggregatorCtor();
}

/**
 * Packs user records into aggregated records, one group per predicted shard, each within the
 * stream's maximum record size (magic 4 bytes + MD5 16 bytes + the aggregate's partition key).
 * Order inside an aggregate is kept (sub-sequence numbers 0, 1, 2…).
 */
export function aggregateByShard(users: Pending[], map: ShardMap, maxRecordBytes: number): Outgoing[] {
  const groups = new Map<string, Pending[]>();
  for (const u of users) {
    const shard = shardFor(map, u.rec.partitionKey, u.rec.explicitHashKey);
    const list = groups.get(shard) ?? [];
    list.push(u);
    groups.set(shard, list);
  }
  const out: Outgoing[] = [];
  for (const [shard, list] of groups) {
    let agg = newAggregator();
    let members: Pending[] = [];
    let firstKeyBytes = 0;
    const flush = (): void => {
      const built = agg.build();
      if (built) {
        if (!built.data.subarray(0, 4).equals(KPL_MAGIC)) throw new Error('aws-kinesis-agg produced a record without the KPL magic number');
        // The aggregate goes where its first user record would: by that record's explicit hash key when it has one.
        const ehk = members[0]!.rec.explicitHashKey;
        const entry = ehk === undefined ? { PartitionKey: built.partitionKey, Data: built.data } : { PartitionKey: built.partitionKey, Data: built.data, ExplicitHashKey: ehk };
        out.push({ entry, users: members, dataBytes: built.data.length, keyBytes: encoder.encode(built.partitionKey).length, predictedShard: shard });
      }
      agg = newAggregator();
      members = [];
    };
    for (const u of list) {
      const data = Buffer.from(u.rec.data.buffer, u.rec.data.byteOffset, u.rec.data.byteLength);
      const user = u.rec.explicitHashKey === undefined ? { partitionKey: u.rec.partitionKey, data } : { partitionKey: u.rec.partitionKey, data, explicitHashKey: u.rec.explicitHashKey };
      if (members.length === 0) firstKeyBytes = encoder.encode(user.partitionKey).length;
      const limit = maxRecordBytes - KPL_MAGIC.length - 16 - firstKeyBytes;
      if (members.length > 0 && agg.totalBytes + agg.calculateUserRecordSize(user) > limit) {
        flush();
        firstKeyBytes = encoder.encode(user.partitionKey).length;
      }
      agg.addUserRecord(user);
      members.push(u);
    }
    flush();
  }
  return out;
}
