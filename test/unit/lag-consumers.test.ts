/**
 * Issue 15, item 4: the idle-consumer and lag alarms of a named consumer, and lag's consumer sources
 * read through each kind's own lag metric. Pure: the definitions and the report from given series.
 */
import { describe, expect, it } from 'vitest';
import { alarmDefinitions } from '../../src/core/lag-alarms.js';
import { consumerNameProblem, type ConsumerRef } from '../../src/core/consumer-metrics.js';
import { consumerMetricSpecs, lambdaMappingNote } from '../../src/core/lag-metrics.js';
import { buildLagReport, evaluateMetricSource } from '../../src/core/lag-report.js';
import { parsePipeline } from '../../src/core/pipeline-schema.js';
import { desiredAlarms } from '../../src/core/provision/alarms.js';
import { provisionTemplate as buildCloudFormation } from '../../src/services/provision.js';

const MIN = 60_000;
const NOW = Date.parse('2026-11-27T10:00:00Z');

describe('lag --alarm on a named consumer', () => {
  const cases: [ConsumerRef, string, string, Record<string, string>, string, string][] = [
    [{ kind: 'kcl', name: 'orders-indexer' }, 'orders-indexer', 'MillisBehindLatest', { Operation: 'ApplicationTracker' }, 'MillisBehindLatest', 'SampleCount'],
    [{ kind: 'lambda', name: 'orders-fn' }, 'AWS/Lambda', 'IteratorAge', { FunctionName: 'orders-fn' }, 'IteratorAge', 'SampleCount'],
    [{ kind: 'flink', name: 'orders-app' }, 'AWS/KinesisAnalytics', 'millisBehindLatest', { Application: 'orders-app', Flow: 'Input', Id: 'orders' }, 'millisBehindLatest', 'SampleCount'],
    [{ kind: 'firehose', name: 'orders-to-s3' }, 'AWS/Firehose', 'KinesisMillisBehindLatest', { DeliveryStreamName: 'orders-to-s3' }, 'DataReadFromKinesisStream.Records', 'Sum'],
    [{ kind: 'efo', name: 'search-sync' }, 'AWS/Kinesis', 'SubscribeToShardEvent.MillisBehindLatest', { StreamName: 'orders', ConsumerName: 'search-sync' }, 'SubscribeToShardEvent.Success', 'Sum'],
  ];
  const dims = (d: Record<string, string>) => Object.entries(d).map(([Name, Value]) => ({ Name, Value }));

  it.each(cases)('%o: the lag alarm reads its own metric, the idle alarm its reads; no stream-wide GetRecords.Success', (consumer, namespace, metric, dimensions, reads, readStat) => {
    const defs = alarmDefinitions({ stream: 'orders', thresholdMs: 90_000, consumer });
    expect(defs.map((d) => d.AlarmName)).toEqual([
      `cdcpipe-orders-lag-${consumer.kind}-${consumer.name}-iterator-age`,
      `cdcpipe-orders-lag-${consumer.kind}-${consumer.name}-idle-consumer`,
      'cdcpipe-orders-lag-write-throttled',
    ]);
    const [age, idle] = defs;
    expect(age).toMatchObject({ Namespace: namespace, MetricName: metric, Dimensions: dims(dimensions), Statistic: 'Maximum', Threshold: 90_000 });
    expect(age!.AlarmDescription).toContain(consumer.name);
    const read = idle!.Metrics!.find((m) => m.Id === 'reads')!.MetricStat!;
    expect(read).toEqual({ Metric: { Namespace: namespace, MetricName: reads, Dimensions: dims(dimensions) }, Period: 60, Stat: readStat });
    expect(JSON.stringify(defs)).not.toContain('GetRecords.Success');
    expect(idle!.AlarmDescription).toContain(consumer.name);
  });

  it('without a consumer the idle alarm stays stream-wide, and its description says what it cannot see', () => {
    const [age, idle] = alarmDefinitions({ stream: 'orders', thresholdMs: 90_000 });
    expect(age!.AlarmDescription).toMatch(/every consumer application/);
    expect(idle!.AlarmDescription).toMatch(/stream-wide/i);
    expect(idle!.AlarmDescription).toMatch(/Firehose/);
    expect(idle!.AlarmDescription).toMatch(/name a consumer/);
  });

  it('names AWS refuses are refused, naming what each kind accepts', () => {
    expect(consumerNameProblem({ kind: 'lambda', name: 'arn:aws:lambda:us-east-1:123456789012:function:fn' })).toMatch(/Lambda function name \(not an ARN\)/);
    expect(consumerNameProblem({ kind: 'kcl', name: 'ab' })).toMatch(/3–255/);
    expect(consumerNameProblem({ kind: 'firehose', name: 'x'.repeat(65) })).toMatch(/1–64/);
    expect(consumerNameProblem({ kind: 'flink', name: 'orders app' })).toMatch(/Flink application/);
    expect(consumerNameProblem({ kind: 'efo', name: 'search-sync' })).toBeUndefined();
  });
});

describe('lag --lambda / --flink / --firehose-source', () => {
  const rules = { windowMs: 15 * MIN, thresholdMs: 5 * MIN };
  const at = (min: number) => NOW - min * MIN;

  it('asks GetMetricData for the consumer\'s own metric beside the stream\'s incoming records', () => {
    const specs = consumerMetricSpecs('orders', { kind: 'lambda', name: 'orders-fn' });
    expect(specs[0]).toEqual({ id: 'consumerBehind', namespace: 'AWS/Lambda', metricName: 'IteratorAge', dimensions: { FunctionName: 'orders-fn' }, stat: 'Maximum' });
    expect(specs.map((s) => s.id)).toContain('incoming');
  });

  it('a Lambda behind the threshold is CRIT, named by its metric; the consumer stage comes from it', () => {
    const series = new Map([
      ['consumerBehind', { timestampsMs: [at(3), at(2), at(1)], values: [200_000, 310_000, 320_000] }],
      ['incoming', { timestampsMs: [at(2)], values: [10] }],
    ]);
    const source = { kind: 'lambda' as const, consumer: 'orders-fn' };
    const m = evaluateMetricSource(source, series, [], rules, NOW);
    expect(m.aggregate).toMatchObject({ scope: 'consumer', status: 'CRIT', lagMs: 320_000, metric: 'Lambda orders-fn IteratorAge' });
    const r = buildLagReport({ stream: 'orders', source, rules, extra: {}, series, notes: [], nowMs: NOW, ...m });
    expect(r.source).toBe('lambda');
    expect(r.consumer).toEqual({ kind: 'lambda', name: 'orders-fn' });
    expect(r.stages.streamToConsumer).toEqual({ lagMs: 320_000, from: 'Lambda orders-fn IteratorAge' });
  });

  it('Flink\'s -1 (not reported yet) is no reading: records waiting 3 minutes with only -1 reported is STOPPED, never lag -1', () => {
    const series = new Map([
      ['consumerBehind', { timestampsMs: [at(2), at(1)], values: [-1, -1] }],
      ['incoming', { timestampsMs: [at(3)], values: [10] }],
    ]);
    const m = evaluateMetricSource({ kind: 'flink', consumer: 'orders-app' }, series, [], rules, NOW);
    expect(m.aggregate).toMatchObject({ status: 'STOPPED', lagMs: 3 * MIN, metric: 'Flink app orders-app millisBehindLatest' });
  });

  it('a Firehose source that stopped reading while records arrive is STOPPED', () => {
    const series = new Map([
      ['consumerBehind', { timestampsMs: [at(12), at(11)], values: [1000, 1500] }],
      ['incoming', { timestampsMs: [at(10), at(5)], values: [5, 5] }],
    ]);
    const m = evaluateMetricSource({ kind: 'firehose', consumer: 'orders-to-s3' }, series, [], rules, NOW);
    expect(m.aggregate).toMatchObject({ status: 'STOPPED', metric: 'Firehose orders-to-s3 KinesisMillisBehindLatest' });
  });
});

describe('the pipeline file: alarms.consumers', () => {
  const file = (alarms: string) => `stream: {name: orders, shards: 1}\nalarms: ${alarms}\n`;

  it('each named consumer gets a lag alarm on its own metric', () => {
    const cfg = parsePipeline(file('{consumers: [{kind: lambda, name: orders-fn, lagMs: 60000}, {kind: efo, name: search-sync, lagMs: 30000}]}'), 'f.yaml');
    const alarms = desiredAlarms(cfg);
    expect(alarms.map((a) => a.spec.AlarmName)).toEqual(['cdcpipe-orders-consumer-lambda-orders-fn-lag', 'cdcpipe-orders-consumer-efo-search-sync-lag']);
    expect(alarms[0]!.spec).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'IteratorAge', Dimensions: [{ Name: 'FunctionName', Value: 'orders-fn' }], Statistic: 'Maximum', Threshold: 60_000, ComparisonOperator: 'GreaterThanThreshold' });
    expect(alarms[1]!.spec).toMatchObject({ Namespace: 'AWS/Kinesis', MetricName: 'SubscribeToShardEvent.MillisBehindLatest', Dimensions: [{ Name: 'StreamName', Value: 'orders' }, { Name: 'ConsumerName', Value: 'search-sync' }], Threshold: 30_000 });
    expect(alarms[0]!.spec.AlarmDescription).toContain('Lambda orders-fn IteratorAge');
  });

  it('the stream-wide iterator-age alarm says it is the max over every consumer, Firehose included', () => {
    const [age] = desiredAlarms(parsePipeline(file('{iteratorAgeMs: 60000}'), 'f.yaml'));
    expect(age!.spec.AlarmDescription).toMatch(/stream-wide/);
    expect(age!.spec.AlarmDescription).toMatch(/Firehose/);
    expect(age!.spec.AlarmDescription).toMatch(/alarms\.consumers/);
  });

  it.each([
    ['an unknown kind', '{consumers: [{kind: kafka, name: x, lagMs: 1}]}', /alarms\.consumers\[0\]\.kind: expected kcl \| efo \| lambda \| flink \| firehose/],
    ['a Lambda ARN for a name', '{consumers: [{kind: lambda, name: "arn:aws:lambda:us-east-1:123456789012:function:fn", lagMs: 1}]}', /alarms\.consumers\[0\]\.name: expected a Lambda function name \(not an ARN\)/],
    ['no threshold', '{consumers: [{kind: lambda, name: fn}]}', /alarms\.consumers\[0\]\.lagMs/],
    ['the same consumer twice', '{consumers: [{kind: lambda, name: fn, lagMs: 1}, {kind: lambda, name: fn, lagMs: 2}]}', /alarms\.consumers\[1\]: lambda:fn is listed twice/],
  ])('%s is refused naming its path', (_what, alarms, message) => {
    expect(() => parsePipeline(file(alarms), 'f.yaml')).toThrow(message);
  });

  it('the template puts the consumer alarm on the template\'s stream', () => {
    const cfg = parsePipeline(file('{consumers: [{kind: flink, name: orders-app, lagMs: 60000}]}'), 'f.yaml');
    const resources = buildCloudFormation(cfg).template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    expect(resources.AlarmConsumerLag1).toMatchObject({
      Type: 'AWS::CloudWatch::Alarm',
      Properties: { AlarmName: 'cdcpipe-orders-consumer-flink-orders-app-lag', MetricName: 'millisBehindLatest', Dimensions: [{ Name: 'Application', Value: 'orders-app' }, { Name: 'Flow', Value: 'Input' }, { Name: 'Id', Value: { Ref: 'Stream' } }] },
    });
  });
});

describe('--lambda: the stream\'s event source mappings', () => {
  const arn = (fn: string) => `arn:aws:lambda:us-east-1:123456789012:function:${fn}`;
  it.each([
    ['no mapping calls the function', [{ UUID: 'u1', FunctionArn: arn('other-fn'), State: 'Enabled' }], /no event source mapping of stream orders calls it/],
    ['its mapping is disabled', [{ UUID: 'u1', FunctionArn: `${arn('orders-fn')}:live`, State: 'Disabled' }], /its mapping of stream orders is Disabled \(u1\), not Enabled/],
    ['an enabled mapping (through an alias)', [{ UUID: 'u1', FunctionArn: `${arn('orders-fn')}:live`, State: 'Enabled' }], undefined],
  ])('%s', (_what, mappings, note) => {
    const got = lambdaMappingNote(mappings, 'orders-fn', 'orders');
    if (note) expect(got).toMatch(note);
    else expect(got).toBeUndefined();
  });
});
