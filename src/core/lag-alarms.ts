/**
 * `lag --alarm`: CloudWatch alarms for a stream, created or updated idempotently. PutMetricAlarm
 * replaces an alarm of the same name, so a re-run updates rather than duplicates; names are fixed per
 * stream (and consumer) with the prefix `cdcpipe-<stream>-`. Changes are data first: the plan lists
 * each alarm with create/update, then one executor (src/services/lag-alarms.ts) runs it, or --dry-run
 * prints it (CloudWatch API Reference, PutMetricAlarm).
 */
import { consumerLagMetric, consumerReadMetric, type ConsumerRef } from './consumer-metrics.js';

export interface AlarmOptions {
  stream: string;
  thresholdMs: number;
  /**
   * A named consumer (KCL app, EFO consumer, Lambda, Flink app, Firehose): the lag and idle alarms read
   * that consumer's own metrics instead of the stream-wide ones.
   */
  consumer?: ConsumerRef;
  snsTopicArn?: string;
}

type Dimension = { Name: string; Value: string };

/** One metric of a metric-math alarm (PutMetricAlarm `Metrics`). */
export interface AlarmMetricQuery {
  Id: string;
  MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: Dimension[] }; Period: number; Stat: 'Sum' | 'Maximum' | 'SampleCount' };
  Expression?: string;
  Label?: string;
  ReturnData: boolean;
}

/** The PutMetricAlarm request for one alarm, field for field (CloudWatch API Reference, PutMetricAlarm). */
export interface AlarmDefinition {
  AlarmName: string;
  AlarmDescription: string;
  Namespace?: string;
  MetricName?: string;
  Dimensions?: Dimension[];
  Statistic?: 'Maximum' | 'Sum';
  Period?: number;
  Metrics?: AlarmMetricQuery[];
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  Threshold: number;
  ComparisonOperator: 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold';
  TreatMissingData: 'notBreaching';
  AlarmActions?: string[];
  OKActions?: string[];
}

export interface AlarmAction {
  action: 'create' | 'update';
  name: string;
  input: AlarmDefinition;
}

/** One-minute periods: the resolution Kinesis stream metrics are published at. */
const PERIOD_S = 60;

export function alarmPrefix(stream: string): string {
  // 'lag-' keeps these apart from the alarms `provision` manages for the same stream (cdcpipe-<stream>-iterator-age …).
  return `cdcpipe-${stream}-lag-`;
}

/**
 * The alarm definitions, pure. Three alarms:
 * - lag over the threshold for 3 consecutive minutes (a single spike of the Maximum is not an incident):
 *   the named consumer's own lag metric, else the stream's iterator age (the maximum over every consumer
 *   application); missing data is not breaching, because a consumer that stops reading publishes no
 *   lag — the idle alarm covers that;
 * - idle consumer: records arrive but the consumer shows no read for 5 minutes, by metric math. For a
 *   named consumer its reads are its own metric (src/core/consumer-metrics.ts). Stream-wide, they are
 *   `GetRecords.Success`, which every polling consumer publishes — Firehose reading the stream included
 *   — so that alarm fires only when nothing at all reads, and its description says so;
 * - write throttling: WriteProvisionedThroughputExceeded in 3 of 5 minutes.
 */
export function alarmDefinitions(opts: AlarmOptions): AlarmDefinition[] {
  const prefix = alarmPrefix(opts.stream);
  const stream = { Name: 'StreamName', Value: opts.stream };
  const actions = opts.snsTopicArn ? { AlarmActions: [opts.snsTopicArn], OKActions: [opts.snsTopicArn] } : {};
  const c = opts.consumer;
  const lag = c ? consumerLagMetric(c, opts.stream) : undefined;
  const reads = c ? consumerReadMetric(c, opts.stream) : undefined;
  const dims = (d: Record<string, string>) => Object.entries(d).map(([Name, Value]) => ({ Name, Value }));
  const tag = c ? `${c.kind}-${c.name}-` : '';

  const iteratorAge: AlarmDefinition = {
    AlarmName: `${prefix}${tag}iterator-age`,
    AlarmDescription: lag
      ? `cdcpipe lag: ${lag.label} on ${opts.stream} is more than ${opts.thresholdMs} ms for 3 minutes`
      : `cdcpipe lag: stream ${opts.stream} (GetRecords.IteratorAgeMilliseconds, the max over every consumer application) is more than ${opts.thresholdMs} ms behind for 3 minutes`,
    Namespace: lag?.namespace ?? 'AWS/Kinesis',
    MetricName: lag?.metricName ?? 'GetRecords.IteratorAgeMilliseconds',
    Dimensions: lag ? dims(lag.dimensions) : [stream],
    Statistic: 'Maximum',
    Period: PERIOD_S,
    EvaluationPeriods: 3,
    DatapointsToAlarm: 3,
    Threshold: opts.thresholdMs,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching',
    ...actions,
  };

  const idle: AlarmDefinition = {
    AlarmName: `${prefix}${tag}idle-consumer`,
    AlarmDescription: reads
      ? `cdcpipe lag: records arrive on ${opts.stream} but ${reads.label} shows no read for 5 minutes`
      : `cdcpipe lag: records arrive on ${opts.stream} but no GetRecords call succeeds for 5 minutes. Stream-wide: any polling consumer (Firehose included) keeps it quiet, and enhanced fan-out consumers are not counted; name a consumer to watch one`,
    Metrics: [
      {
        Id: 'incoming',
        MetricStat: { Metric: { Namespace: 'AWS/Kinesis', MetricName: 'IncomingRecords', Dimensions: [stream] }, Period: PERIOD_S, Stat: 'Sum' },
        ReturnData: false,
      },
      {
        Id: 'reads',
        MetricStat: {
          Metric: reads ? { Namespace: reads.namespace, MetricName: reads.metricName, Dimensions: dims(reads.dimensions) } : { Namespace: 'AWS/Kinesis', MetricName: 'GetRecords.Success', Dimensions: [stream] },
          Period: PERIOD_S,
          Stat: reads?.stat ?? 'Sum',
        },
        ReturnData: false,
      },
      {
        Id: 'idle',
        // No reads publish no datapoint at all: FILL turns the gap into 0 so the rule can see it.
        Expression: 'IF(FILL(incoming, 0) > 0 AND FILL(reads, 0) == 0, 1, 0)',
        Label: 'records arrive, nothing reads',
        ReturnData: true,
      },
    ],
    EvaluationPeriods: 5,
    DatapointsToAlarm: 5,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
    ...actions,
  };

  const writeThrottled: AlarmDefinition = {
    AlarmName: `${prefix}write-throttled`,
    AlarmDescription: `cdcpipe lag: writes to ${opts.stream} are throttled (WriteProvisionedThroughputExceeded) in 3 of 5 minutes`,
    Namespace: 'AWS/Kinesis',
    MetricName: 'WriteProvisionedThroughputExceeded',
    Dimensions: [stream],
    Statistic: 'Sum',
    Period: PERIOD_S,
    EvaluationPeriods: 5,
    DatapointsToAlarm: 3,
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching',
    ...actions,
  };
  return [iteratorAge, idle, writeThrottled];
}

/** Create or update for each definition: an alarm whose name already exists is replaced by PutMetricAlarm. */
export function planAlarmActions(definitions: readonly AlarmDefinition[], existingNames: ReadonlySet<string>): AlarmAction[] {
  return definitions.map((input) => ({ action: existingNames.has(input.AlarmName) ? 'update' : 'create', name: input.AlarmName, input }));
}
