/**
 * `top --sample`'s sliding window: the sample buckets of the last few seconds, summed as they come and go
 * (a bucket is added once and taken out once), so a frame does not re-add every bucket of the window for
 * every shard and partition key. Pure.
 */
import type { Rate } from './top-frame.js';
import { addCounts, type Counts } from './top-keys.js';

/** What one frame's reads brought: counts per shard and key, and (polling) the time each shard's reads covered. */
export interface WindowBucket {
  spanMs: number;
  shards: ReadonlyMap<string, ReadonlyMap<string, Counts>>;
  coveredMs?: ReadonlyMap<string, number>;
}

export interface WindowFigures {
  spanMs: number;
  rates: Map<string, Rate>;
  /** The window's counts (the window's own maps: read them before the next push). */
  keys: ReadonlyMap<string, ReadonlyMap<string, Counts>>;
  /** Per shard, the milliseconds its counts cover: its reads' spans, or the window's span. */
  keySpanMs: Map<string, number>;
}

export class SampleWindow {
  private readonly buckets: WindowBucket[] = [];
  private readonly keys = new Map<string, Map<string, Counts>>();
  private readonly covered = new Map<string, number>();
  private spanMs = 0;

  /** Keeps the newest buckets whose spans after the oldest reach `windowMs` (at least one). */
  constructor(private readonly windowMs: number) {}

  push(bucket: WindowBucket): WindowFigures {
    this.buckets.push(bucket);
    this.apply(bucket, 1);
    while (this.buckets.length > 1 && this.spanMs - this.buckets[0]!.spanMs >= this.windowMs) this.apply(this.buckets.shift()!, -1);
    return this.figures();
  }

  private apply(b: WindowBucket, sign: 1 | -1): void {
    this.spanMs += sign * b.spanMs;
    for (const [shardId, perKey] of b.shards) {
      let into = this.keys.get(shardId);
      if (!into) this.keys.set(shardId, (into = new Map()));
      if (sign === 1) addCounts(into, perKey);
      else {
        for (const [key, c] of perKey) {
          const t = into.get(key)!;
          t.records -= c.records;
          t.bytes -= c.bytes;
          if (t.records <= 0) into.delete(key);
        }
        if (into.size === 0) this.keys.delete(shardId);
      }
    }
    for (const [shardId, ms] of b.coveredMs ?? []) {
      const left = (this.covered.get(shardId) ?? 0) + sign * ms;
      if (left > 0) this.covered.set(shardId, left);
      else this.covered.delete(shardId);
    }
  }

  private figures(): WindowFigures {
    const perShard = this.buckets.every((b) => b.coveredMs);
    const keySpanMs = new Map<string, number>();
    const rates = new Map<string, Rate>();
    for (const [shardId, perKey] of this.keys) {
      const ms = perShard ? (this.covered.get(shardId) ?? 0) : this.spanMs;
      keySpanMs.set(shardId, ms);
      let records = 0;
      let bytes = 0;
      for (const c of perKey.values()) {
        records += c.records;
        bytes += c.bytes;
      }
      rates.set(shardId, ms > 0 ? { recordsPerSec: (records * 1000) / ms, bytesPerSec: (bytes * 1000) / ms } : { recordsPerSec: 0, bytesPerSec: 0 });
    }
    return { spanMs: this.spanMs, rates, keys: this.keys, keySpanMs };
  }
}
