/**
 * `cdcpipe ls`: every Kinesis data stream of the account and region, one row each: capacity mode, open
 * shards, status, retention and encryption. ListStreams gives the names; each stream then costs one
 * DescribeStreamSummary and one ListShards (AT_LATEST), a few streams at a time.
 */
import type { StreamDescriptionSummary } from '@aws-sdk/client-kinesis';
import type { KinesisApi } from '../aws/api/kinesis.js';
import { isAwsError } from '../aws/errors.js';
import { countOpenShards, describeStreamOrNull } from '../aws/shards.js';
import { listStreamNames } from '../aws/streams.js';
import { mapLimit } from '../core/map-limit.js';
import { NotFoundError } from '../errors.js';
import type { Host } from './host.js';

/**
 * Streams read at once: two calls each, well under DescribeStreamSummary's 20 calls per second per
 * account (Kinesis API Reference, DescribeStreamSummary) with the SDK's retries for the rest.
 */
const STREAM_CONCURRENCY = 4;

export interface LsOptions {
  concurrency?: number;
}

export interface LsClients {
  kinesisApi(): Promise<KinesisApi>;
  region(): Promise<string>;
}

/** One stream as `ls` and `describe` report it. */
export interface StreamInfo {
  name: string;
  arn: string | null;
  status: string;
  mode: 'provisioned' | 'on-demand';
  /** Counted from ListShards; null while the stream is CREATING or DELETING (ListShards refuses then). */
  openShards: number | null;
  retentionHours: number | null;
  encryption: 'kms' | 'none';
  kmsKeyId: string | null;
  createdAt: string | null;
}

export interface LsResult {
  region: string;
  streams: StreamInfo[];
}

export async function listStreamsInfo(options: LsOptions, clients: LsClients, _host: Host): Promise<LsResult> {
  const kinesis = await clients.kinesisApi();
  const [region, names] = await Promise.all([clients.region(), listStreamNames(kinesis)]);
  const rows = await mapLimit(names, options.concurrency ?? STREAM_CONCURRENCY, async (name) => {
    const summary = await describeStreamOrNull(kinesis, name);
    // Deleted between ListStreams and now: it is no longer a stream to list.
    if (!summary) return null;
    return streamInfo(summary, await openShardsOf(kinesis, summary));
  });
  return { region, streams: rows.filter((r): r is StreamInfo => r !== null) };
}

async function openShardsOf(kinesis: KinesisApi, summary: StreamDescriptionSummary): Promise<number | null> {
  if (summary.StreamStatus === 'CREATING' || summary.StreamStatus === 'DELETING') return null;
  try {
    return await countOpenShards(kinesis, summary.StreamName!);
  } catch (err) {
    // The stream started deleting (or was deleted) since its summary was read.
    if (err instanceof NotFoundError || isAwsError(err, 'ResourceInUseException')) return null;
    throw err;
  }
}

export function streamInfo(s: StreamDescriptionSummary, openShards: number | null): StreamInfo {
  return {
    name: s.StreamName ?? '',
    arn: s.StreamARN ?? null,
    status: s.StreamStatus ?? 'UNKNOWN',
    // Streams created before capacity modes existed report none: they are provisioned.
    mode: s.StreamModeDetails?.StreamMode === 'ON_DEMAND' ? 'on-demand' : 'provisioned',
    openShards,
    retentionHours: s.RetentionPeriodHours ?? null,
    encryption: s.EncryptionType === 'KMS' ? 'kms' : 'none',
    kmsKeyId: s.EncryptionType === 'KMS' ? (s.KeyId ?? null) : null,
    createdAt: s.StreamCreationTimestamp?.toISOString() ?? null,
  };
}
