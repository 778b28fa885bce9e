/**
 * AWS adapters of `cdcpipe reshard` (the orchestration is in src/services/reshard.ts): counting the calls a
 * run makes, reading the shard map, and `--sample`'s bounded read of the stream's recent records.
 */
import type { ShardFilter } from '@aws-sdk/client-kinesis';
import { SHARD_GETRECORDS_CALLS_PER_S } from '../core/limits.js';
import { partitionKeyToHashKey, toShardRange, type ShardRange } from '../core/hash-range.js';
import type { KeyLoad } from '../core/reshard-plan.js';
import type { CloudWatchApi } from './api/cloudwatch.js';
import type { KinesisApi } from './api/kinesis.js';
import { isAwsError } from './errors.js';
import { listAllShards } from './shards.js';

/**
 * Counts every call per operation (once per call, however often the SDK retries it inside), for the
 * report and `calls` in --json. Wraps the narrow interfaces: each KinesisApi method is one call, named
 * as its operation; for CloudWatch, reshard reads only GetMetricData, one call per page.
 */
export class CallCounter {
  readonly counts: Record<string, number> = {};

  kinesis(api: KinesisApi): KinesisApi {
    return new Proxy(api, {
      get: (target, prop, receiver) => {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function' || typeof prop !== 'string') return value;
        return (...args: unknown[]) => {
          this.count(prop.charAt(0).toUpperCase() + prop.slice(1));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }

  cloudwatch(api: CloudWatchApi): CloudWatchApi {
    const pages = (input: Parameters<CloudWatchApi['getMetricDataPages']>[0]) => this.countPages(api.getMetricDataPages(input), 'GetMetricData');
    return { ...api, getMetricDataPages: pages };
  }

  private count(op: string): void {
    this.counts[op] = (this.counts[op] ?? 0) + 1;
  }

  private async *countPages<T>(pages: AsyncIterable<T>, op: string): AsyncIterable<T> {
    for await (const page of pages) {
      this.count(op);
      yield page;
    }
  }
}

/** Every shard of the stream (or those the ShardFilter selects), as hash ranges. */
export async function loadShardMap(kinesis: KinesisApi, stream: string, filter?: ShardFilter): Promise<ShardRange[]> {
  return (await listAllShards(kinesis, stream, filter ? { filter } : {})).shards.map(toShardRange);
}

export interface SampleResult {
  keyLoads: KeyLoad[];
  records: number;
  windowSec: number;
  truncated: boolean;
}

/**
 * `--sample`: reads what arrived in the last `windowMs` from every listed shard (AT_TIMESTAMP, so nothing
 * waits for new data) and sums bytes (data + partition key, as the 1 MiB/s write limit counts them) and
 * records per partition-key hash. Bounded: stops at `maxRecords`, at data newer than `now`, at the end of
 * a shard, and paces GetRecords under the 5 calls/s per shard limit (Kinesis API Reference, GetRecords).
 */
export async function sampleKeyLoad(kinesis: KinesisApi, stream: string, shards: readonly ShardRange[], opts: { now: Date; windowMs: number; streamCreated?: Date; maxRecords?: number }): Promise<SampleResult> {
  const from = new Date(Math.max(opts.now.getTime() - opts.windowMs, opts.streamCreated?.getTime() ?? 0));
  const windowSec = Math.max(1, (opts.now.getTime() - from.getTime()) / 1000);
  const maxRecords = opts.maxRecords ?? 200_000;
  const perKey = new Map<bigint, { bytes: number; records: number }>();
  let records = 0;
  let truncated = false;
  const hashOf = new Map<string, bigint>();
  for (const shard of shards) {
    let iterator: string | undefined;
    try {
      iterator = (await kinesis.getShardIterator({ StreamName: stream, ShardId: shard.shardId, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: from })).ShardIterator;
    } catch (err) {
      if (isAwsError(err, 'ResourceNotFoundException', 'InvalidArgumentException')) continue; // shard expired meanwhile
      throw err;
    }
    let lastCall = 0;
    for (let calls = 0; iterator && calls < 1000; calls++) {
      const wait = lastCall + 1000 / SHARD_GETRECORDS_CALLS_PER_S - Date.now();
      if (wait > 0) await sleep(wait);
      lastCall = Date.now();
      const res = await kinesis.getRecords({ ShardIterator: iterator });
      let reachedNow = false;
      for (const r of res.Records ?? []) {
        if (r.ApproximateArrivalTimestamp && r.ApproximateArrivalTimestamp.getTime() > opts.now.getTime()) {
          reachedNow = true;
          break;
        }
        const pk = r.PartitionKey ?? '';
        let hash = hashOf.get(pk);
        if (hash === undefined) {
          hash = partitionKeyToHashKey(pk);
          hashOf.set(pk, hash);
        }
        const entry = perKey.get(hash) ?? { bytes: 0, records: 0 };
        entry.bytes += (r.Data?.byteLength ?? 0) + Buffer.byteLength(pk, 'utf8');
        entry.records += 1;
        perKey.set(hash, entry);
        if (++records >= maxRecords) {
          truncated = true;
          break;
        }
      }
      if (truncated || reachedNow) break;
      if ((res.Records ?? []).length === 0 && (res.MillisBehindLatest ?? 0) === 0) break;
      iterator = res.NextShardIterator;
    }
    if (truncated) break;
  }
  const keyLoads = [...perKey].map(([hashKey, v]) => ({ hashKey, bytesPerSec: v.bytes / windowSec, recordsPerSec: v.records / windowSec }));
  return { keyLoads, records, windowSec, truncated };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
