/**
 * `cdcpipe top --sample`: reads the open shards from LATEST and counts records, bytes (data + partition
 * key, what the 1 MiB/s write limit counts) and partition keys, without decoding a record. Polling makes
 * at most one GetRecords call a second per shard (a fifth of the 5 calls/s every polling consumer
 * shares: Kinesis API Reference, GetRecords); `--efo` reads through an enhanced fan-out consumer, which
 * has its own 2 MiB/s per shard. A shard that closes hands over to its children, read from TRIM_HORIZON.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Counts } from '../core/top-keys.js';
import { kinesisApi } from './api/kinesis.js';
import type { PolledRecord } from './fast-get-records.js';
import { deregisterConsumer, EfoReader, ensureConsumer, type EfoConsumer } from './stream-reader-efo.js';
import { PollingReader } from './stream-reader-polling.js';
import type { ShardCursor, ShardReadContext, ShardSource } from './stream-reader-shard.js';
import type { ReaderStats } from './stream-reader.js';

/** One GetRecords call a second per shard: top leaves four of the shard's five to the consumers. */
export const SAMPLE_CALL_INTERVAL_MS = 1000;
/** GetRecords calls in flight at once: one per shard up to 128 shards, so a slow answer on one shard does not delay the others' once-a-second call. */
const SAMPLE_CONCURRENCY = 128;

/** Counts since the last take(), per shard, per partition key. */
export interface SampleBucket {
  spanMs: number;
  shards: Map<string, Map<string, Counts>>;
}

type Log = { info(text: string): void; warn(text: string): void; debug(text: string): void };

export class TopSampler {
  readonly stats: ReaderStats = { recordsPerShard: new Map(), records: 0, kinesisRecords: 0, undecodable: 0, throttlesRetried: 0, errorsRetried: 0, iteratorsRenewed: 0, getRecordsCalls: 0, subscriptions: 0 };
  private readonly abort = new AbortController();
  private readonly reading = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private current = new Map<string, Map<string, Counts>>();
  private since: number;
  private source?: ShardSource;
  private consumer?: EfoConsumer;
  private failure?: unknown;
  private readonly ctx: ShardReadContext;

  constructor(
    private readonly client: KinesisClient,
    private readonly opts: { stream: string; efoConsumer?: string; log: Log; now?: () => number },
  ) {
    const now = opts.now ?? Date.now;
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

  /** Registers or reuses the --efo consumer (and waits until it is ACTIVE); polling needs nothing. */
  async open(closed: (shardId: string) => boolean): Promise<void> {
    if (this.opts.efoConsumer) {
      this.consumer = await ensureConsumer(kinesisApi(this.client), this.ctx, this.opts.efoConsumer, { log: this.opts.log });
      this.source = new EfoReader(this.ctx, this.consumer.arn, closed);
    } else {
      this.source = new PollingReader(this.ctx, { concurrency: SAMPLE_CONCURRENCY, recordsPerCall: 10_000, idlePollMs: SAMPLE_CALL_INTERVAL_MS, sdkDeserializer: false, callIntervalMs: SAMPLE_CALL_INTERVAL_MS });
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
    const bucket = { spanMs: now - this.since, shards: this.current };
    this.current = new Map();
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
