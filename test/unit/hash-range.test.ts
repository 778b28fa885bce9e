import { describe, expect, it } from 'vitest';
import {
  EVEN_SHARE_TOLERANCE,
  HASH_SPACE,
  applyOps,
  areAdjacent,
  checkCoverage,
  deviationFromEven,
  evenBoundaries,
  evenRanges,
  isValidSplitPoint,
  midpoint,
  parseHashKey,
  partitionKeyToHashKey,
  planCountChange,
  planRebalance,
  rangesFromBoundaries,
  shareOf,
  toShardRange,
  unevenShards,
  type HashRange,
} from '../../src/core/hash-range.js';

const MAX = HASH_SPACE - 1n;
const TWO_127 = 1n << 127n;
/** A boundary at `pct` % of the key space. */
const at = (pct: number): bigint => (HASH_SPACE * BigInt(Math.round(pct * 1e6))) / 100_000_000n;
const mapOf = (...pcts: number[]): HashRange[] => rangesFromBoundaries(pcts.map(at));
/** kinesis-local's map after UpdateShardCount 3 → 6 → 10: eight shards of 1/12 and two of 1/6. */
const kinesisLocal6to10 = (): HashRange[] => rangesFromBoundaries([1, 2, 3, 4, 5, 6, 7, 8, 10].map((k) => (HASH_SPACE * BigInt(k)) / 12n));
const allWithin = (ranges: HashRange[], n: number) => ranges.length === n && ranges.every((r) => deviationFromEven(r, n) <= EVEN_SHARE_TOLERANCE);

describe('key space boundaries', () => {
  it.each([
    ['0 is the lowest hash key of the first shard', evenRanges(4)[0]!.start, 0n],
    ['2^128 − 1 is the last key of the last shard', evenRanges(7).at(-1)!.end, MAX],
    ['one shard covers 0 .. 2^128 − 1', evenRanges(1)[0]!.end, MAX],
    ['two even shards meet at 2^127', evenBoundaries(2)[0]!, TWO_127],
    ['the middle of the whole space is 2^127', midpoint({ start: 0n, end: MAX }), TWO_127],
    ['the middle of the top two keys is 2^128 − 1', midpoint({ start: MAX - 1n, end: MAX }), MAX],
    ['a single-key range has no middle', midpoint({ start: MAX, end: MAX }), undefined],
    ['even boundaries of 3 are ⌊k·2^128/3⌋', evenBoundaries(3)[1]!, (2n * HASH_SPACE) / 3n],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });

  it.each([
    ['a split at the first key would leave an empty child', { start: 0n, end: MAX }, 0n, false],
    ['a split at the last key leaves a one-key upper child', { start: 0n, end: MAX }, MAX, true],
    ['a split past the range is refused', { start: 0n, end: TWO_127 - 1n }, TWO_127, false],
    ['a split at 2^127 of the whole space is fine', { start: 0n, end: MAX }, TWO_127, true],
  ])('%s', (_name, range, key, ok) => {
    expect(isValidSplitPoint(range, key)).toBe(ok);
  });

  it.each([
    ['ranges that touch are adjacent', { start: 0n, end: 9n }, { start: 10n, end: 20n }, true],
    ['order does not matter', { start: 10n, end: 20n }, { start: 0n, end: 9n }, true],
    ['a one-key gap is not adjacent', { start: 0n, end: 9n }, { start: 11n, end: 20n }, false],
    ['overlapping ranges are not adjacent', { start: 0n, end: 10n }, { start: 10n, end: 20n }, false],
  ])('%s', (_name, a, b, expected) => {
    expect(areAdjacent(a, b)).toBe(expected);
  });

  it.each([
    ['the whole space is a share of 1', { start: 0n, end: MAX }, 1],
    ['half the space is 0.5', { start: TWO_127, end: MAX }, 0.5],
    ['one key is a share of ~0', { start: 5n, end: 5n }, 0],
  ])('%s', (_name, range, share) => {
    expect(shareOf(range)).toBeCloseTo(share, 12);
  });
});

describe('partition key → hash key (MD5, big-endian)', () => {
  // Expected digests computed independently (Python hashlib.md5).
  it.each([
    ['the empty string', '', 'd41d8cd98f00b204e9800998ecf8427e'],
    ["'a'", 'a', '0cc175b9c0f1b6a831c399e269772661'],
    ["'customer-42'", 'customer-42', 'cd8e59ee8a860085890d6eac45cd29b0'],
    ["'é' hashes its two UTF-8 bytes", 'é', '66ddcd97cfdeabb2f6fb8a999b4bc76f'],
  ])('%s', (_name, key, hex) => {
    expect(partitionKeyToHashKey(key)).toBe(BigInt(`0x${hex}`));
  });

  it.each([
    ['0 parses', '0', 0n],
    ['2^128 − 1 parses', MAX.toString(), MAX],
    ['2^128 is out of range', HASH_SPACE.toString(), null],
    ['a negative key is refused', '-1', null],
    ['hex is refused', '0x10', null],
    ['an empty value is refused', '', null],
  ])('%s', (_name, raw, expected) => {
    expect(parseHashKey(raw)).toBe(expected);
  });
});

describe('coverage and evenness', () => {
  it.each([
    ['even ranges cover the space exactly', evenRanges(10), 0, 0],
    ['a missing top key is a gap', [{ start: 0n, end: MAX - 1n }], 1, 0],
    ['a missing 0 is a gap', [{ start: 1n, end: MAX }], 1, 0],
    ['two ranges sharing a key overlap', [{ start: 0n, end: 10n }, { start: 10n, end: MAX }], 0, 1],
  ])('%s', (_name, ranges, gaps, overlaps) => {
    const report = checkCoverage(ranges);
    expect([report.gaps.length, report.overlaps.length]).toEqual([gaps, overlaps]);
  });

  it.each([
    ['10 even shards are all even', evenRanges(10), 0],
    ["kinesis-local's 6 → 10 leaves all 10 shards off by more than 1 %", kinesisLocal6to10(), 10],
    ['40/60 leaves both off', mapOf(40), 2],
    ['49.8/50.2 is within 1 %', mapOf(49.8), 0],
  ])('%s', (_name, ranges, uneven) => {
    expect(unevenShards(ranges)).toHaveLength(uneven);
  });

  it('reads an SDK shard: hash keys as BigInt, open when there is no ending sequence number', () => {
    const r = toShardRange({ ShardId: 'shardId-000000000007', ParentShardId: 'shardId-000000000002', HashKeyRange: { StartingHashKey: '0', EndingHashKey: MAX.toString() }, SequenceNumberRange: {} });
    expect(r).toEqual({ shardId: 'shardId-000000000007', parentShardId: 'shardId-000000000002', start: 0n, end: MAX, open: true });
  });
});

describe('rebalance plans (fewest SplitShard/MergeShards calls)', () => {
  it.each([
    ['an even map needs no call', evenRanges(8), 8, 0],
    ['a map within 1 % needs no call', mapOf(25.1, 49.9, 75.05), 4, 0],
    ['40/60 needs one split and one merge', mapOf(40), 2, 2],
    ["kinesis-local's 6 → 10 map needs 16 calls (only the 50 % boundary can stay)", kinesisLocal6to10(), 10, 16],
    ['3 even shards to 4 even shards keeps none of the boundaries but adds one: 2 merges + 3 splits', evenRanges(3), 4, 5],
    ['2 even shards to 4 keeps the middle: 2 splits', evenRanges(2), 4, 2],
  ])('%s', (_name, open, n, calls) => {
    const ops = planRebalance(open, n);
    expect(ops).toHaveLength(calls);
    expect(allWithin(applyOps(open, ops), n)).toBe(true);
  });

  it('splits before it merges, so capacity never drops below the starting count', () => {
    const ops = planRebalance(kinesisLocal6to10(), 10);
    let count = 10;
    for (const op of ops) {
      count += op.type === 'split' ? 1 : -1;
      expect(count).toBeGreaterThanOrEqual(10);
    }
  });

  it('is resumable: after any prefix of the plan, re-planning the same count plans exactly the rest', () => {
    const open = kinesisLocal6to10();
    const ops = planRebalance(open, 10);
    for (let done = 0; done <= ops.length; done++) {
      const now = applyOps(open, ops.slice(0, done));
      const rest = planRebalance(now, 10);
      expect(rest.length, `after ${done} calls`).toBe(ops.length - done);
      expect(allWithin(applyOps(now, rest), 10)).toBe(true);
    }
  });

  it('keeps the boundaries already even (20 %, 40 %) and replaces the others pairwise from the low end', () => {
    const open = mapOf(10, 20, 33, 40);
    const even = evenBoundaries(5);
    expect(planRebalance(open, 5)).toEqual([
      { type: 'split', at: even[2]! },
      { type: 'merge', boundary: at(10) },
      { type: 'split', at: even[3]! },
      { type: 'merge', boundary: at(33) },
    ]);
  });
});

describe('count changes when UpdateShardCount misses', () => {
  it.each([
    ["kinesis-local's uneven 3 → 2 then 1: one merge", mapOf(100 * (2 / 3)), 1, ['merge']],
    ['3 → 5: split the two largest halves', evenRanges(3), 5, ['split', 'split']],
    ['same count: nothing', evenRanges(4), 4, []],
  ])('%s', (_name, open, target, kinds) => {
    const ops = planCountChange(open, target);
    expect(ops.map((o) => o.type)).toEqual(kinds);
    expect(applyOps(open, ops)).toHaveLength(target);
  });

  it('refuses a merge where no two shards meet', () => {
    expect(() => applyOps(evenRanges(2), [{ type: 'merge', boundary: 5n }])).toThrow(/adjacent/);
  });
});
