/**
 * The scale targets of issue 8, defended in `npm test` (the benchmark, bench/scale.js, measures the same
 * paths with timings): `cdcpipe lag` on 10,000 shards makes ≤ 21 GetMetricData calls and ≤ 11 ListShards
 * pages, and `cdcpipe reshard --to 10` on 3 shards makes 2 UpdateShardCount calls and ends even.
 * The Kinesis and CloudWatch clients are MOCKS (aws-sdk-client-mock on the client classes, so the real
 * src/aws/clients.ts factory hands them out): a small in-memory stream answers ListShards (≤ 1,000 shards
 * a page, as AWS does), DescribeStreamSummary, UpdateShardCount, and GetMetricData (refusing > 500 queries).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand, ListTagsForStreamCommand, UpdateShardCountCommand, type Shard } from '@aws-sdk/client-kinesis';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { AwsClients } from '../../src/aws/clients.js';
import { collectLag, LagSession } from '../../src/services/lag.js';
import { SILENT_HOST } from '../../src/services/host.js';
import { runReshard } from '../../src/services/reshard.js';
import { deviationFromEven, evenRanges, toShardRange } from '../../src/core/hash-range.js';

const STREAM = 'scale';
const NOW = Date.parse('2026-11-27T10:00:00Z');
const restore: (() => void)[] = [];
afterEach(() => {
  for (const r of restore.splice(0)) r();
});

class SimStream {
  shards: Shard[] = [];
  private next = 0;
  constructor(open: number) {
    for (const r of evenRanges(open)) this.add(r.start, r.end);
  }
  add(start: bigint, end: bigint, parent?: string): void {
    this.shards.push({
      ShardId: `shardId-${String(this.next++).padStart(12, '0')}`,
      HashKeyRange: { StartingHashKey: start.toString(), EndingHashKey: end.toString() },
      SequenceNumberRange: { StartingSequenceNumber: '1' },
      ...(parent ? { ParentShardId: parent } : {}),
    });
  }
  open(): Shard[] {
    return this.shards.filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber);
  }
  updateShardCount(target: number): void {
    const old = this.open();
    for (const s of old) s.SequenceNumberRange!.EndingSequenceNumber = '2';
    for (const r of evenRanges(target)) {
      const parent = old.find((s) => BigInt(s.HashKeyRange!.StartingHashKey!) <= r.start && r.start <= BigInt(s.HashKeyRange!.EndingHashKey!));
      this.add(r.start, r.end, parent?.ShardId);
    }
  }
}

function mockAws(sim: SimStream) {
  const kinesis = mockClient(KinesisClient);
  const cloudwatch = mockClient(CloudWatchClient);
  restore.push(() => kinesis.restore(), () => cloudwatch.restore());
  kinesis.on(ListShardsCommand).callsFake((input: { NextToken?: string; MaxResults?: number }) => {
    const from = input.NextToken ? Number(input.NextToken) : 0;
    const to = Math.min(sim.shards.length, from + Math.min(input.MaxResults ?? 1000, 1000));
    return { Shards: sim.shards.slice(from, to), ...(to < sim.shards.length ? { NextToken: String(to) } : {}) };
  });
  kinesis.on(DescribeStreamSummaryCommand).callsFake(() => ({
    StreamDescriptionSummary: {
      StreamName: STREAM,
      StreamARN: `arn:aws:kinesis:us-east-1:123456789012:stream/${STREAM}`,
      StreamStatus: 'ACTIVE',
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      OpenShardCount: sim.open().length,
      StreamCreationTimestamp: new Date(NOW - 30 * 86_400_000),
      EnhancedMonitoring: [{ ShardLevelMetrics: ['ALL'] }],
    },
  }));
  kinesis.on(ListTagsForStreamCommand).resolves({ Tags: [], HasMoreTags: false });
  kinesis.on(UpdateShardCountCommand).callsFake((input: { TargetShardCount: number }) => {
    sim.updateShardCount(input.TargetShardCount);
    return {};
  });
  cloudwatch.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: { Id: string }[] }) => {
    if (input.MetricDataQueries.length > 500) throw Object.assign(new Error('too many queries'), { name: 'ValidationError' });
    return { MetricDataResults: input.MetricDataQueries.map((q) => ({ Id: q.Id, Timestamps: [new Date(NOW - 60_000)], Values: [1500] })) };
  });
  return {
    count: (op: string) => [...kinesis.calls(), ...cloudwatch.calls()].filter((c) => (c.args[0] as object).constructor.name === `${op}Command`).length,
    queries: () => cloudwatch.commandCalls(GetMetricDataCommand).flatMap((c) => c.args[0].input.MetricDataQueries ?? []),
  };
}

const aws = () => new AwsClients({ endpointUrl: 'http://127.0.0.1:9', region: 'us-east-1', env: {}, credentials: { accessKeyId: 'AKIDMOCK', secretAccessKey: 'mock' } });

describe('scale targets on mocked AWS', () => {
  it('lag on 10,000 shards (per-shard iterator age): 21 GetMetricData calls, 10 ListShards pages, every shard reported', async () => {
    const sim = new SimStream(10_000);
    const mocks = mockAws(sim);
    const clients = aws();
    // The clients the run asks for: stream metrics need no DMS or DynamoDB client.
    const built = new Set<string>();
    const lazy = {
      kinesisApi: () => (built.add('kinesis'), clients.kinesisApi()),
      cloudwatchApi: () => (built.add('cloudwatch'), clients.cloudwatchApi()),
      dmsApi: () => (built.add('dms'), clients.dmsApi()),
      dynamodbApi: () => (built.add('dynamodb'), clients.dynamodbApi()),
      lambdaApi: () => (built.add('lambda'), clients.lambdaApi()),
    };
    const report = await collectLag(
      { stream: STREAM, source: { kind: 'stream-metrics' }, windowMs: 900_000, thresholdMs: 300_000, observeMs: 0, countLimit: 1000 },
      lazy,
      SILENT_HOST,
      new LagSession(),
      { now: () => NOW, sleep: async () => {} },
    );
    clients.destroy();
    expect(report.shards).toHaveLength(10_000);
    expect([...built].sort()).toEqual(['cloudwatch', 'kinesis']);
    expect(mocks.count('GetMetricData')).toBeLessThanOrEqual(21);
    expect(mocks.count('ListShards')).toBeLessThanOrEqual(11);
    // every query asked once: no shard left out, none twice
    const ids = mocks.queries().map((q) => q.Id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => /^shard\d+$/.test(id!))).toHaveLength(10_000);
  });

  it('reshard --to 10 on 3 shards: 2 UpdateShardCount calls (3 → 6 → 10), 10 even shards', async () => {
    const sim = new SimStream(3);
    const mocks = mockAws(sim);
    const clients = aws();
    const result = await runReshard(
      { stream: STREAM, mode: { kind: 'to', target: 10, switchToProvisioned: false }, dryRun: false, now: new Date(NOW) },
      { kinesis: () => clients.kinesisApi(), cloudwatch: () => clients.cloudwatchApi() },
      SILENT_HOST,
    );
    clients.destroy();
    expect(result.steps.map((s) => `${s.call} ${s.params.TargetShardCount} ${s.status}`)).toEqual(['UpdateShardCount 6 done', 'UpdateShardCount 10 done']);
    expect(mocks.count('UpdateShardCount')).toBe(2);
    const open = sim.open().map(toShardRange);
    expect(open).toHaveLength(10);
    for (const r of open) expect(deviationFromEven(r, 10)).toBeLessThanOrEqual(0.01);
  });
});
