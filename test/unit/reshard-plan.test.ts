import { describe, expect, it } from 'vitest';
import { HASH_SPACE, evenRanges, partitionKeyToHashKey, type ShardRange } from '../../src/core/hash-range.js';
import { checkBudget, planAuto, planShardCountSteps, reshardGenerations, utilization, type KeyLoad, type LineageShard } from '../../src/core/reshard-plan.js';

describe('UpdateShardCount steps (×2 / ÷2 per call)', () => {
  it.each([
    ['3 → 10 is 3 → 6 → 10', 3, 10, [6, 10]],
    ['10 → 3 is 10 → 5 → 3', 10, 3, [5, 3]],
    ['4 → 8 is one doubling', 4, 8, [8]],
    ['8 → 4 is one halving', 8, 4, [4]],
    ['5 → 3 is allowed in one call (3 ≥ ⌈5/2⌉)', 5, 3, [3]],
    ['10 → 1 halves with rounding up: 5, 3, 2, 1', 10, 1, [5, 3, 2, 1]],
    ['the same count needs no call', 6, 6, []],
    ['1 → 10,000 takes 14 calls (2^14 ≥ 10,000)', 1, 10_000, [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 10_000]],
  ])('%s', (_name, from, to, steps) => {
    expect(planShardCountSteps(from, to)).toEqual(steps);
  });

  it('never more than doubles or goes below half in one step', () => {
    for (const [from, to] of [[3, 1000], [999, 2], [7, 7000]] as const) {
      let cur: number = from;
      for (const next of planShardCountSteps(from, to)) {
        expect(next <= cur * 2 && next >= Math.ceil(cur / 2)).toBe(true);
        cur = next;
      }
      expect(cur).toBe(to);
    }
  });
});

/** Shard lineage as kinesis-local builds it: 3 → 6 (all split) → 10 (shards 3..6 split again, 7 and 8 left alone). */
const lineage3to6to10: LineageShard[] = [
  { shardId: 's0' },
  { shardId: 's1' },
  { shardId: 's2' },
  ...['s3', 's4', 's5', 's6', 's7', 's8'].map((id, i) => ({ shardId: id, parentShardId: `s${Math.floor(i / 2)}` })),
  ...['s9', 's10', 's11', 's12', 's13', 's14', 's15', 's16'].map((id, i) => ({ shardId: id, parentShardId: `s${3 + Math.floor(i / 2)}` })),
];

describe('rolling 24-hour budget: resharding generations', () => {
  it.each([
    ['a fresh stream has spent nothing', [{ shardId: 's0' }, { shardId: 's1' }], ['s0', 's1'], 0],
    ['3 → 6 → 10 is two generations', lineage3to6to10, ['s0', 's1', 's2'], 2],
    ['a merge child counts through its adjacent parent too', [{ shardId: 'a' }, { shardId: 'b', parentShardId: 'a' }, { shardId: 'c' }, { shardId: 'd', parentShardId: 'c', adjacentParentShardId: 'b' }], ['a', 'c'], 2],
    ['shards open when the window began are generation 0', lineage3to6to10, ['s3', 's4', 's5', 's6', 's7', 's8'], 1],
    ['a parent no longer listed (closed before the window) is generation 0', lineage3to6to10.slice(3), ['none'], 2],
  ])('%s', (_name, shards, baseline, generations) => {
    expect(reshardGenerations(shards, new Set(baseline))).toBe(generations);
  });

  it.each([
    ['2 planned with 0 spent fits', 0, 2, true, 10],
    ['2 planned with 8 spent fits exactly', 8, 2, true, 2],
    ['2 planned with 9 spent does not fit', 9, 2, false, 1],
    ['anything planned with 12 counted has 0 left', 12, 1, false, 0],
  ])('%s', (_name, spent, planned, fits, remaining) => {
    expect(checkBudget(spent, planned)).toMatchObject({ fits, remaining, limit: 10 });
  });
});

const shards = (n: number): ShardRange[] => evenRanges(n).map((r, i) => ({ ...r, shardId: `shardId-${String(i).padStart(12, '0')}`, open: true }));
const mib = 1024 * 1024;

describe('--auto plan from per-shard load', () => {
  it.each([
    ['1 MiB/s is 100 % of a shard', { bytesPerSec: mib, recordsPerSec: 10 }, 1],
    ['500 records/s of tiny records is 50 %', { bytesPerSec: 500, recordsPerSec: 500 }, 0.5],
    ['the larger of bytes and records binds', { bytesPerSec: 0.3 * mib, recordsPerSec: 900 }, 0.9],
  ])('%s', (_name, load, u) => {
    expect(utilization(load)).toBeCloseTo(u, 6);
  });

  it('a shard at 150 % with target 80 % splits in two at its middle when load is uniform; two idle neighbours merge', () => {
    const open = shards(4);
    const plan = planAuto({
      open,
      loads: new Map([
        [open[0]!.shardId, { bytesPerSec: 1.5 * mib, recordsPerSec: 100 }],
        [open[1]!.shardId, { bytesPerSec: 0.5 * mib, recordsPerSec: 100 }],
        [open[2]!.shardId, { bytesPerSec: 0.1 * mib, recordsPerSec: 10 }],
        [open[3]!.shardId, { bytesPerSec: 0.1 * mib, recordsPerSec: 10 }],
      ]),
      targetUtilization: 0.8,
    });
    expect(plan.hot).toEqual([open[0]!.shardId]);
    expect(plan.coldPairs).toEqual([[open[2]!.shardId, open[3]!.shardId]]);
    expect(plan.ops).toEqual([
      { type: 'split', at: open[0]!.start + (open[0]!.end - open[0]!.start + 1n) / 2n },
      { type: 'merge', boundary: open[3]!.start },
    ]);
    expect(plan.after.map((s) => Number(s.utilization.toFixed(2)))).toEqual([0.75, 0.75, 0.5, 0.2]);
  });

  it('a shard at 250 % splits into 4 pieces (⌈2.5 / 0.8⌉)', () => {
    const open = shards(1);
    const plan = planAuto({ open, loads: new Map([[open[0]!.shardId, { bytesPerSec: 2.5 * mib, recordsPerSec: 0 }]]), targetUtilization: 0.8 });
    expect(plan.ops.filter((o) => o.type === 'split')).toHaveLength(3);
    expect(Math.max(...plan.after.map((s) => s.utilization))).toBeLessThanOrEqual(0.8);
  });

  it('with sampled keys the split falls at the load median, between two keys', () => {
    const open = shards(1);
    // 10 keys; the 3 lowest hash keys carry 1.2 of the 1.3 MiB/s, so the median cut falls after the 2nd key
    // (0.8 | 0.5 MiB/s), far below the middle of the key space.
    const keys: KeyLoad[] = Array.from({ length: 10 }, (_, i) => `k${i}`)
      .map((k) => partitionKeyToHashKey(k))
      .sort((a, b) => (a < b ? -1 : 1))
      .map((hashKey, i) => ({ hashKey, bytesPerSec: i < 3 ? 0.4 * mib : 0.0143 * mib, recordsPerSec: 10 }));
    const total = keys.reduce((a, k) => a + k.bytesPerSec, 0);
    const plan = planAuto({ open, loads: new Map([[open[0]!.shardId, { bytesPerSec: total, recordsPerSec: 100 }]]), keyLoads: keys, targetUtilization: 0.8 });
    const split = plan.ops[0]!;
    expect(split.type).toBe('split');
    const at = (split as { at: bigint }).at;
    expect(at > keys[1]!.hashKey && at <= keys[2]!.hashKey).toBe(true);
    expect(plan.after.map((s) => Number(s.utilization.toFixed(3)))).toEqual([0.8, 0.5]);
  });

  it('a single hot key cannot be spread: the plan says so', () => {
    const open = shards(1);
    const hashKey = partitionKeyToHashKey('hot');
    const plan = planAuto({
      open,
      loads: new Map([[open[0]!.shardId, { bytesPerSec: 1.2 * mib, recordsPerSec: 10 }]]),
      keyLoads: [{ hashKey, bytesPerSec: 1.2 * mib, recordsPerSec: 10 }],
      targetUtilization: 0.8,
    });
    expect(plan.ops).toEqual([]);
    expect(plan.warnings.join()).toMatch(/single partition key/);
  });

  it('a cold pair is two adjacent shards under half the target together; each shard merges once', () => {
    const open = shards(5);
    const idle = new Map(open.map((s) => [s.shardId, { bytesPerSec: 0.05 * mib, recordsPerSec: 0 }]));
    const plan = planAuto({ open, loads: idle, targetUtilization: 0.8 });
    expect(plan.coldPairs).toHaveLength(2);
    expect(plan.after).toHaveLength(3);
    expect(plan.after.reduce((a, s) => a + Number((s.end - s.start + 1n) * 1000n / HASH_SPACE), 0)).toBeGreaterThan(990);
  });
});
