/**
 * Stream and shard reads shared by every command: ListShards (paginated, never DescribeStream), the
 * stream summary, and the one wait-until-ACTIVE.
 */
import type { Shard, ShardFilter, StreamDescriptionSummary } from '@aws-sdk/client-kinesis';
import { LISTSHARDS_MAX_RESULTS } from '../core/limits.js';
import { didYouMean, similarNames } from '../core/similar-names.js';
import { CliError, EXIT, NotFoundError } from '../errors.js';
import type { KinesisApi } from './api/kinesis.js';
import { isAwsError } from './errors.js';
import { listStreamNames } from './streams.js';

export interface ListShardsResult {
  shards: Shard[];
  /** ListShards pages fetched (for --debug and the benchmarks). */
  pages: number;
}

export interface ListShardsOptions {
  streamArn?: string;
  /** ShardFilter (AT_TIMESTAMP, FROM_TIMESTAMP, AT_LATEST …); it goes with the stream on page one only. */
  filter?: ShardFilter;
}

/**
 * Every shard of the stream (or those the filter selects), in ListShards order. ListShards (MaxResults
 * ≤ 1000) is used rather than DescribeStream, which returns at most 100 shards a call and allows 10 calls
 * per second per account (Kinesis API Reference, ListShards and DescribeStream).
 * Throws NotFoundError (exit 4) when the stream does not exist.
 */
export async function listAllShards(kinesis: KinesisApi, stream: string, opts: ListShardsOptions = {}): Promise<ListShardsResult> {
  const shards: Shard[] = [];
  let token: string | undefined;
  let pages = 0;
  try {
    do {
      // With NextToken the stream name and the filter must be omitted (API ListShards).
      const res = await kinesis.listShards(
        token
          ? { NextToken: token, MaxResults: LISTSHARDS_MAX_RESULTS }
          : { ...(opts.streamArn ? { StreamARN: opts.streamArn } : { StreamName: stream }), MaxResults: LISTSHARDS_MAX_RESULTS, ...(opts.filter ? { ShardFilter: opts.filter } : {}) },
      );
      pages++;
      shards.push(...(res.Shards ?? []));
      token = res.NextToken;
    } while (token);
  } catch (err) {
    throw await notFound(kinesis, err, stream);
  }
  return { shards, pages };
}

export async function describeStream(kinesis: KinesisApi, stream: string): Promise<StreamDescriptionSummary> {
  try {
    const res = await kinesis.describeStreamSummary({ StreamName: stream });
    return res.StreamDescriptionSummary!;
  } catch (err) {
    throw await notFound(kinesis, err, stream);
  }
}

/** The summary, or null when the stream does not exist. */
export async function describeStreamOrNull(kinesis: KinesisApi, stream: string): Promise<StreamDescriptionSummary | null> {
  try {
    return (await kinesis.describeStreamSummary({ StreamName: stream })).StreamDescriptionSummary!;
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundException')) return null;
    throw err;
  }
}

export interface WaitActiveOptions {
  timeoutMs?: number;
  /** First poll delay; it grows by half each poll up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls DescribeStreamSummary until the stream is ACTIVE (after CREATING or UPDATING). Not the SDK's
 * waitUntilStreamExists: it polls DescribeStream, which allows 10 calls per second per account and
 * lists at most 100 shards a call (Kinesis API Reference, DescribeStream).
 */
export async function waitForStreamActive(kinesis: KinesisApi, stream: string, opts: WaitActiveOptions = {}): Promise<StreamDescriptionSummary> {
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  const deadline = Date.now() + timeoutMs;
  let delayMs = opts.minDelayMs ?? 200;
  const maxDelayMs = opts.maxDelayMs ?? 5_000;
  for (;;) {
    const summary = await describeStream(kinesis, stream);
    if (summary.StreamStatus === 'ACTIVE') return summary;
    if (Date.now() > deadline) {
      throw new CliError(`stream '${stream}' still ${summary.StreamStatus} after ${Math.round(timeoutMs / 1000)} s`, EXIT.failure, 're-run the same command later: it continues from where it stopped');
    }
    await (opts.sleep ?? sleep)(delayMs);
    delayMs = Math.min(maxDelayMs, Math.round(delayMs * 1.5));
  }
}

export function isOpen(shard: Shard): boolean {
  return !shard.SequenceNumberRange?.EndingSequenceNumber;
}

/** Every tag of the stream (ListTagsForStream pages over ExclusiveStartTagKey). */
export async function listStreamTags(kinesis: KinesisApi, stream: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  let startKey: string | undefined;
  for (;;) {
    const res = await kinesis.listTagsForStream({ StreamName: stream, ...(startKey ? { ExclusiveStartTagKey: startKey } : {}) });
    for (const t of res.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
    const last = res.Tags?.[res.Tags.length - 1]?.Key;
    if (!res.HasMoreTags || !last) return tags;
    startKey = last;
  }
}

/**
 * Open shards, counted from ListShards (the shard map reshard plans from) rather than taken from
 * DescribeStreamSummary's OpenShardCount. AT_LATEST lists only the open shards, so a much-resharded
 * stream stays one page; a server that refuses the filter gets the full listing.
 */
export async function countOpenShards(kinesis: KinesisApi, stream: string): Promise<number> {
  try {
    return (await listAllShards(kinesis, stream, { filter: { Type: 'AT_LATEST' } })).shards.filter(isOpen).length;
  } catch (err) {
    if (!isAwsError(err, 'InvalidArgumentException', 'ValidationException')) throw err;
  }
  return (await listAllShards(kinesis, stream)).shards.filter(isOpen).length;
}

/** ListStreams pages read for a not-found hint (100 names a page): the hint must not cost a large account much. */
const SUGGESTION_PAGES = 10;

/**
 * ResourceNotFoundException → NotFoundError (exit 4), whose hint names streams with a similar name when
 * ListStreams finds some. The lookup is best effort: if it fails (access denied), the plain hint stays.
 */
async function notFound(kinesis: KinesisApi, err: unknown, stream: string): Promise<unknown> {
  if (!isAwsError(err, 'ResourceNotFoundException')) return err;
  let similar: string | undefined;
  try {
    similar = didYouMean(similarNames(stream, await listStreamNames(kinesis, { maxPages: SUGGESTION_PAGES })));
  } catch {
    // best effort: without ListStreams the hint stays the plain one
  }
  return new NotFoundError(`stream '${stream}' not found`, similar ?? 'check the stream name, --region and --profile (or --endpoint-url for a local server)');
}
