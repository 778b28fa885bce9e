/**
 * Reads every record of a stream with a plain GetRecords loop over every shard from TRIM_HORIZON:
 * independent of cdcpipe's own reader, so tests can check what cdcpipe wrote.
 */
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { listShards } from './kinesis.js';

export interface StoredRecord {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
}

/**
 * Every record currently in the stream, shard by shard (ListShards order), each shard in sequence
 * order. A shard is done at its end (closed) or when a GetRecords returns nothing (kinesis-local
 * returns everything available, and MillisBehindLatest is always 0 there).
 */
export async function readAll(client: KinesisClient, stream: string): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for (const shard of await listShards(client, stream)) {
    const it = await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
    let iterator = it.ShardIterator;
    let empty = 0;
    while (iterator && empty < 2) {
      const res = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of res.Records ?? []) out.push({ shardId: shard.ShardId!, sequenceNumber: r.SequenceNumber!, partitionKey: r.PartitionKey!, data: r.Data! });
      empty = (res.Records?.length ?? 0) === 0 ? empty + 1 : 0;
      iterator = res.NextShardIterator;
    }
  }
  return out;
}
