/**
 * What `cdcpipe top` says about the partition keys of a hot shard: split it at its load median (a
 * partition key `reshard --split … --at-key` accepts), or, when one key carries half its load or more,
 * that no split can spread it. Pure.
 */
import { partitionKeyToHashKey, type HashRange } from './hash-range.js';

/** Records and bytes (data + partition key) counted over the sample. */
export interface Counts {
  records: number;
  bytes: number;
}

export type ShardAdvice =
  | {
      kind: 'split';
      shardId: string;
      /** The key that starts the upper child: its MD5 is the new starting hash key, and it goes to the upper child. */
      atKey: string;
      startingHashKey: string;
      /** Predicted share of the shard's sampled load in the lower and upper child, 0..1. */
      lowerShare: number;
      upperShare: number;
      /** The keys the median was taken over. */
      keys: number;
    }
  | {
      kind: 'hot-key';
      shardId: string;
      partitionKey: string;
      /** This key's share of the shard's sampled load, 0..1. */
      shardShare: number;
    };

/** One key carrying this share of its shard's load or more: the median falls inside it, so no cut halves the load. */
export const SINGLE_KEY_SHARE = 0.5;

/**
 * `weightOf` is the binding dimension's load of a key (records or bytes: the one nearer its limit).
 * Keys outside `shard`'s range are ignored (a key sampled before a reshard). Undefined with no keys.
 */
export function adviseHotShard(shardId: string, shard: HashRange, keys: ReadonlyMap<string, Counts>, weightOf: (c: Counts) => number): ShardAdvice | undefined {
  const sorted: { key: string; hash: bigint; weight: number }[] = [];
  for (const [key, counts] of keys) {
    const hash = partitionKeyToHashKey(key);
    if (hash >= shard.start && hash <= shard.end) sorted.push({ key, hash, weight: weightOf(counts) });
  }
  if (sorted.length === 0) return undefined;
  const total = sorted.reduce((n, k) => n + k.weight, 0);
  const heaviest = sorted.reduce((a, b) => (b.weight > a.weight ? b : a));
  if (sorted.length === 1 || total <= 0 || heaviest.weight / total >= SINGLE_KEY_SHARE) {
    return { kind: 'hot-key', shardId, partitionKey: heaviest.key, shardShare: total > 0 ? heaviest.weight / total : 1 };
  }
  sorted.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  // Cut before key i (1..n−1): the lower child holds keys 0..i−1. The cut nearest half the load wins.
  let below = 0;
  let best = { i: 1, below: sorted[0]!.weight };
  for (let i = 1; i < sorted.length; i++) {
    below += sorted[i - 1]!.weight;
    if (Math.abs(below - total / 2) < Math.abs(best.below - total / 2)) best = { i, below };
  }
  const upper = sorted[best.i]!;
  return { kind: 'split', shardId, atKey: upper.key, startingHashKey: upper.hash.toString(), lowerShare: best.below / total, upperShare: 1 - best.below / total, keys: sorted.length };
}

/** The reshard command a split advice stands for, with the partition key quoted for a POSIX shell when it needs it. */
export function splitCommand(stream: string, advice: Extract<ShardAdvice, { kind: 'split' }>): string {
  return `cdcpipe reshard ${shellQuote(stream)} --split ${advice.shardId} --at-key ${shellQuote(advice.atKey)}`;
}

export function shellQuote(s: string): string {
  return /^[\w.:/@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Counts added into `into` (per key). */
export function addCounts(into: Map<string, Counts>, from: ReadonlyMap<string, Counts>): void {
  for (const [key, c] of from) {
    const t = into.get(key);
    if (t) {
      t.records += c.records;
      t.bytes += c.bytes;
    } else into.set(key, { records: c.records, bytes: c.bytes });
  }
}
