/**
 * `cdcpipe top --sample`: reads the open shards from LATEST and counts records, bytes (data + partition
 * key, what the 1 MiB/s write limit counts) and partition keys, without decoding a record. Polling makes
 * at most one GetRecords call a second per shard (a fifth of the 5 calls/s every polling consumer
 * shares: Kinesis API Reference, GetRecords), and at most `callsPerSecond` across the stream: each call
 * costs the client about 2 ms of CPU in the AWS SDK (docs/performance.md, "Top CPU"), so on a stream of
 * many shards each shard is read less often. A read returns everything since the shard's last one, so the
 * counts stay exact; each shard's rate is over the time its own reads covered. `--efo` reads through an
 * enhanced fan-out consumer, which has its own 2 MiB/s per shard. A shard that closes hands over to its
 * children, read from TRIM_HORIZON.
 */
import { setMaxListeners } from 'node:events';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Counts } from '../core/top-keys.js';
import { kinesisApi } from './api/kinesis.js';
import type { PolledRecord } from './fast-get-records.js';
import { deregisterConsumer, EfoReader, ensureConsumer, type EfoConsumer } from './stream-reader-efo.js';
import { PollingReader } from './stream-reader-polling.js';
import type { ShardCursor, ShardReadContext, ShardSource } from './stream-reader-shard.js';
import type { ReaderStats } from './stream-reader.js';

/** One GetRecords call a second per shard at most: top leaves four of the shard's five to the consumers. */
export const SAMPLE_CALL_INTERVAL_MS = 1000;
/** GetRecords calls a second across the stream by default (--sample-calls). */
export const SAMPLE_CALLS_PER_SECOND = 25;

/** How often each shard is read: once a second, or less often when the shards would need more than `callsPerSecond`. */
export function sampleCallIntervalMs(shards: number, callsPerSecond: number): number {
  return Math.max(SAMPLE_CALL_INTERVAL_MS, Math.ceil((1000 * shards) / callsPerSecond));
}
/** GetRecords calls in flight at once: one per shard up to 128 shards, so a slow answer on one shard does not delay the others' once-a-second call. */
const SAMPLE_CONCURRENCY = 128;

/** Counts since the last take(), per shard, per partition key. */
export interface SampleBucket {
  spanMs: number;
  shards: Map<string, Map<string, Counts>>;
  /** Per shard, the milliseconds its reads in this bucket covered (from the read before each to the read). */
  coveredMs: Map<string, number>;
}

type Log = { info(text: string): void; warn(text: string): void; debug(text: string): void };

export class TopSampler {
  readonly stats: ReaderStats = { recordsPerShard: new Map(), records: 0, kinesisRecords: 0, undecodable: 0, throttlesRetried: 0, errorsRetried: 0, iteratorsRenewed: 0, getRecordsCalls: 0, subscriptions: 0 };
  private readonly abort = new AbortController();
  private readonly reading = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private current = new Map<string, Map<string, Counts>>();
  private covered = new Map<string, number>();
  /** When each shard was last read (or its reading started). */
  private readonly lastReadAt = new Map<string, number>();
  private since: number;
  private source?: ShardSource;
  private consumer?: EfoConsumer;
  private failure?: unknown;
  private readonly ctx: ShardReadContext;
  /** Polling: how often each shard is read (set by open). */
  callIntervalMs = SAMPLE_CALL_INTERVAL_MS;

  constructor(
    private readonly client: KinesisClient,
    private readonly opts: { stream: string; efoConsumer?: string; log: Log; now?: () => number; callsPerSecond?: number },
  ) {
    const now = opts.now ?? Date.now;
    // Every GetRecords call in flight listens on this one signal: up to one per shard at once is expected.
    setMaxListeners(0, this.abort.signal);
    this.since = now();
    this.ctx = {
      client,
      stream: opts.stream,
      from: { kind: 'latest' },
      stats: this.stats,
      signal: this.abort.signal,
      now,
      deliver: (cursor, records) => Promise.resolve(this.count(cursor.shardId, records)),
      caughtUp: () => false,
    };
  }

  /** Registers or reuses the --efo consumer (and waits until it is ACTIVE); polling spreads its calls over the `shards` open now. */
  async open(closed: (shardId: string) => boolean, shards: number): Promise<void> {
    if (this.opts.efoConsumer) {
      this.consumer = await ensureConsumer(kinesisApi(this.client), this.ctx, this.opts.efoConsumer, { log: this.opts.log });
      this.source = new EfoReader(this.ctx, this.consumer.arn, closed);
    } else {
      this.callIntervalMs = sampleCallIntervalMs(shards, this.opts.callsPerSecond ?? SAMPLE_CALLS_PER_SECOND);
      this.source = new PollingReader(this.ctx, { concurrency: SAMPLE_CONCURRENCY, recordsPerCall: 10_000, idlePollMs: this.callIntervalMs, sdkDeserializer: false, callIntervalMs: this.callIntervalMs });
    }
    this.since = this.ctx.now();
  }

  /** Starts reading every listed open shard not read yet: from LATEST at the start, from TRIM_HORIZON for shards that appear later (children of a reshard). */
  follow(openShardIds: readonly string[], from: 'LATEST' | 'TRIM_HORIZON'): void {
    for (const id of openShardIds) this.start(id, from);
  }

  /** The first error a shard's reading ended with (the next frame throws it). */
  get error(): unknown {
    return this.failure;
  }

  /** The counts since the last take, and a fresh bucket. */
  take(): SampleBucket {
    const now = this.ctx.now();
    const bucket = { spanMs: now - this.since, shards: this.current, coveredMs: this.covered };
    this.current = new Map();
    this.covered = new Map();
    this.since = now;
    return bucket;
  }

  async close(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([...this.running]);
    if (this.consumer?.registered) await deregisterConsumer(kinesisApi(this.client), this.consumer, this.opts.log);
  }

  private start(shardId: string, from: 'LATEST' | 'TRIM_HORIZON'): void {
    if (this.reading.has(shardId) || this.abort.signal.aborted || !this.source) return;
    this.reading.add(shardId);
    this.lastReadAt.set(shardId, this.ctx.now());
    const cursor: ShardCursor = { shardId, start: { type: from }, ended: false };
    const run = this.source.read(cursor).then(
      (outcome) => {
        if (outcome.kind === 'finished') for (const child of outcome.children ?? []) if (child.ShardId) this.start(child.ShardId, 'TRIM_HORIZON');
      },
      (err: unknown) => {
        if (!this.abort.signal.aborted) this.failure ??= err;
      },
    );
    const tracked = run.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  private count(shardId: string, records: readonly PolledRecord[]): void {
    const now = this.ctx.now();
    this.covered.set(shardId, (this.covered.get(shardId) ?? 0) + now - (this.lastReadAt.get(shardId) ?? now));
    this.lastReadAt.set(shardId, now);
    let perKey = this.current.get(shardId);
    if (!perKey) this.current.set(shardId, (perKey = new Map()));
    for (const rec of records) {
      const key = rec.PartitionKey ?? '';
      const bytes = dataLength(rec) + Buffer.byteLength(key, 'utf8');
      const c = perKey.get(key);
      if (c) {
        c.records++;
        c.bytes += bytes;
      } else perKey.set(key, { records: 1, bytes });
    }
    this.stats.kinesisRecords += records.length;
  }
}

/** The record's data length, from its base64 text when the fast path left it undecoded. */
function dataLength(rec: PolledRecord): number {
  if (rec.Data) return rec.Data.length;
  const b64 = rec.dataBase64 ?? '';
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return (b64.length * 3) / 4 - pad;
}
