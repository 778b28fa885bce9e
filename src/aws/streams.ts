/**
 * Account-level stream reads: every stream name (ListStreams) and a stream's enhanced fan-out consumers
 * (ListStreamConsumers), each paginated to the end. The shard listing is in shards.ts.
 */
import type { Consumer, ListStreamsCommandInput } from '@aws-sdk/client-kinesis';
import type { KinesisApi } from './api/kinesis.js';

/**
 * Every stream name of the account and region, in ListStreams order (by name), or those of the first
 * `maxPages` pages (ListStreams allows 5 calls per second per account and returns up to 100 names a call).
 * HasMoreStreams says there is more: the next page starts from the NextToken when the server sends one,
 * else after the last name seen (ExclusiveStartStreamName; kinesis-local sends no NextToken) (Kinesis API
 * Reference, ListStreams). A page with nothing new ends the listing, so a server that repeats itself
 * cannot loop forever.
 */
export async function listStreamNames(kinesis: KinesisApi, opts: { maxPages?: number } = {}): Promise<string[]> {
  const names: string[] = [];
  const seen = new Set<string>();
  let input: ListStreamsCommandInput = {};
  for (let page = 0; page < (opts.maxPages ?? Infinity); page++) {
    const res = await kinesis.listStreams(input);
    const fresh = (res.StreamNames ?? []).filter((n) => !seen.has(n));
    for (const n of fresh) seen.add(n);
    names.push(...fresh);
    if (!res.HasMoreStreams || fresh.length === 0) break;
    input = res.NextToken ? { NextToken: res.NextToken } : { ExclusiveStartStreamName: names[names.length - 1]! };
  }
  return names;
}

/**
 * Every enhanced fan-out consumer registered on the stream (ListStreamConsumers pages over NextToken; a
 * stream has at most 20, or 50 with On-demand Advantage, so one page in practice). kinesis-local hands out
 * a NextToken on its last page and an empty page after it: an empty or repeated page ends the listing.
 */
export async function listAllConsumers(kinesis: KinesisApi, streamArn: string): Promise<Consumer[]> {
  const consumers: Consumer[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    const res = await kinesis.listStreamConsumers({ StreamARN: streamArn, ...(token ? { NextToken: token } : {}) });
    const fresh = (res.Consumers ?? []).filter((c) => !seen.has(c.ConsumerARN ?? c.ConsumerName ?? ''));
    for (const c of fresh) seen.add(c.ConsumerARN ?? c.ConsumerName ?? '');
    consumers.push(...fresh);
    token = fresh.length ? res.NextToken : undefined;
  } while (token);
  return consumers;
}
