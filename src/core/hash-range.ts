/**
 * Hash-key-range arithmetic for resharding. Pure: BigInt throughout, no I/O, no SDK.
 *
 * Kinesis maps a record to a shard by MD5(partition key) read as a 128-bit unsigned integer, in the
 * key space 0 .. 2^128 − 1 (API PutRecord). Each open shard owns one contiguous, inclusive range;
 * together the open shards cover the space without gaps or overlaps. SplitShard adds a boundary inside
 * one open shard; MergeShards removes the boundary between two open, adjacent shards (API SplitShard,
 * MergeShards). Every call adds or removes exactly one boundary, which is what makes the rebalance
 * plan below provably minimal.
 */
import { createHash } from 'node:crypto';
import { HASH_KEY_MAX } from './limits.js';

/** Number of hash keys: 2^128. */
export const HASH_SPACE = HASH_KEY_MAX + 1n;

/** Default tolerance of `--rebalance` and the uneven-shard report: 1 % of the even share, relative. */
export const EVEN_SHARE_TOLERANCE = 0.01;

export interface HashRange {
  /** Inclusive. */
  start: bigint;
  /** Inclusive. */
  end: bigint;
}

export interface ShardRange extends HashRange {
  shardId: string;
  parentShardId?: string;
  adjacentParentShardId?: string;
  open: boolean;
}

/** The part of an SDK Shard this module reads (structural, so src/core needs no SDK import). */
export interface ShardLike {
  ShardId?: string;
  ParentShardId?: string;
  AdjacentParentShardId?: string;
  HashKeyRange?: { StartingHashKey?: string; EndingHashKey?: string };
  SequenceNumberRange?: { EndingSequenceNumber?: string };
}

export function toShardRange(shard: ShardLike): ShardRange {
  return {
    shardId: shard.ShardId ?? '',
    start: BigInt(shard.HashKeyRange?.StartingHashKey ?? '0'),
    end: BigInt(shard.HashKeyRange?.EndingHashKey ?? '0'),
    ...(shard.ParentShardId ? { parentShardId: shard.ParentShardId } : {}),
    ...(shard.AdjacentParentShardId ? { adjacentParentShardId: shard.AdjacentParentShardId } : {}),
    open: !shard.SequenceNumberRange?.EndingSequenceNumber,
  };
}

/** The open shards, sorted by starting hash key. */
export function openRanges(shards: readonly ShardRange[]): ShardRange[] {
  return sortByStart(shards.filter((s) => s.open));
}

export function sortByStart<T extends HashRange>(ranges: readonly T[]): T[] {
  return [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

export function rangeSize(r: HashRange): bigint {
  return r.end - r.start + 1n;
}

/** Share of the key space as a ratio 0..1 (exact to ~1e-15, plenty for percentages). */
export function shareOf(r: HashRange): number {
  return Number((rangeSize(r) * 10n ** 15n) / HASH_SPACE) / 1e15;
}

/** Relative deviation of a range from an even share of n: 0 = exact, 0.01 = 1 % larger or smaller. */
export function deviationFromEven(r: HashRange, n: number): number {
  return Math.abs(shareOf(r) * n - 1);
}

/** Starting hash keys of shards 1..n−1 when the space is cut into n equal ranges: ⌊k·2^128 / n⌋. */
export function evenBoundaries(n: number): bigint[] {
  assertCount(n);
  const count = BigInt(n);
  const out: bigint[] = [];
  for (let k = 1n; k < count; k++) out.push((k * HASH_SPACE) / count);
  return out;
}

export function evenRanges(n: number): HashRange[] {
  return rangesFromBoundaries(evenBoundaries(n));
}

/** Contiguous ranges covering the whole space from sorted, distinct starting keys (0 excluded). */
export function rangesFromBoundaries(boundaries: readonly bigint[]): HashRange[] {
  const starts = [0n, ...boundaries];
  return starts.map((start, i) => ({ start, end: i + 1 < starts.length ? starts[i + 1]! - 1n : HASH_KEY_MAX }));
}

/** The starting hash key of the upper child when a range is split in half; undefined for a 1-key range. */
export function midpoint(r: HashRange): bigint | undefined {
  if (rangeSize(r) < 2n) return undefined;
  return r.start + rangeSize(r) / 2n;
}

/** SplitShard's NewStartingHashKey must leave both children non-empty: start < at ≤ end. */
export function isValidSplitPoint(r: HashRange, at: bigint): boolean {
  return at > r.start && at <= r.end;
}

export function areAdjacent(a: HashRange, b: HashRange): boolean {
  return a.end + 1n === b.start || b.end + 1n === a.start;
}

/** MD5 of the partition key's UTF-8 bytes read as a big-endian unsigned 128-bit integer (API PutRecord). */
export function partitionKeyToHashKey(partitionKey: string): bigint {
  const digest = createHash('md5').update(partitionKey, 'utf8').digest('hex');
  return BigInt(`0x${digest}`);
}

/** A decimal hash key 0..2^128−1, as the Kinesis API writes them; null when it is not one. */
export function parseHashKey(raw: string): bigint | null {
  if (!/^\d{1,39}$/.test(raw.trim())) return null;
  const value = BigInt(raw.trim());
  return value <= HASH_KEY_MAX ? value : null;
}

/** The range in `ranges` that contains `key`. */
export function rangeContaining<T extends HashRange>(ranges: readonly T[], key: bigint): T | undefined {
  return ranges.find((r) => r.start <= key && key <= r.end);
}

export interface CoverageReport {
  gaps: HashRange[];
  overlaps: HashRange[];
}

/** Gaps and overlaps of a set of ranges against the whole key space (both empty = a valid open shard map). */
export function checkCoverage(ranges: readonly HashRange[]): CoverageReport {
  const sorted = sortByStart(ranges);
  const gaps: HashRange[] = [];
  const overlaps: HashRange[] = [];
  let next = 0n; // first key not yet covered
  for (const r of sorted) {
    if (r.start > next) gaps.push({ start: next, end: r.start - 1n });
    if (r.start < next) overlaps.push({ start: r.start, end: r.end < next - 1n ? r.end : next - 1n });
    if (r.end + 1n > next) next = r.end + 1n;
  }
  if (next <= HASH_KEY_MAX) gaps.push({ start: next, end: HASH_KEY_MAX });
  return { gaps, overlaps };
}

/** Open shards more than `tolerance` (relative) off an even share of their count. */
export function unevenShards<T extends HashRange>(open: readonly T[], tolerance = EVEN_SHARE_TOLERANCE): T[] {
  return open.filter((r) => deviationFromEven(r, open.length) > tolerance);
}

// ---- plans as data: calls expressed by hash key, since merged/split shards get new ids at run time ----

/** SplitShard of the open shard containing `at`, with NewStartingHashKey = at. */
export interface SplitOp {
  type: 'split';
  at: bigint;
}
/** MergeShards of the two open shards that meet at `boundary` (the upper one starts there). */
export interface MergeOp {
  type: 'merge';
  boundary: bigint;
}
export type RangeOp = SplitOp | MergeOp;

/**
 * The fewest SplitShard/MergeShards calls that leave `targetCount` open shards, each within `tolerance`
 * (relative) of an even share. A boundary within half the tolerance of an even boundary is kept (two kept
 * boundaries bound a shard off by at most the tolerance); every other boundary costs one merge, every
 * unmatched even boundary one split — and since each call moves exactly one boundary, no plan is shorter.
 * Splits and merges alternate from the low end of the key space, split first, so capacity never drops
 * below the starting count and each pair is local.
 */
export function planRebalance(open: readonly HashRange[], targetCount: number, tolerance = EVEN_SHARE_TOLERANCE): RangeOp[] {
  assertCount(targetCount);
  const current = sortByStart(open)
    .map((r) => r.start)
    .filter((s) => s !== 0n);
  const targets = evenBoundaries(targetCount);
  // Half the tolerance of the even spacing, shaved by 0.1 % so float rounding in the check cannot tip over.
  const slack = (BigInt(Math.floor(tolerance * 0.999 * 1e9)) * (HASH_SPACE / BigInt(targetCount))) / 2_000_000_000n;
  const kept = new Set<bigint>();
  const splits: bigint[] = [];
  // Both lists are sorted and the slack is far below the spacing, so a two-pointer sweep finds the
  // maximum matching: each even boundary takes the nearest unused current boundary within the slack.
  let i = 0;
  for (const t of targets) {
    while (i < current.length && current[i]! < t - slack) i++;
    let best: bigint | undefined;
    for (let j = i; j < current.length && current[j]! <= t + slack; j++) {
      const c = current[j]!;
      if (!kept.has(c) && (best === undefined || abs(c - t) < abs(best - t))) best = c;
    }
    if (best === undefined) splits.push(t);
    else kept.add(best);
  }
  const merges = current.filter((c) => !kept.has(c));
  const ops: RangeOp[] = [];
  for (let k = 0; k < Math.max(splits.length, merges.length); k++) {
    if (k < splits.length) ops.push({ type: 'split', at: splits[k]! });
    if (k < merges.length) ops.push({ type: 'merge', boundary: merges[k]! });
  }
  return ops;
}

/**
 * The fewest calls that change the open-shard count to `targetCount` without aiming for even ranges:
 * split the largest shard at its midpoint, or merge the adjacent pair with the smallest combined range.
 * Used when UpdateShardCount misses its target (kinesis-local: 2 → 1 after an uneven 3 → 2 does nothing).
 */
export function planCountChange(open: readonly HashRange[], targetCount: number): RangeOp[] {
  assertCount(targetCount);
  let ranges: HashRange[] = sortByStart(open).map((r) => ({ start: r.start, end: r.end }));
  const ops: RangeOp[] = [];
  while (ranges.length < targetCount) {
    const largest = ranges.reduce((a, b) => (rangeSize(b) > rangeSize(a) ? b : a));
    const at = midpoint(largest);
    if (at === undefined) break;
    ops.push({ type: 'split', at });
    ranges = applyOps(ranges, [{ type: 'split', at }]);
  }
  while (ranges.length > targetCount && ranges.length > 1) {
    let best = 1;
    for (let k = 2; k < ranges.length; k++) {
      if (rangeSize(ranges[k - 1]!) + rangeSize(ranges[k]!) < rangeSize(ranges[best - 1]!) + rangeSize(ranges[best]!)) best = k;
    }
    const boundary = ranges[best]!.start;
    ops.push({ type: 'merge', boundary });
    ranges = applyOps(ranges, [{ type: 'merge', boundary }]);
  }
  return ops;
}

/**
 * The open ranges after `ops`. Ranges that no call touches keep their extra fields (shard ids); new ones
 * are plain ranges. Throws when a call is impossible on the map it meets (a bad plan is a bug).
 */
export function applyOps<T extends HashRange>(open: readonly T[], ops: readonly RangeOp[]): (T | HashRange)[] {
  let ranges: (T | HashRange)[] = sortByStart(open);
  for (const op of ops) {
    if (op.type === 'split') {
      const idx = ranges.findIndex((r) => r.start <= op.at && op.at <= r.end);
      const r = ranges[idx];
      if (!r || !isValidSplitPoint(r, op.at)) throw new Error(`split at ${op.at} is not inside an open shard`);
      ranges = [...ranges.slice(0, idx), { start: r.start, end: op.at - 1n }, { start: op.at, end: r.end }, ...ranges.slice(idx + 1)];
    } else {
      const idx = ranges.findIndex((r) => r.start === op.boundary);
      const lower = ranges[idx - 1];
      const upper = ranges[idx];
      if (idx < 1 || !lower || !upper || !areAdjacent(lower, upper)) throw new Error(`no two adjacent open shards meet at ${op.boundary}`);
      ranges = [...ranges.slice(0, idx - 1), { start: lower.start, end: upper.end }, ...ranges.slice(idx + 1)];
    }
  }
  return ranges;
}

function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}

function assertCount(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`shard count must be a whole number ≥ 1, got ${n}`);
}
