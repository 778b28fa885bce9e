/** Stream and shard reads shared by every command: ListShards (paginated, never DescribeStream) and the stream summary. */
import {
  DescribeStreamSummaryCommand,
  ListShardsCommand,
  type KinesisClient,
  type Shard,
  type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import { LISTSHARDS_MAX_RESULTS } from '../core/limits.js';
import { NotFoundError } from '../errors.js';
import { isAwsError } from './errors.js';

export interface ListShardsResult {
  shards: Shard[];
  /** ListShards pages fetched (for --debug and the benchmarks). */
  pages: number;
}

/**
 * Every shard of the stream, open and closed, in ListShards order. ListShards (MaxResults ≤ 1000) is
 * used rather than DescribeStream, which caps at 100 shards and is rate-limited (FACTS.md).
 * Throws NotFoundError (exit 4) when the stream does not exist.
 */
export async function listAllShards(client: KinesisClient, stream: string, opts: { streamArn?: string } = {}): Promise<ListShardsResult> {
  const shards: Shard[] = [];
  let token: string | undefined;
  let pages = 0;
  try {
    do {
      // With NextToken the stream name must be omitted (API ListShards).
      const res = await client.send(
        new ListShardsCommand(
          token
            ? { NextToken: token, MaxResults: LISTSHARDS_MAX_RESULTS }
            : { ...(opts.streamArn ? { StreamARN: opts.streamArn } : { StreamName: stream }), MaxResults: LISTSHARDS_MAX_RESULTS },
        ),
      );
      pages++;
      shards.push(...(res.Shards ?? []));
      token = res.NextToken;
    } while (token);
  } catch (err) {
    throw notFound(err, stream);
  }
  return { shards, pages };
}

export async function describeStream(client: KinesisClient, stream: string): Promise<StreamDescriptionSummary> {
  try {
    const res = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    return res.StreamDescriptionSummary!;
  } catch (err) {
    throw notFound(err, stream);
  }
}

export function isOpen(shard: Shard): boolean {
  return !shard.SequenceNumberRange?.EndingSequenceNumber;
}

function notFound(err: unknown, stream: string): unknown {
  if (isAwsError(err, 'ResourceNotFoundException')) {
    return new NotFoundError(`stream '${stream}' not found`, 'check the stream name, --region and --profile (or --endpoint-url for a local server)');
  }
  return err;
}
