/**
 * `reshard --auto` from CloudWatch per-shard metrics.
 * THIS IS A MOCK: CloudWatch has no local server, so CloudWatch (and, to keep the test in the unit
 * project, Kinesis) are replaced with aws-sdk-client-mock. The tests assert the exact GetMetricData
 * requests and the plan built from the mocked answers; the real Kinesis calls are covered against
 * kinesis-local in test/integration/reshard.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { evenRanges } from '../../src/core/hash-range.js';
import { cloudWatchApi } from '../../src/aws/api/cloudwatch.js';
import { kinesisApi } from '../../src/aws/api/kinesis.js';
import { SILENT_HOST, type Host } from '../../src/services/host.js';
import { runReshard, type ReshardClients } from '../../src/services/reshard.js';
import { fetchShardLoad } from '../../src/services/reshard-inputs.js';

const MIB = 1024 * 1024;
const NOW = new Date('2026-11-27T10:00:00Z');
const STREAM = 'orders';
const ids = (n: number) => Array.from({ length: n }, (_, i) => `shardId-${String(i).padStart(12, '0')}`);

const cwClient = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'MOCK', secretAccessKey: 'MOCK' } });
const kClient = new KinesisClient({ region: 'us-east-1', credentials: { accessKeyId: 'MOCK', secretAccessKey: 'MOCK' } });
const cw = mockClient(cwClient);
const kinesis = mockClient(kClient);
// The narrow interfaces the service takes, over the mocked SDK clients.
const cwApi = cloudWatchApi(cwClient);
const clients: ReshardClients = { kinesis: async () => kinesisApi(kClient), cloudwatch: async () => cwApi };
afterEach(() => {
  cw.reset();
  kinesis.reset();
});

/** One timestamp per value, a minute apart, ending at NOW (CloudWatch returns both lists, in step). */
const minutes = (values: number[]) => values.map((_, i) => new Date(NOW.getTime() - (values.length - i) * 60_000));

/** Answers GetMetricData with per-minute sums chosen per query id (b<i> bytes, r<i> records). */
function answerMetrics(sums: Record<string, number[]>): void {
  cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((q) => ({ Id: q.Id, Timestamps: minutes(sums[q.Id!] ?? []), Values: sums[q.Id!] ?? [], StatusCode: 'Complete' })),
  }));
}

describe('per-shard load from GetMetricData (mocked CloudWatch)', () => {
  it('asks for IncomingBytes and IncomingRecords Sum per minute per shard, and keeps the peak minute as a rate', async () => {
    answerMetrics({ b0: [30 * MIB, 90 * MIB], r0: [600, 1200], b1: [6 * MIB], r1: [60] });
    const loads = await fetchShardLoad(cwApi, STREAM, ids(2), NOW, 3_600_000);
    expect(loads.get(ids(2)[0]!)).toEqual({ bytesPerSec: 1.5 * MIB, recordsPerSec: 20 });
    expect(loads.get(ids(2)[1]!)).toEqual({ bytesPerSec: 0.1 * MIB, recordsPerSec: 1 });
    const calls = cw.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.StartTime).toEqual(new Date('2026-11-27T09:00:00Z'));
    expect(input.EndTime).toEqual(NOW);
    expect(input.MetricDataQueries![0]).toEqual({
      Id: 'b0',
      MetricStat: {
        Metric: { Namespace: 'AWS/Kinesis', MetricName: 'IncomingBytes', Dimensions: [{ Name: 'StreamName', Value: STREAM }, { Name: 'ShardId', Value: ids(2)[0] }] },
        Period: 60,
        Stat: 'Sum',
      },
      ReturnData: true,
    });
    expect(input.MetricDataQueries!.map((q) => q.Id)).toEqual(['b0', 'r0', 'b1', 'r1']);
  });

  it('splits 300 shards (600 queries) into calls of at most 500 queries', async () => {
    answerMetrics({});
    await fetchShardLoad(cwApi, STREAM, ids(300), NOW, 3_600_000);
    expect(cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.MetricDataQueries!.length)).toEqual([500, 100]);
  });

  it('follows NextToken pages and keeps the peak over all of them', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [{ Id: 'b0', Timestamps: minutes([6 * MIB]), Values: [6 * MIB] }], NextToken: 'page-2' })
      .resolvesOnce({ MetricDataResults: [{ Id: 'b0', Timestamps: minutes([60 * MIB]), Values: [60 * MIB] }] });
    const loads = await fetchShardLoad(cwApi, STREAM, ids(1), NOW, 3_600_000);
    expect(loads.get(ids(1)[0]!)!.bytesPerSec).toBe(MIB);
    expect(cw.commandCalls(GetMetricDataCommand)[1]!.args[0].input.NextToken).toBe('page-2');
  });
});

describe('reshard --auto --dry-run (mocked Kinesis and CloudWatch)', () => {
  function mockStream(shardCount: number, monitoring: string[]): void {
    kinesis.on(DescribeStreamSummaryCommand).resolves({
      StreamDescriptionSummary: {
        StreamName: STREAM,
        StreamARN: `arn:aws:kinesis:us-east-1:123456789012:stream/${STREAM}`,
        StreamStatus: 'ACTIVE',
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
        RetentionPeriodHours: 24,
        StreamCreationTimestamp: new Date('2026-01-01T00:00:00Z'),
        EnhancedMonitoring: [{ ShardLevelMetrics: monitoring as never }],
        OpenShardCount: shardCount,
        EncryptionType: 'NONE',
      },
    });
    kinesis.on(ListShardsCommand).resolves({
      Shards: evenRanges(shardCount).map((r, i) => ({
        ShardId: ids(shardCount)[i]!,
        HashKeyRange: { StartingHashKey: r.start.toString(), EndingHashKey: r.end.toString() },
        SequenceNumberRange: { StartingSequenceNumber: '1' },
      })),
    });
  }
  const host: Host = {
    ...SILENT_HOST,
    confirm: async () => {
      throw new Error('a dry run must not ask');
    },
  };

  it('splits the hot shard, merges the cold pair, and reports utilization before and after', async () => {
    mockStream(4, ['IncomingBytes', 'IncomingRecords']);
    // shard 0: 1.5 MiB/s peak (hot at 0.8); shard 1: 0.5; shards 2 and 3: 0.1 each (0.2 together < 0.4: cold pair).
    answerMetrics({ b0: [90 * MIB], b1: [30 * MIB], b2: [6 * MIB], b3: [6 * MIB] });
    const result = await runReshard({ stream: STREAM, mode: { kind: 'auto', targetUtilization: 0.8, windowMs: 3_600_000 }, dryRun: true, now: NOW }, clients, host);
    expect(result.steps.map((s) => [s.call, s.params.ShardToSplit ?? s.params.ShardToMerge, s.params.AdjacentShardToMerge])).toEqual([
      ['SplitShard', ids(4)[0], undefined],
      ['MergeShards', ids(4)[2], ids(4)[3]],
    ]);
    expect(result.utilization).toMatchObject({ targetUtilization: 0.8, before: { max: 1.5 }, after: { max: 0.75 } });
    expect(result.before.map((r) => r.utilization)).toEqual([1.5, 0.5, 0.1, 0.1]);
    expect(result.after.map((r) => [r.shardId, r.keySpacePct, r.utilization])).toEqual([
      [null, 12.5, 0.75],
      [null, 12.5, 0.75],
      [ids(4)[1], 25, 0.5],
      [null, 50, 0.2],
    ]);
    expect(result.dryRun).toBe(true);
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(1);
    expect(kinesis.commandCalls(ListShardsCommand)).toHaveLength(1);
  });

  it('with enhanced monitoring off it stops and offers --sample, without calling CloudWatch', async () => {
    mockStream(2, []);
    await expect(runReshard({ stream: STREAM, mode: { kind: 'auto', targetUtilization: 0.8, windowMs: 3_600_000 }, dryRun: true, now: NOW }, clients, host)).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(/enhanced monitoring/),
      hint: expect.stringMatching(/--sample/),
    });
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });

  it('plans nothing when no shard is hot and no pair is cold', async () => {
    mockStream(2, ['ALL']);
    answerMetrics({ b0: [36 * MIB], b1: [36 * MIB] });
    const result = await runReshard({ stream: STREAM, mode: { kind: 'auto', targetUtilization: 0.8, windowMs: 3_600_000 }, dryRun: true, now: NOW }, clients, host);
    expect(result.steps).toEqual([]);
    expect(result.utilization!.before.max).toBe(0.6);
  });
});
