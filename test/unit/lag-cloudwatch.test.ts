/**
 * CloudWatch and DMS have no local server: these tests use aws-sdk-client-mock — a MOCK of the SDK
 * clients, not AWS — under the narrow interfaces (cloudWatchApi, dmsApi) the code calls. They assert the exact requests lag sends: GetMetricData batches of ≤ 500
 * queries, the PutMetricAlarm inputs, and that re-running --alarm updates the same alarm names.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  ListMetricsCommand,
  PutMetricAlarmCommand,
  type GetMetricDataCommandInput,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { DatabaseMigrationServiceClient, DescribeReplicationInstancesCommand, DescribeReplicationTasksCommand } from '@aws-sdk/client-database-migration-service';
import { cloudWatchApi } from '../../src/aws/api/cloudwatch.js';
import { dmsApi } from '../../src/aws/api/dms.js';
import { getMetricSeries } from '../../src/aws/metrics.js';
import { resolveDmsTask } from '../../src/aws/lag-sources.js';
import { dmsMetricSpecs, streamMetricSpecs } from '../../src/core/lag-metrics.js';
import { alarmDefinitions } from '../../src/core/lag-alarms.js';
import { applyAlarms, planAlarms } from '../../src/services/lag-alarms.js';

const cwMock = mockClient(CloudWatchClient);
const dmsMock = mockClient(DatabaseMigrationServiceClient);
const client = () => cloudWatchApi(new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDMOCK', secretAccessKey: 'mock' } }));
const END = Date.parse('2026-11-27T10:00:00Z');
const WINDOW = { startMs: END - 15 * 60_000, endMs: END, periodS: 60 };

afterEach(() => {
  cwMock.reset();
  dmsMock.reset();
});

describe('GetMetricData batching (mock)', () => {
  it('1,200 shards (with per-shard iterator age) take 3 calls of at most 500 queries, every query once', async () => {
    const shardIds = Array.from({ length: 1200 }, (_, i) => `shardId-${String(i).padStart(12, '0')}`);
    cwMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      MetricDataResults: input.MetricDataQueries!.map((q) => ({ Id: q.Id, Timestamps: [new Date(END - 60_000)], Values: [1] })),
    }));
    const specs = streamMetricSpecs('orders', shardIds);
    const { series, calls } = await getMetricSeries(client(), specs, WINDOW);
    const sent = cwMock.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(calls).toBe(3);
    expect(sent).toHaveLength(3);
    expect(sent.map((i) => i.MetricDataQueries!.length)).toEqual([500, 500, 204]);
    const ids = sent.flatMap((i) => i.MetricDataQueries!.map((q) => q.Id));
    expect(new Set(ids).size).toBe(1204);
    expect(series.get('shard1199')?.values).toEqual([1]);
    expect(sent[0]!.StartTime).toEqual(new Date(WINDOW.startMs));
    expect(sent[0]!.EndTime).toEqual(new Date(END));
    expect(sent[0]!.MetricDataQueries![0]).toEqual({
      Id: 'iteratorAge',
      MetricStat: {
        Metric: { Namespace: 'AWS/Kinesis', MetricName: 'GetRecords.IteratorAgeMilliseconds', Dimensions: [{ Name: 'StreamName', Value: 'orders' }] },
        Period: 60,
        Stat: 'Maximum',
      },
      ReturnData: true,
    });
    expect(sent[2]!.MetricDataQueries!.at(-1)!.MetricStat!.Metric!.Dimensions).toEqual([
      { Name: 'StreamName', Value: 'orders' },
      { Name: 'ShardId', Value: 'shardId-000000001199' },
    ]);
  });

  it('follows NextToken within a batch and merges the pages in time order', async () => {
    cwMock
      .on(GetMetricDataCommand)
      .resolvesOnce({ NextToken: 't1', MetricDataResults: [{ Id: 'iteratorAge', Timestamps: [new Date(END - 60_000)], Values: [5] }] })
      .resolvesOnce({ MetricDataResults: [{ Id: 'iteratorAge', Timestamps: [new Date(END - 120_000)], Values: [3] }] });
    const { series, calls } = await getMetricSeries(client(), streamMetricSpecs('orders', []), WINDOW);
    expect(calls).toBe(2);
    expect(cwMock.commandCalls(GetMetricDataCommand)[1]!.args[0].input.NextToken).toBe('t1');
    expect(series.get('iteratorAge')).toEqual({ timestampsMs: [END - 120_000, END - 60_000], values: [3, 5] });
  });
});

describe('DMS task dimensions (mock)', () => {
  it('resolves the task by id, and ListMetrics confirms the resource id is the published dimension', async () => {
    dmsMock.on(DescribeReplicationTasksCommand).resolves({
      ReplicationTasks: [{ ReplicationTaskIdentifier: 'orders-cdc', ReplicationTaskArn: 'arn:aws:dms:us-east-1:123456789012:task:ABCDEFGHIJKLMNOP', ReplicationInstanceArn: 'arn:aws:dms:us-east-1:123456789012:rep:INST' }],
    });
    dmsMock.on(DescribeReplicationInstancesCommand).resolves({ ReplicationInstances: [{ ReplicationInstanceIdentifier: 'cdc-instance' }] });
    cwMock.on(ListMetricsCommand).callsFake((input: { Dimensions?: { Value?: string }[] }) =>
      input.Dimensions?.[0]?.Value === 'ABCDEFGHIJKLMNOP'
        ? { Metrics: [{ Namespace: 'AWS/DMS', MetricName: 'CDCLatencySource', Dimensions: [{ Name: 'ReplicationInstanceIdentifier', Value: 'cdc-instance' }, { Name: 'ReplicationTaskIdentifier', Value: 'ABCDEFGHIJKLMNOP' }] }] }
        : { Metrics: [] },
    );
    const dims = await resolveDmsTask(dmsApi(new DatabaseMigrationServiceClient({ region: 'us-east-1' })), client(), 'orders-cdc');
    expect(dmsMock.commandCalls(DescribeReplicationTasksCommand)[0]!.args[0].input.Filters).toEqual([{ Name: 'replication-task-id', Values: ['orders-cdc'] }]);
    expect(dims).toMatchObject({ taskDimension: 'ABCDEFGHIJKLMNOP', instanceDimension: 'cdc-instance', confirmed: true, taskName: 'orders-cdc' });
    expect(dmsMetricSpecs(dims)[1]).toEqual({
      id: 'dmsTarget',
      namespace: 'AWS/DMS',
      metricName: 'CDCLatencyTarget',
      dimensions: { ReplicationInstanceIdentifier: 'cdc-instance', ReplicationTaskIdentifier: 'ABCDEFGHIJKLMNOP' },
      stat: 'Maximum',
    });
  });
});

describe('--alarm (mock)', () => {
  const TOPIC = 'arn:aws:sns:us-east-1:123456789012:oncall';

  it('puts exactly these three alarm definitions for a stream', () => {
    const defs = alarmDefinitions({ stream: 'orders', thresholdMs: 120_000, snsTopicArn: TOPIC });
    expect(defs).toEqual<PutMetricAlarmCommandInput[]>([
      {
        AlarmName: 'cdcpipe-orders-lag-iterator-age',
        AlarmDescription: 'cdcpipe lag: stream orders (GetRecords.IteratorAgeMilliseconds, the max over every consumer application) is more than 120000 ms behind for 3 minutes',
        Namespace: 'AWS/Kinesis',
        MetricName: 'GetRecords.IteratorAgeMilliseconds',
        Dimensions: [{ Name: 'StreamName', Value: 'orders' }],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        Threshold: 120_000,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [TOPIC],
        OKActions: [TOPIC],
      },
      {
        AlarmName: 'cdcpipe-orders-lag-idle-consumer',
        AlarmDescription:
          'cdcpipe lag: records arrive on orders but no GetRecords call succeeds for 5 minutes. Stream-wide: any polling consumer (Firehose included) keeps it quiet, and enhanced fan-out consumers are not counted; name a consumer to watch one',
        Metrics: [
          { Id: 'incoming', MetricStat: { Metric: { Namespace: 'AWS/Kinesis', MetricName: 'IncomingRecords', Dimensions: [{ Name: 'StreamName', Value: 'orders' }] }, Period: 60, Stat: 'Sum' }, ReturnData: false },
          { Id: 'reads', MetricStat: { Metric: { Namespace: 'AWS/Kinesis', MetricName: 'GetRecords.Success', Dimensions: [{ Name: 'StreamName', Value: 'orders' }] }, Period: 60, Stat: 'Sum' }, ReturnData: false },
          { Id: 'idle', Expression: 'IF(FILL(incoming, 0) > 0 AND FILL(reads, 0) == 0, 1, 0)', Label: 'records arrive, nothing reads', ReturnData: true },
        ],
        EvaluationPeriods: 5,
        DatapointsToAlarm: 5,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [TOPIC],
        OKActions: [TOPIC],
      },
      {
        AlarmName: 'cdcpipe-orders-lag-write-throttled',
        AlarmDescription: 'cdcpipe lag: writes to orders are throttled (WriteProvisionedThroughputExceeded) in 3 of 5 minutes',
        Namespace: 'AWS/Kinesis',
        MetricName: 'WriteProvisionedThroughputExceeded',
        Dimensions: [{ Name: 'StreamName', Value: 'orders' }],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 5,
        DatapointsToAlarm: 3,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [TOPIC],
        OKActions: [TOPIC],
      },
    ]);
  });

  it('an enhanced fan-out consumer gets its own iterator-age and idle alarms (MillisBehindLatest, SubscribeToShardEvent.Success)', () => {
    const [age, idle] = alarmDefinitions({ stream: 'orders', thresholdMs: 60_000, consumer: { kind: 'efo', name: 'search-sync' } });
    expect(age).toMatchObject({
      AlarmName: 'cdcpipe-orders-lag-efo-search-sync-iterator-age',
      MetricName: 'SubscribeToShardEvent.MillisBehindLatest',
      Dimensions: [{ Name: 'StreamName', Value: 'orders' }, { Name: 'ConsumerName', Value: 'search-sync' }],
    });
    expect(age).not.toHaveProperty('AlarmActions');
    expect(idle!.AlarmName).toBe('cdcpipe-orders-lag-efo-search-sync-idle-consumer');
    expect(idle!.Metrics![1]!.MetricStat!.Metric!.MetricName).toBe('SubscribeToShardEvent.Success');
  });

  it('a re-run updates the same three alarms instead of adding new ones', async () => {
    // The mock keeps alarms by name, as CloudWatch does: PutMetricAlarm creates or replaces.
    const store = new Map<string, PutMetricAlarmCommandInput>();
    cwMock.on(PutMetricAlarmCommand).callsFake((input: PutMetricAlarmCommandInput) => {
      store.set(input.AlarmName!, input);
      return {};
    });
    cwMock.on(DescribeAlarmsCommand).callsFake((input: { AlarmNamePrefix?: string }) => ({
      MetricAlarms: [...store.keys()].filter((n) => n.startsWith(input.AlarmNamePrefix ?? '')).map((AlarmName) => ({ AlarmName })),
    }));
    const cw = client();
    const opts = { stream: 'orders', thresholdMs: 120_000, snsTopicArn: TOPIC };

    const first = await planAlarms(cw, opts);
    expect(first.map((a) => [a.action, a.name])).toEqual([
      ['create', 'cdcpipe-orders-lag-iterator-age'],
      ['create', 'cdcpipe-orders-lag-idle-consumer'],
      ['create', 'cdcpipe-orders-lag-write-throttled'],
    ]);
    await applyAlarms(cw, first);
    expect(cwMock.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input).toEqual({ AlarmNamePrefix: 'cdcpipe-orders-lag-', AlarmTypes: ['MetricAlarm'] });

    const second = await planAlarms(cw, { ...opts, thresholdMs: 300_000 });
    expect(second.map((a) => [a.action, a.name])).toEqual([
      ['update', 'cdcpipe-orders-lag-iterator-age'],
      ['update', 'cdcpipe-orders-lag-idle-consumer'],
      ['update', 'cdcpipe-orders-lag-write-throttled'],
    ]);
    await applyAlarms(cw, second);

    const puts = cwMock.commandCalls(PutMetricAlarmCommand).map((c) => c.args[0].input.AlarmName);
    expect(puts).toEqual([...first, ...second].map((a) => a.name));
    expect([...store.keys()].sort()).toEqual(['cdcpipe-orders-lag-idle-consumer', 'cdcpipe-orders-lag-iterator-age', 'cdcpipe-orders-lag-write-throttled']);
    expect(store.get('cdcpipe-orders-lag-iterator-age')!.Threshold).toBe(300_000);
  });
});
