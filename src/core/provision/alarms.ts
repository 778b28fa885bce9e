/**
 * The CloudWatch alarms of a pipeline file (Amazon CloudWatch User Guide, "Using Amazon CloudWatch
 * alarms"; API Reference, PutMetricAlarm). One-minute periods, 5 in a row, so a short spike does not page.
 */
import { consumerLagMetric, type ConsumerRef } from '../consumer-metrics.js';
import type { PipelineConfig } from '../pipeline-schema.js';
import { canonicalJson, tagList, type PlannedAction, type ResourceModel } from './model.js';
import { output, tryResolve, type Known, type Value } from './values.js';
import { withoutUndefined, type CfnPart } from './cloudformation.js';

export interface AlarmSpec<V = string> {
  AlarmName: string;
  AlarmDescription?: string;
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: V }[];
  Statistic: string;
  Period: number;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData: string;
  AlarmActions: string[];
  OKActions: string[];
}

export const ALARM_KINDS = ['iterator-age', 'write-throttles', 'dms-latency', 'firehose-freshness', 'consumer-lag'] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

export function alarmName(cfg: PipelineConfig, which: Exclude<AlarmKind, 'consumer-lag'>): string {
  const owner = which === 'dms-latency' ? cfg.dms!.task.id : which === 'firehose-freshness' ? cfg.firehose!.name : cfg.stream.name;
  return `cdcpipe-${owner}-${which}`;
}

const ALARM_PERIOD_SECONDS = 60;
const ALARM_EVALUATION_PERIODS = 5;

export interface DesiredAlarm {
  which: AlarmKind;
  /** Dimension values may be outputs: the DMS one needs the task's resource id and the instance identifier. */
  spec: AlarmSpec<Value>;
  tags?: { Key: string; Value: string }[];
  /** dms-latency: the instance whose identifier is the alarm's other dimension. */
  replicationInstanceArn?: string;
  /** consumer-lag: its place in alarms.consumers (1-based), for the template's logical id. */
  consumerIndex?: number;
}

/** `cdcpipe-<stream>-consumer-<kind>-<name>-lag`: one per entry of alarms.consumers. */
export function consumerAlarmName(stream: string, consumer: ConsumerRef): string {
  return `cdcpipe-${stream}-consumer-${consumer.kind}-${consumer.name}-lag`;
}

export interface AlarmRequest {
  /** PutMetricAlarm creates or replaces the alarm whole; tags apply on creation only (API PutMetricAlarm). */
  put: AlarmSpec<Value> & { Tags?: { Key: string; Value: string }[] };
}

/** The alarms the file asks for, in ALARM_KINDS order. */
export function desiredAlarms(cfg: PipelineConfig): DesiredAlarm[] {
  const a = cfg.alarms;
  if (!a) return [];
  const actions = a.snsTopicArn ? [a.snsTopicArn] : [];
  const base = { Period: ALARM_PERIOD_SECONDS, EvaluationPeriods: ALARM_EVALUATION_PERIODS, DatapointsToAlarm: ALARM_EVALUATION_PERIODS, AlarmActions: actions, OKActions: actions };
  const streamDim = [{ Name: 'StreamName', Value: cfg.stream.name as Value }];
  const tags = tagList(cfg.tags);
  const out: DesiredAlarm[] = [];
  const add = (which: AlarmKind, spec: Omit<AlarmSpec<Value>, keyof typeof base>, extra: Partial<DesiredAlarm> = {}) =>
    out.push({ which, spec: { ...base, ...spec }, ...(tags ? { tags } : {}), ...extra });
  if (a.iteratorAgeMs !== undefined) {
    add('iterator-age', {
      AlarmName: alarmName(cfg, 'iterator-age'),
      // Stream-wide: the most-behind consumer application's age, whichever it is (Firehose included).
      AlarmDescription: `cdcpipe: the oldest unread record on ${cfg.stream.name} is older than ${a.iteratorAgeMs} ms for the most-behind consumer (stream-wide GetRecords.IteratorAgeMilliseconds, the max over every consumer application, Firehose included; alarms.consumers watches one consumer)`,
      Namespace: 'AWS/Kinesis',
      MetricName: 'GetRecords.IteratorAgeMilliseconds',
      Dimensions: streamDim,
      Statistic: 'Maximum',
      Threshold: a.iteratorAgeMs,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  }
  if (a.writeThrottles !== undefined) {
    add('write-throttles', {
      AlarmName: alarmName(cfg, 'write-throttles'),
      AlarmDescription: `cdcpipe: more than ${a.writeThrottles} throttled writes per minute on ${cfg.stream.name}`,
      Namespace: 'AWS/Kinesis',
      MetricName: 'WriteProvisionedThroughputExceeded',
      Dimensions: streamDim,
      Statistic: 'Sum',
      Threshold: a.writeThrottles,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  }
  // The task dimension is the task's resource id, the last part of its ARN (AWS DMS User Guide, "AWS DMS metrics").
  if (a.dmsLatencySeconds !== undefined && cfg.dms && !cfg.dms.serverless) {
    add('dms-latency', {
      AlarmName: alarmName(cfg, 'dms-latency'),
      AlarmDescription: `cdcpipe: DMS task ${cfg.dms.task.id} is more than ${a.dmsLatencySeconds} s behind its source`,
      Namespace: 'AWS/DMS',
      MetricName: 'CDCLatencyTarget',
      Dimensions: [
        { Name: 'ReplicationInstanceIdentifier', Value: output('replicationInstanceId') },
        { Name: 'ReplicationTaskIdentifier', Value: output('taskResourceId') },
      ],
      Statistic: 'Maximum',
      Threshold: a.dmsLatencySeconds,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'missing',
    }, cfg.dms.replicationInstanceArn ? { replicationInstanceArn: cfg.dms.replicationInstanceArn } : {});
  }
  if (a.firehoseFreshnessSeconds !== undefined && cfg.firehose) {
    add('firehose-freshness', {
      AlarmName: alarmName(cfg, 'firehose-freshness'),
      AlarmDescription: `cdcpipe: the oldest record in ${cfg.firehose.name} waits more than ${a.firehoseFreshnessSeconds} s for S3`,
      Namespace: 'AWS/Firehose',
      MetricName: 'DeliveryToS3.DataFreshness',
      Dimensions: [{ Name: 'DeliveryStreamName', Value: cfg.firehose.name }],
      Statistic: 'Maximum',
      Threshold: a.firehoseFreshnessSeconds,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'missing',
    });
  }
  // A consumer that stops reading publishes no lag: missing data is not breaching (`lag --alarm` adds the idle alarm).
  (a.consumers ?? []).forEach((c, i) => {
    const m = consumerLagMetric(c, cfg.stream.name);
    add(
      'consumer-lag',
      {
        AlarmName: consumerAlarmName(cfg.stream.name, c),
        AlarmDescription: `cdcpipe: ${m.label} on ${cfg.stream.name} is more than ${c.lagMs} ms`,
        Namespace: m.namespace,
        MetricName: m.metricName,
        Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })),
        Statistic: m.stat,
        Threshold: c.lagMs,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      },
      { consumerIndex: i + 1 },
    );
  });
  return out;
}

/** Fields of PutMetricAlarm compared with DescribeAlarms (dimension order does not matter). */
export function alarmMatches(wanted: AlarmSpec, observed: AlarmSpec | undefined): boolean {
  if (!observed) return false;
  const dims = (d: AlarmSpec['Dimensions']) => canonicalJson([...d].sort((a, b) => a.Name.localeCompare(b.Name)));
  const sorted = (x: string[] | undefined) => canonicalJson([...(x ?? [])].sort());
  return (
    wanted.Namespace === observed.Namespace &&
    wanted.MetricName === observed.MetricName &&
    dims(wanted.Dimensions) === dims(observed.Dimensions ?? []) &&
    wanted.Statistic === observed.Statistic &&
    wanted.Period === observed.Period &&
    wanted.EvaluationPeriods === observed.EvaluationPeriods &&
    wanted.DatapointsToAlarm === observed.DatapointsToAlarm &&
    wanted.Threshold === observed.Threshold &&
    wanted.ComparisonOperator === observed.ComparisonOperator &&
    wanted.TreatMissingData === observed.TreatMissingData &&
    (wanted.AlarmDescription ?? '') === (observed.AlarmDescription ?? '') &&
    sorted(wanted.AlarmActions) === sorted(observed.AlarmActions) &&
    sorted(wanted.OKActions) === sorted(observed.OKActions)
  );
}

function planAlarm(d: DesiredAlarm, have: AlarmSpec | null, known: Known): PlannedAction<AlarmRequest>[] {
  const base = { resource: 'cloudwatch-alarm' as const, name: d.spec.AlarmName };
  const s = d.spec;
  const wanted = tryResolve(s, known);
  const request = { put: { ...s, ...(!have && d.tags ? { Tags: d.tags } : {}) } };
  // The DMS task (its resource id) is created by this run: the alarm follows it.
  if (!wanted) return [{ ...base, action: 'create', detail: `${s.MetricName}, once the task exists`, request }];
  const what = `${s.MetricName} ${s.ComparisonOperator === 'GreaterThanThreshold' ? '>' : '≥'} ${s.Threshold}`;
  if (!have) return [{ ...base, action: 'create', detail: what, request }];
  return alarmMatches(wanted, have ?? undefined) ? [{ ...base, action: 'none', detail: what }] : [{ ...base, action: 'update', detail: what, request }];
}

const LOGICAL_IDS: Record<Exclude<AlarmKind, 'consumer-lag'>, string> = { 'iterator-age': 'AlarmIteratorAge', 'write-throttles': 'AlarmWriteThrottles', 'dms-latency': 'AlarmDmsLatency', 'firehose-freshness': 'AlarmFirehoseFreshness' };

/** The template's names for what the file names: the stream (StreamName, Flink's Id) and the delivery stream. */
function cfnDimensions(cfg: PipelineConfig, d: DesiredAlarm): { Name: string; Value: unknown }[] {
  if (d.which === 'firehose-freshness') return [{ Name: 'DeliveryStreamName', Value: { Ref: 'DeliveryStream' } }];
  if (d.which !== 'consumer-lag') return [{ Name: 'StreamName', Value: { Ref: 'Stream' } }];
  return d.spec.Dimensions.map(({ Name, Value }) =>
    (Name === 'StreamName' || Name === 'Id') && Value === cfg.stream.name
      ? { Name, Value: { Ref: 'Stream' } }
      : Name === 'DeliveryStreamName' && cfg.firehose && Value === cfg.firehose.name
        ? { Name, Value: { Ref: 'DeliveryStream' } }
        : { Name, Value },
  );
}

function alarmTemplate(d: DesiredAlarm, cfg: PipelineConfig): CfnPart {
  // The instance identifier is a name CloudFormation cannot derive from dms.replicationInstanceArn.
  if (d.which === 'dms-latency') {
    return { resources: {}, warnings: ['alarms.dmsLatencySeconds: left out of the template (the ReplicationInstanceIdentifier dimension needs a DescribeReplicationInstances lookup); `cdcpipe provision` creates it'] };
  }
  const s = d.spec;
  // Ref of a stream or delivery stream is its name (their "Return values").
  const dimensions = cfnDimensions(cfg, d);
  const properties = withoutUndefined({
    AlarmName: s.AlarmName,
    AlarmDescription: s.AlarmDescription,
    Namespace: s.Namespace,
    MetricName: s.MetricName,
    Dimensions: dimensions,
    Statistic: s.Statistic,
    Period: s.Period,
    EvaluationPeriods: s.EvaluationPeriods,
    DatapointsToAlarm: s.DatapointsToAlarm,
    Threshold: s.Threshold,
    ComparisonOperator: s.ComparisonOperator,
    TreatMissingData: s.TreatMissingData,
    AlarmActions: s.AlarmActions.length ? s.AlarmActions : undefined,
    OKActions: s.OKActions.length ? s.OKActions : undefined,
  });
  const logicalId = d.which === 'consumer-lag' ? `AlarmConsumerLag${d.consumerIndex}` : LOGICAL_IDS[d.which];
  return { resources: { [logicalId]: { Type: 'AWS::CloudWatch::Alarm', Properties: properties } } };
}

export const alarmModel: ResourceModel<DesiredAlarm, AlarmSpec> = {
  kind: 'cloudwatch-alarm',
  sections: ['alarms'],
  desired: desiredAlarms,
  plan: planAlarm,
  cloudFormation: alarmTemplate,
  warnings: (cfg) =>
    cfg.alarms?.dmsLatencySeconds !== undefined && cfg.dms?.serverless
      ? ['alarms.dmsLatencySeconds: not created for DMS Serverless (its metrics use other dimensions); set it on a replication-instance task']
      : [],
};
