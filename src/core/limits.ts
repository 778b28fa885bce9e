/**
 * AWS limits cdcpipe relies on, in one place. Each value cites the AWS document it comes from:
 * "Kinesis API Reference, <Operation>", the Kinesis Data Streams Developer Guide pages by title, or the
 * pricing pages (https://aws.amazon.com/kinesis/data-streams/pricing/, …/firehose/pricing/).
 */
import { KIB, MIB } from './units.js';

/** Write per shard: 1 MiB/s and 1,000 records/s (Kinesis API Reference, PutRecords; Kinesis Data Streams Developer Guide, Quotas and limits). */
export const SHARD_WRITE_BYTES_PER_S = 1 * MIB;
export const SHARD_WRITE_RECORDS_PER_S = 1000;
/** Shared read per shard: 2 MiB/s and 5 GetRecords calls/s, shared by every polling consumer (Kinesis API Reference, GetRecords). */
export const SHARD_READ_BYTES_PER_S = 2 * MIB;
export const SHARD_GETRECORDS_CALLS_PER_S = 5;
/**
 * Enhanced fan-out: 2 MiB/s per registered consumer per shard; 20 consumers per stream (50 on On-demand Advantage)
 * (Kinesis Data Streams Developer Guide, Develop enhanced fan-out consumers with dedicated throughput).
 */
export const EFO_READ_BYTES_PER_S = 2 * MIB;
export const EFO_MAX_CONSUMERS = 20;
/** GetRecords returns at most 10,000 records and 10 MiB per call (Kinesis API Reference, GetRecords). */
export const GETRECORDS_MAX_RECORDS = 10_000;
export const GETRECORDS_MAX_BYTES = 10 * MIB;
/** PutRecords: at most 500 records and 10 MiB per request, partition keys included (Kinesis API Reference, PutRecords). */
export const PUTRECORDS_MAX_RECORDS = 500;
export const PUTRECORDS_MAX_BYTES = 10 * MIB;
/** Record size: 1 MiB by default, up to 10 MiB with MaxRecordSizeInKiB (1024..10240) (Kinesis Data Streams Developer Guide, Handle large records). */
export const RECORD_DEFAULT_MAX_BYTES = 1 * MIB;
export const RECORD_ABSOLUTE_MAX_BYTES = 10 * MIB;
export const MAX_RECORD_SIZE_KIB_RANGE = [1024, 10240] as const;
/** Provisioned PUT payload unit: each 25 KB chunk of a record (Amazon Kinesis Data Streams pricing). 25 KB = 25 × 1024 bytes. */
export const PUT_PAYLOAD_UNIT_BYTES = 25 * KIB;
/** Partition key: 1..256 Unicode characters; MD5 → 128-bit hash key, 0 .. 2^128 − 1 (Kinesis API Reference, PutRecord). */
export const PARTITION_KEY_MAX_CHARS = 256;
export const HASH_KEY_MAX = (1n << 128n) - 1n;
/** Shard iterators expire 5 minutes after they are returned (Kinesis API Reference, GetShardIterator). */
export const SHARD_ITERATOR_TTL_MS = 5 * 60_000;
/** SubscribeToShard pushes for up to 5 minutes, then the consumer re-subscribes (Kinesis API Reference, SubscribeToShard). */
export const EFO_SUBSCRIPTION_MS = 5 * 60_000;
/** ListShards: MaxResults ≤ 1000 (NextToken lives 300 s) (Kinesis API Reference, ListShards). */
export const LISTSHARDS_MAX_RESULTS = 1000;
/** UpdateShardCount: ×2 up or ÷2 down per call, ≤ 10 calls per rolling 24 h per stream, ≤ 10,000 shards (Kinesis API Reference, UpdateShardCount). */
export const UPDATE_SHARD_COUNT_MAX_FACTOR = 2;
export const UPDATE_SHARD_COUNT_CALLS_PER_24H = 10;
export const MAX_SHARDS_PER_UPDATE = 10_000;
/**
 * Retention: 24 h default, up to 8,760 h (Kinesis API Reference, IncreaseStreamRetentionPeriod). Extended retention
 * (provisioned) bills 24 h..7 d per shard-hour, long-term retention beyond 7 d per GB-month (Amazon Kinesis Data Streams pricing).
 */
export const RETENTION_DEFAULT_HOURS = 24;
export const RETENTION_MAX_HOURS = 8760;
export const RETENTION_EXTENDED_MAX_HOURS = 168;
/** CloudWatch GetMetricData: up to 500 metric queries per call (Amazon CloudWatch API Reference, GetMetricData). */
export const GETMETRICDATA_MAX_QUERIES = 500;
/** On-demand Standard bills ingest with each record rounded up to 1 KB (Amazon Kinesis Data Streams pricing); Firehose rounds each record up to 5 KB (Amazon Data Firehose pricing). */
export const ON_DEMAND_RECORD_ROUNDING_BYTES = 1 * KIB;
export const FIREHOSE_RECORD_ROUNDING_BYTES = 5 * KIB;
/** On-demand streams start at 4 MiB/s write and scale automatically (Kinesis Data Streams Developer Guide, Quotas and limits). */
export const ON_DEMAND_INITIAL_WRITE_BYTES_PER_S = 4 * MIB;
/** … and 4,000 records/s (Kinesis Data Streams Developer Guide, Quotas and limits). */
export const ON_DEMAND_INITIAL_WRITE_RECORDS_PER_S = 4000;
/** SubscribeToShard: one call per second per registered consumer per shard (Kinesis API Reference, SubscribeToShard). */
export const SUBSCRIBE_TO_SHARD_CALLS_PER_S = 1;

/** AddTagsToStream takes at most 10 tags per call (Kinesis API Reference, AddTagsToStream). */
export const ADD_TAGS_MAX_PER_CALL = 10;
/** IAM role names are 1..64 characters (IAM User Guide, IAM and AWS STS quotas). */
export const IAM_ROLE_NAME_MAX_CHARS = 64;
/**
 * Shard-level metrics EnableEnhancedMonitoring can turn on: IncomingBytes, IncomingRecords, OutgoingBytes,
 * OutgoingRecords, WriteProvisionedThroughputExceeded, ReadProvisionedThroughputExceeded, IteratorAgeMilliseconds
 * (Kinesis API Reference, EnableEnhancedMonitoring).
 */
export const SHARD_LEVEL_METRICS_MAX = 7;
/** DMS Serverless capacity: 1 to 384 DCUs (AWS DMS API Reference, ComputeConfig). */
export const DMS_SERVERLESS_MAX_DCU = 384;
/** Firehose BufferingHints SizeInMBs: 1..128 (Amazon Data Firehose API Reference, BufferingHints). */
export const FIREHOSE_BUFFER_SIZE_MIB_RANGE = [1, 128] as const;
