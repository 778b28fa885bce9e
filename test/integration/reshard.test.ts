/**
 * `cdcpipe reshard` against kinesis-local, running the built binary. Every outcome is checked with
 * ListShards, not with what the command says about itself.
 */
import { describe, expect, inject, it } from 'vitest';
import { CreateStreamCommand, DescribeStreamSummaryCommand, ListTagsForStreamCommand, type Shard } from '@aws-sdk/client-kinesis';
import {
  createStream,
  kinesisClient,
  listShards,
  openShards,
  putRecords,
  runCli,
  uniqueStreamName,
  updateShardCount,
  waitActive,
} from '../helpers/kinesis.js';
import { checkCoverage, deviationFromEven, partitionKeyToHashKey, toShardRange } from '../../src/core/hash-range.js';

const endpoint = inject('kinesisEndpoint');
const client = kinesisClient(endpoint);
const reshard = (stream: string, args: string[], env: Record<string, string> = {}) => runCli(['reshard', stream, ...args], { endpoint, env, timeoutMs: 90_000 });
const json = (stdout: string) => JSON.parse(stdout) as {
  schemaVersion: number;
  stream: string;
  dryRun: boolean;
  before: { shardId: string | null; keySpacePct: number; utilization?: number }[];
  after: { shardId: string | null; keySpacePct: number; utilization?: number }[];
  steps: { call: string; status: string; params: Record<string, string | number> }[];
  uneven: unknown[];
  calls: Record<string, number>;
  budget?: { spent: number; planned: number; remaining: number };
  complete: boolean;
};

function assertValidMap(all: Shard[]): void {
  const open = openShards(all).map(toShardRange);
  const coverage = checkCoverage(open);
  expect(coverage.gaps, 'gaps in the open key space').toEqual([]);
  expect(coverage.overlaps, 'overlaps in the open key space').toEqual([]);
  const ids = new Set(all.map((s) => s.ShardId));
  for (const s of all) {
    // every recorded parent exists (the stream is younger than its retention, so nothing has expired)
    if (s.ParentShardId) expect(ids.has(s.ParentShardId), `${s.ShardId}'s parent ${s.ParentShardId}`).toBe(true);
    if (s.AdjacentParentShardId) expect(ids.has(s.AdjacentParentShardId)).toBe(true);
    // every closed shard has children that record it as a parent
    if (s.SequenceNumberRange?.EndingSequenceNumber) {
      expect(all.some((c) => c.ParentShardId === s.ShardId || c.AdjacentParentShardId === s.ShardId), `children of closed ${s.ShardId}`).toBe(true);
    }
  }
}

const allWithinOnePercent = (all: Shard[], n: number) => {
  const open = openShards(all).map(toShardRange);
  return open.length === n && open.every((r) => deviationFromEven(r, n) <= 0.01);
};

describe('reshard --to', () => {
  it('3 → 10 takes 2 UpdateShardCount calls, keeps lineage and coverage; --rebalance then leaves 10 × 10 % ± 1 %', async () => {
    const s = uniqueStreamName('rs-to');
    await createStream(client, s, 3);
    const to = await reshard(s, ['--to', '10', '--yes', '--json']);
    expect(to.code, to.stderr).toBe(0);
    const doc = json(to.stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.steps.map((x) => [x.call, x.params.TargetShardCount, x.status])).toEqual([
      ['UpdateShardCount', 6, 'done'],
      ['UpdateShardCount', 10, 'done'],
    ]);
    expect(doc.calls.UpdateShardCount).toBe(2);
    expect(doc.budget).toMatchObject({ spent: 0, planned: 2 });
    let all = await listShards(client, s);
    expect(openShards(all)).toHaveLength(10);
    assertValidMap(all);
    // kinesis-local's 6 → 10 splits only four shards: the command must notice and say so.
    expect(doc.uneven.length).toBeGreaterThan(0);

    const human = await reshard(s, ['--rebalance', '--dry-run']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/rebalance — 16 call\(s\) planned/);

    const rb = await reshard(s, ['--rebalance', '--yes', '--json']);
    expect(rb.code, rb.stderr).toBe(0);
    const rbDoc = json(rb.stdout);
    all = await listShards(client, s);
    assertValidMap(all);
    expect(allWithinOnePercent(all, 10)).toBe(true);
    expect(rbDoc.uneven).toEqual([]);
    expect(rbDoc.after.map((r) => r.keySpacePct)).toEqual(Array(10).fill(10));
    expect((rbDoc.calls.SplitShard ?? 0) + (rbDoc.calls.MergeShards ?? 0)).toBe(rbDoc.steps.length);

    // the budget now counts the generations created today
    const again = await reshard(s, ['--to', '20', '--dry-run', '--json']);
    expect(json(again.stdout).budget!.spent).toBeGreaterThanOrEqual(2);
  });

  it('a plan beyond the remaining daily budget exits 1 and explains; nothing changes', async () => {
    const s = uniqueStreamName('rs-budget');
    await createStream(client, s, 2);
    const before = await listShards(client, s);
    const res = await reshard(s, ['--to', '16', '--budget-used', '8', '--yes']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/3 UpdateShardCount calls \(2 → 4 → 8 → 16\).*only 2 of the 10/);
    expect(await listShards(client, s)).toEqual(before);
  });

  it('a missed target (kinesis-local ignores 2 → 1 after an uneven 3 → 2) is completed with MergeShards', async () => {
    const s = uniqueStreamName('rs-miss');
    await createStream(client, s, 3);
    expect((await reshard(s, ['--to', '2', '--yes'])).code).toBe(0);
    const res = await reshard(s, ['--to', '1', '--yes', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const doc = json(res.stdout);
    expect(doc.steps.map((x) => [x.call, x.status])).toEqual([
      ['UpdateShardCount', 'missed'],
      ['MergeShards', 'done'],
    ]);
    const all = await listShards(client, s);
    expect(openShards(all)).toHaveLength(1);
    assertValidMap(all);
  });

  it('an on-demand stream is refused, and --switch-to-provisioned switches it before resharding', async () => {
    const s = uniqueStreamName('rs-od');
    await client.send(new CreateStreamCommand({ StreamName: s, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    await waitActive(client, s);
    const refused = await reshard(s, ['--to', '8', '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/on-demand/);
    expect(refused.stderr).toMatch(/--switch-to-provisioned/);
    const rebalance = await reshard(s, ['--rebalance', '--yes']);
    expect(rebalance.code).toBe(1);
    expect(rebalance.stderr).toMatch(/on-demand/);

    const switched = await reshard(s, ['--to', '8', '--switch-to-provisioned', '--yes', '--json']);
    expect(switched.code, switched.stderr).toBe(0);
    expect(json(switched.stdout).steps[0]).toMatchObject({ call: 'UpdateStreamMode', status: 'done' });
    const summary = (await client.send(new DescribeStreamSummaryCommand({ StreamName: s }))).StreamDescriptionSummary!;
    expect(summary.StreamModeDetails?.StreamMode).toBe('PROVISIONED');
    expect(openShards(await listShards(client, s))).toHaveLength(8);
  });
});

describe('reshard --split / --merge', () => {
  it('splits at the middle and at a partition key, merges adjacent shards, refuses non-adjacent or closed ones with exit 2', async () => {
    const s = uniqueStreamName('rs-sm');
    await createStream(client, s, 2);
    const [low, high] = openShards(await listShards(client, s)).map(toShardRange).sort((a, b) => (a.start < b.start ? -1 : 1));

    const mid = await reshard(s, ['--split', low!.shardId, '--yes', '--json']);
    expect(mid.code, mid.stderr).toBe(0);
    expect(json(mid.stdout).calls.SplitShard).toBe(1);
    let open = openShards(await listShards(client, s)).map(toShardRange);
    const middle = low!.start + (low!.end - low!.start + 1n) / 2n;
    expect(open.some((r) => r.start === middle)).toBe(true);

    const byKey = await reshard(s, ['--split', high!.shardId, '--at-key', 'customer-42', '--yes']);
    expect(byKey.code, byKey.stderr).toBe(0);
    open = openShards(await listShards(client, s)).map(toShardRange);
    expect(open.some((r) => r.start === partitionKeyToHashKey('customer-42'))).toBe(true);
    expect(open).toHaveLength(4);

    const sorted = open.sort((a, b) => (a.start < b.start ? -1 : 1));
    const nonAdjacent = await reshard(s, ['--merge', sorted[0]!.shardId, sorted[2]!.shardId, '--yes']);
    expect(nonAdjacent.code).toBe(2);
    expect(nonAdjacent.stderr).toMatch(/not adjacent/);
    const closed = await reshard(s, ['--merge', low!.shardId, sorted[1]!.shardId, '--yes']);
    expect(closed.code).toBe(2);
    expect(closed.stderr).toMatch(/closed/);
    const badAt = await reshard(s, ['--split', sorted[0]!.shardId, '--at', sorted[3]!.start.toString(), '--yes']);
    expect(badAt.code).toBe(2);
    expect(badAt.stderr).toMatch(/--at: .* is not a valid split point/);

    const merged = await reshard(s, ['--merge', sorted[1]!.shardId, sorted[0]!.shardId, '--yes', '--json']);
    expect(merged.code, merged.stderr).toBe(0);
    expect(json(merged.stdout).calls.MergeShards).toBe(1);
    const all = await listShards(client, s);
    expect(openShards(all)).toHaveLength(3);
    expect(openShards(all).map(toShardRange).some((r) => r.start === 0n && r.end === low!.end)).toBe(true);
    assertValidMap(all);
  });
});

describe('reshard --rebalance', () => {
  it('an interrupted rebalance of a deliberately uneven stream (server-side 6 → 10) completes when re-run', async () => {
    const s = uniqueStreamName('rs-rb');
    await createStream(client, s, 6);
    await updateShardCount(client, s, 10); // kinesis-local splits only 4 of the 6 shards
    expect(allWithinOnePercent(await listShards(client, s), 10)).toBe(false);

    const plan = json((await reshard(s, ['--rebalance', '--dry-run', '--json'])).stdout);
    const stopped = await reshard(s, ['--rebalance', '--yes', '--json'], { CDCPIPE_TEST_STOP_AFTER_CALLS: '3' });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/stopped after 3/);
    // interrupted after a split: 11 shards open, and the stream remembers the target count
    expect(openShards(await listShards(client, s))).toHaveLength(11);
    const tags = await client.send(new ListTagsForStreamCommand({ StreamName: s }));
    expect(tags.Tags).toContainEqual({ Key: 'cdcpipe:rebalance-target', Value: '10' });

    const resumed = await reshard(s, ['--rebalance', '--yes', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const doc = json(resumed.stdout);
    expect(doc.steps).toHaveLength(plan.steps.length - 3);
    const all = await listShards(client, s);
    assertValidMap(all);
    expect(allWithinOnePercent(all, 10)).toBe(true);
    expect((await client.send(new ListTagsForStreamCommand({ StreamName: s }))).Tags).toEqual([]);

    const noop = await reshard(s, ['--rebalance', '--yes', '--json']);
    expect(json(noop.stdout).steps).toEqual([]);
  });
});

describe('every mode', () => {
  it('--dry-run leaves ListShards identical; without a terminal and without --yes it exits 2 naming --yes', async () => {
    const s = uniqueStreamName('rs-dry');
    await createStream(client, s, 3);
    await updateShardCount(client, s, 5);
    const before = await listShards(client, s);
    const open = openShards(before).map(toShardRange).sort((a, b) => (a.start < b.start ? -1 : 1));
    for (const args of [['--to', '12'], ['--rebalance'], ['--split', open[0]!.shardId], ['--merge', open[0]!.shardId, open[1]!.shardId]]) {
      const res = await reshard(s, [...args, '--dry-run', '--json']);
      expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(0);
      const doc = json(res.stdout);
      expect(doc.dryRun).toBe(true);
      expect(doc.steps.length).toBeGreaterThan(0);
      expect(doc.before).toHaveLength(5);
      expect(doc.calls).not.toHaveProperty('SplitShard');
      expect(doc.calls).not.toHaveProperty('UpdateShardCount');
    }
    const noYes = await reshard(s, ['--rebalance']);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toMatch(/--yes/);
    expect(await listShards(client, s)).toEqual(before);
  });

  it('bad flags exit 2 naming the flag', async () => {
    const s = uniqueStreamName('rs-flags');
    for (const [args, pattern] of [
      [['--to', '0'], /--to/],
      [['--to', '3', '--rebalance'], /exactly one of/],
      [['--at', '5'], /exactly one of/],
      [['--split', 'shardId-000000000000', '--at', '-1'], /--at/],
      [['--auto', '--target-utilization', '1.5'], /--target-utilization/],
      [['--merge', 'shardId-000000000000'], /--merge/],
    ] as const) {
      const res = await reshard(s, [...args]);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr).toMatch(pattern);
    }
  });

  it('--auto --sample measures partition-key load from the stream and cuts the hot shard between keys, at load quantiles', async () => {
    const s = uniqueStreamName('rs-auto');
    await createStream(client, s, 2);
    const [low, high] = openShards(await listShards(client, s)).map(toShardRange).sort((a, b) => (a.start < b.start ? -1 : 1));
    // 40 keys that all hash into the low shard, 25 records each (equal load per key); the high shard stays idle.
    // (Kept small: kinesis-local takes seconds per 500-record PutRecords on a busy machine.)
    const keys = Array.from({ length: 400 }, (_, i) => `k${i}`).filter((k) => partitionKeyToHashKey(k) <= low!.end).slice(0, 40);
    await putRecords(client, s, keys.flatMap((k) => Array.from({ length: 25 }, () => ({ partitionKey: k, data: 'x' }))));
    const off = await reshard(s, ['--auto', '--dry-run']);
    expect(off.code).toBe(1);
    expect(off.stderr).toMatch(/enhanced monitoring/);
    expect(off.stderr).toMatch(/--sample/);

    // The window is clamped to the stream's age, so the rate depends on how fast this (shared) machine is:
    // the assertions below hold for any rate, i.e. for any number of pieces the hot shard is cut into.
    const res = await reshard(s, ['--auto', '--sample', '10m', '--target-utilization', '0.001', '--dry-run', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const doc = json(res.stdout);
    expect(doc.calls.GetRecords).toBeGreaterThan(0);
    expect(doc.before[0]!.utilization).toBeGreaterThan(0.001); // ≥ 1,000 records in ≤ 600 s, whatever the machine's speed
    expect(doc.before[1]!.utilization).toBe(0);
    expect(doc.steps.length).toBeGreaterThan(0);
    expect(doc.steps.every((x) => x.call === 'SplitShard')).toBe(true);
    const cuts = doc.steps.map((x) => BigInt(x.params.NewStartingHashKey!));
    expect(cuts.every((c) => c > low!.start && c <= low!.end && c < high!.start)).toBe(true);
    // equal load per key: every piece holds the same number of keys, give or take one
    const hashes = keys.map(partitionKeyToHashKey);
    const bounds = [low!.start, ...cuts, low!.end + 1n];
    const perPiece = bounds.slice(1).map((hi, i) => hashes.filter((h) => h >= bounds[i]! && h < hi).length);
    expect(perPiece.reduce((a, b) => a + b, 0)).toBe(40);
    expect(Math.max(...perPiece) - Math.min(...perPiece)).toBeLessThanOrEqual(1);
    expect(Math.max(...doc.after.map((r) => r.utilization ?? 0))).toBeLessThan(doc.before[0]!.utilization!);
  });
});
