import { describe, expect, it } from 'vitest';
import { HASH_SPACE, evenRanges, partitionKeyToHashKey, type ShardRange } from '../../src/core/hash-range.js';
import { checkBudget, planAuto, planShardCountSteps, reshardGenerations, utilization, type KeyLoad, type LineageShard } from '../../src/core/reshard-plan.js';
import { planReshard, replanCountSteps, replanMissedCount, resolveOp, streamModeStep, verifyOp } from '../../src/core/reshard-steps.js';

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

describe('the reshard plan as data (steps and the predicted map)', () => {
  const S = 'orders';
  const closed = (r: ShardRange): ShardRange => ({ ...r, open: false });

  it('--to 10 on 3 shards plans 3 → 6 → 10 with UNIFORM_SCALING and predicts 10 even shards', () => {
    const plan = planReshard({ stream: S, mode: { kind: 'to', target: 10, switchToProvisioned: false }, shards: shards(3), budgetSpent: { spent: 0, method: 'test' } });
    expect(plan.steps.map((s) => [s.call, s.params.TargetShardCount, s.description])).toEqual([
      ['UpdateShardCount', 6, '3 → 6 shards'],
      ['UpdateShardCount', 10, '6 → 10 shards'],
    ]);
    expect(plan.after).toEqual(evenRanges(10));
    expect(plan.budget).toMatchObject({ spent: 0, planned: 2, fits: true, method: 'test' });
  });

  it('--to beyond the remaining budget is refused with exit 1, naming the steps and what is left', () => {
    expect(() => planReshard({ stream: S, mode: { kind: 'to', target: 16, switchToProvisioned: false }, shards: shards(2), budgetSpent: { spent: 8, method: 'test' } })).toThrow(
      expect.objectContaining({ exitCode: 1, message: expect.stringMatching(/3 UpdateShardCount calls \(2 → 4 → 8 → 16\).*only 2 of the 10/) }),
    );
  });

  it('--split at the middle names the shard; a merge of the two new halves would name "(new shard)"', () => {
    const open = shards(2);
    const plan = planReshard({ stream: S, mode: { kind: 'split', shardId: open[0]!.shardId }, shards: open });
    const mid = open[0]!.start + (open[0]!.end - open[0]!.start + 1n) / 2n;
    expect(plan.steps).toEqual([
      { call: 'SplitShard', params: { StreamName: S, ShardToSplit: open[0]!.shardId, NewStartingHashKey: mid.toString() }, description: expect.stringMatching(/^shardId-000000000000 \(50\.00 %\) at \d+ \(25\.00 % of the key space\)$/), op: { type: 'split', at: mid } },
    ]);
    expect(plan.after.map((r) => ('shardId' in r ? r.shardId : null))).toEqual([null, null, open[1]!.shardId]);
  });

  it.each([
    ['two shards that do not touch', (o: ShardRange[]) => ({ kind: 'merge' as const, shardA: o[0]!.shardId, shardB: o[2]!.shardId }), /not adjacent/],
    ['a closed shard', (o: ShardRange[]) => ({ kind: 'merge' as const, shardA: 'shardId-000000000009', shardB: o[1]!.shardId }), /closed/],
    ['an unknown shard', (o: ShardRange[]) => ({ kind: 'split' as const, shardId: `${o[0]!.shardId}9` }), /no shard/],
    ['a split point outside the shard', (o: ShardRange[]) => ({ kind: 'split' as const, shardId: o[0]!.shardId, at: o[2]!.start }), /--at: .* is not a valid split point/],
  ])('names the flag and exits 2 for %s', (_name, mode, message) => {
    const open = shards(3);
    const all = [...open, closed({ ...open[0]!, shardId: 'shardId-000000000009' })];
    expect(() => planReshard({ stream: S, mode: mode(open), shards: all })).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(message) }));
  });

  it('an on-demand stream: --to with --switch-to-provisioned starts with UpdateStreamMode, anything else is refused', () => {
    const to = { kind: 'to' as const, target: 4, switchToProvisioned: true };
    expect(streamModeStep(S, to, { onDemand: true, streamArn: 'arn:x' })).toMatchObject({ call: 'UpdateStreamMode', params: { StreamARN: 'arn:x', StreamMode: 'PROVISIONED' } });
    expect(streamModeStep(S, to, { onDemand: false })).toBeUndefined();
    expect(() => streamModeStep(S, { ...to, switchToProvisioned: false }, { onDemand: true })).toThrow(expect.objectContaining({ exitCode: 1, hint: expect.stringMatching(/--switch-to-provisioned/) }));
    expect(() => streamModeStep(S, { kind: 'rebalance' }, { onDemand: true })).toThrow(/on-demand/);
  });

  it('after UpdateStreamMode the count steps are planned again from the open count on-demand left', () => {
    const first = streamModeStep(S, { kind: 'to', target: 8, switchToProvisioned: true }, { onDemand: true, streamArn: 'arn:x' })!;
    const plan = planReshard({ stream: S, mode: { kind: 'to', target: 8, switchToProvisioned: true }, shards: shards(4), first, budgetSpent: { spent: 0, method: 'test' } });
    expect(plan.steps.map((s) => s.description)).toEqual([first.description, '4 → 8 shards']);
    const again = replanCountSteps(plan, 0, 3, 8, S);
    expect(again.steps.map((s) => s.description)).toEqual([first.description, '3 → 6 shards', '6 → 8 shards']);
    expect(plan.steps).toHaveLength(2); // the plan it started from is unchanged
  });

  it('after a missed UpdateShardCount the fix is planned from the map ListShards shows, before the rest of the plan', () => {
    const plan = planReshard({ stream: S, mode: { kind: 'to', target: 1, switchToProvisioned: false }, shards: shards(4), budgetSpent: { spent: 0, method: 'test' } });
    expect(plan.steps.map((s) => s.target)).toEqual([2, 1]);
    // the first call left 3 shards instead of 2: one MergeShards completes it, then 2 → 1 as planned
    const seen = [shards(4)[0]!, shards(4)[1]!, { ...shards(2)[1]!, shardId: 'shardId-000000000005' }];
    const again = replanMissedCount(plan, 0, seen, S);
    expect(again.steps.map((s) => [s.call, s.note ?? ''])).toEqual([
      ['UpdateShardCount', ''],
      ['MergeShards', 'completes the missed UpdateShardCount to 2'],
      ['UpdateShardCount', ''],
    ]);
    expect(again.steps[1]!.params).toEqual({ StreamName: S, ShardToMerge: 'shardId-000000000000', AdjacentShardToMerge: 'shardId-000000000001' });
    expect(plan.steps).toHaveLength(2);
  });

  it('a planned op resolves to the ids the live map has, and is verified against it', () => {
    const open = shards(2);
    expect(resolveOp({ type: 'merge', boundary: open[1]!.start }, open, S)).toEqual({ call: 'MergeShards', params: { StreamName: S, ShardToMerge: open[0]!.shardId, AdjacentShardToMerge: open[1]!.shardId } });
    expect(() => resolveOp({ type: 'merge', boundary: 5n }, open, S)).toThrow(/the shard map changed/);
    expect(() => verifyOp({ type: 'split', at: 5n }, open, S)).toThrow(/does not show the change/);
    expect(() => verifyOp({ type: 'merge', boundary: 5n }, open, S)).not.toThrow();
  });
});
