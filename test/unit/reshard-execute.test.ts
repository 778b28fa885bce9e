/**
 * The reshard service end to end on a FAKE Kinesis: a few methods of the narrow KinesisApi over an
 * in-memory shard map (no SDK), so the test can make UpdateShardCount do nothing, as kinesis-local does
 * for 2 → 1 after an uneven 3 → 2. The same paths run against kinesis-local in
 * test/integration/reshard.test.ts; this one checks the calls, the prompt and the re-plan exactly.
 */
import { describe, expect, it } from 'vitest';
import type { Shard } from '@aws-sdk/client-kinesis';
import type { KinesisApi } from '../../src/aws/api/kinesis.js';
import type { CloudWatchApi } from '../../src/aws/api/cloudwatch.js';
import { evenRanges } from '../../src/core/hash-range.js';
import { AbortError } from '../../src/errors.js';
import { SILENT_HOST, type Host } from '../../src/services/host.js';
import { runReshard, type ReshardOptions } from '../../src/services/reshard.js';

const STREAM = 'orders';
const NOW = new Date('2026-11-27T10:00:00Z');

class FakeKinesis {
  shards: Shard[] = [];
  tags: Record<string, string> = {};
  sent: string[] = [];
  ignoreUpdateShardCount = false;
  private next = 0;

  constructor(ranges: { start: bigint; end: bigint }[]) {
    for (const r of ranges) this.add(r.start, r.end);
  }

  api(): KinesisApi {
    const api: Partial<KinesisApi> = {
      describeStreamSummary: async () => ({
        $metadata: {},
        StreamDescriptionSummary: {
          StreamName: STREAM,
          StreamARN: `arn:aws:kinesis:us-east-1:123456789012:stream/${STREAM}`,
          StreamStatus: 'ACTIVE',
          StreamModeDetails: { StreamMode: 'PROVISIONED' },
          RetentionPeriodHours: 24,
          StreamCreationTimestamp: new Date(NOW.getTime() - 3_600_000),
          EnhancedMonitoring: [],
          OpenShardCount: this.open().length,
        },
      }),
      listShards: async () => ({ $metadata: {}, Shards: structuredClone(this.shards) }),
      listTagsForStream: async () => ({ $metadata: {}, Tags: Object.entries(this.tags).map(([Key, Value]) => ({ Key, Value })), HasMoreTags: false }),
      addTagsToStream: async (input) => {
        Object.assign(this.tags, input.Tags);
        return { $metadata: {} };
      },
      removeTagsFromStream: async (input) => {
        for (const k of input.TagKeys ?? []) delete this.tags[k];
        return { $metadata: {} };
      },
      updateShardCount: async (input) => {
        this.sent.push(`UpdateShardCount ${input.TargetShardCount}`);
        if (!this.ignoreUpdateShardCount) {
          const old = this.open();
          for (const s of old) this.close(s);
          for (const r of evenRanges(input.TargetShardCount!)) this.add(r.start, r.end, old[0]!.ShardId);
        }
        return { $metadata: {} };
      },
      splitShard: async (input) => {
        this.sent.push(`SplitShard ${input.ShardToSplit}`);
        const s = this.byId(input.ShardToSplit!);
        this.close(s);
        const at = BigInt(input.NewStartingHashKey!);
        this.add(BigInt(s.HashKeyRange!.StartingHashKey!), at - 1n, s.ShardId);
        this.add(at, BigInt(s.HashKeyRange!.EndingHashKey!), s.ShardId);
        return { $metadata: {} };
      },
      mergeShards: async (input) => {
        this.sent.push(`MergeShards ${input.ShardToMerge} ${input.AdjacentShardToMerge}`);
        const a = this.byId(input.ShardToMerge!);
        const b = this.byId(input.AdjacentShardToMerge!);
        this.close(a);
        this.close(b);
        this.add(BigInt(a.HashKeyRange!.StartingHashKey!), BigInt(b.HashKeyRange!.EndingHashKey!), a.ShardId, b.ShardId);
        return { $metadata: {} };
      },
    };
    return api as KinesisApi;
  }

  open(): Shard[] {
    return this.shards.filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber);
  }

  private byId(id: string): Shard {
    return this.open().find((s) => s.ShardId === id)!;
  }

  private close(s: Shard): void {
    s.SequenceNumberRange!.EndingSequenceNumber = '9';
  }

  private add(start: bigint, end: bigint, parent?: string, adjacent?: string): void {
    this.shards.push({
      ShardId: `shardId-${String(this.next++).padStart(12, '0')}`,
      HashKeyRange: { StartingHashKey: start.toString(), EndingHashKey: end.toString() },
      SequenceNumberRange: { StartingSequenceNumber: '1' },
      ...(parent ? { ParentShardId: parent } : {}),
      ...(adjacent ? { AdjacentParentShardId: adjacent } : {}),
    });
  }
}

const noCloudWatch = async (): Promise<CloudWatchApi> => {
  throw new Error('reshard --to and --rebalance never read CloudWatch');
};

/** A Host that records what it was told and asked, answering `answer`. */
function recordingHost(answer: boolean) {
  const log: string[] = [];
  const host: Host = {
    ...SILENT_HOST,
    info: (t) => void log.push(`info: ${t}`),
    warn: (t) => void log.push(`warn: ${t}`),
    confirm: async (question, opts) => {
      log.push(`confirm: ${question} (yes flag ${opts.yesFlag})`);
      return answer;
    },
  };
  return { host, log };
}

const run = (fake: FakeKinesis, options: Partial<ReshardOptions>, host: Host = SILENT_HOST) =>
  runReshard({ stream: STREAM, mode: { kind: 'rebalance' }, dryRun: false, now: NOW, ...options }, { kinesis: async () => fake.api(), cloudwatch: noCloudWatch }, host);

describe('reshard service on a fake Kinesis', () => {
  it('shows the plan, asks once, and completes a missed UpdateShardCount with MergeShards planned from ListShards', async () => {
    // 2 uneven shards (2/3 + 1/3), as kinesis-local leaves them after 3 → 2; it then ignores 2 → 1.
    const fake = new FakeKinesis([{ start: 0n, end: evenRanges(3)[1]!.end }, evenRanges(3)[2]!]);
    fake.ignoreUpdateShardCount = true;
    const { host, log } = recordingHost(true);
    const result = await run(fake, { mode: { kind: 'to', target: 1, switchToProvisioned: false }, planText: (p) => `PLAN ${p.steps.length}` }, host);
    expect(log.slice(0, 2)).toEqual(['info: PLAN 1', "confirm: Run these 1 call(s) on 'orders'? (yes flag false)"]);
    expect(fake.sent).toEqual(['UpdateShardCount 1', 'MergeShards shardId-000000000000 shardId-000000000001']);
    expect(result.steps.map((s) => [s.call, s.status, s.note ?? ''])).toEqual([
      ['UpdateShardCount', 'missed', 'UpdateShardCount returned, but 2 shards are open instead of 1'],
      ['MergeShards', 'done', 'completes the missed UpdateShardCount to 1'],
    ]);
    expect(result.warnings).toEqual(['UpdateShardCount returned, but 2 shards are open instead of 1']);
    expect(log).toContain('warn: UpdateShardCount returned, but 2 shards are open instead of 1');
    expect(result.after).toHaveLength(1);
    expect(result.complete).toBe(true);
    // one DescribeStreamSummary to start plus one per settle; one ListShards for the plan plus one per settle
    expect(result.calls).toEqual({ DescribeStreamSummary: 3, ListShards: 3, UpdateShardCount: 1, MergeShards: 1 });
  });

  it('a "no" at the prompt is an AbortError and changes nothing', async () => {
    const fake = new FakeKinesis(evenRanges(2));
    const { host } = recordingHost(false);
    await expect(run(fake, { mode: { kind: 'to', target: 4, switchToProvisioned: false } }, host)).rejects.toBeInstanceOf(AbortError);
    expect(fake.sent).toEqual([]);
  });

  it('--dry-run never asks; --yes is handed to the host as the yes flag', async () => {
    const fake = new FakeKinesis(evenRanges(2));
    const { host, log } = recordingHost(true);
    const plan = await run(fake, { mode: { kind: 'to', target: 4, switchToProvisioned: false }, dryRun: true }, host);
    expect(plan).toMatchObject({ dryRun: true, complete: false, calls: { DescribeStreamSummary: 1, ListShards: 1 } });
    expect(log.filter((l) => l.startsWith('confirm'))).toEqual([]);
    await run(fake, { mode: { kind: 'to', target: 4, switchToProvisioned: false }, yes: true }, host);
    expect(log.filter((l) => l.startsWith('confirm'))).toEqual(["confirm: Run these 1 call(s) on 'orders'? (yes flag true)"]);
  });

  it('an interrupted --rebalance keeps its target in the stream tag, and the re-run resumes it and removes the tag', async () => {
    const uneven = evenRanges(3);
    const fake = new FakeKinesis([{ start: 0n, end: uneven[0]!.end + 10n ** 36n }, { start: uneven[0]!.end + 10n ** 36n + 1n, end: uneven[2]!.end }]);
    const plan = await run(fake, { dryRun: true });
    expect(plan.steps.length).toBeGreaterThan(1);
    await expect(run(fake, { stopAfterCalls: 1 })).rejects.toThrow(/stopped after 1 changing call/);
    expect(fake.tags).toEqual({ 'cdcpipe:rebalance-target': '2' });
    const { host, log } = recordingHost(true);
    const resumed = await run(fake, {}, host);
    expect(log[0]).toBe('info: resuming a rebalance to 2 shards (stream tag cdcpipe:rebalance-target); 3 shards are open now');
    expect(resumed.steps).toHaveLength(plan.steps.length - 1);
    expect(resumed.uneven).toEqual([]);
    expect(fake.tags).toEqual({});
  });
});
