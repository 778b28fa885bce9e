/**
 * The CloudWatch metrics lag reads, as data: the consumer's lag metric (its own, or the stream's iterator
 * age), incoming records and throttling, and the DMS and Firehose stages. The query
 * ids are what the report builder looks the series up by.
 */
import { consumerLagMetric, type ConsumerRef } from './consumer-metrics.js';
import type { MetricSpec } from './metric-spec.js';

const KINESIS = 'AWS/Kinesis';

/**
 * Per-shard iterator age is published only with enhanced (shard-level) monitoring on
 * (Amazon Kinesis Data Streams Developer Guide, Monitoring with CloudWatch: shard-level metrics).
 */
export function hasPerShardIteratorAge(shardLevelMetrics: readonly string[]): boolean {
  return shardLevelMetrics.includes('IteratorAgeMilliseconds') || shardLevelMetrics.includes('ALL');
}

/**
 * Stream metrics for the default view: the stream-level iterator age (the maximum over every consumer
 * application), incoming records, read/write throttling, and per-shard iterator age when enhanced
 * (shard-level) monitoring publishes it.
 */
export function streamMetricSpecs(stream: string, perShardIds: readonly string[]): MetricSpec[] {
  const dims = { StreamName: stream };
  return [
    { id: 'iteratorAge', namespace: KINESIS, metricName: 'GetRecords.IteratorAgeMilliseconds', dimensions: dims, stat: 'Maximum' },
    ...commonStreamSpecs(stream),
    ...perShardIds.map((shardId, i) => ({
      id: `shard${i}`,
      namespace: KINESIS,
      metricName: 'IteratorAgeMilliseconds',
      dimensions: { StreamName: stream, ShardId: shardId },
      stat: 'Maximum' as const,
    })),
  ];
}

export function commonStreamSpecs(stream: string): MetricSpec[] {
  const dims = { StreamName: stream };
  return [
    { id: 'incoming', namespace: KINESIS, metricName: 'IncomingRecords', dimensions: dims, stat: 'Sum' },
    { id: 'readThrottled', namespace: KINESIS, metricName: 'ReadProvisionedThroughputExceeded', dimensions: dims, stat: 'Sum' },
    { id: 'writeThrottled', namespace: KINESIS, metricName: 'WriteProvisionedThroughputExceeded', dimensions: dims, stat: 'Sum' },
  ];
}

/**
 * A consumer read through its own lag metric (an EFO consumer, a Lambda, a Flink app, a Firehose reading
 * the stream; src/core/consumer-metrics.ts has where each publishes), beside the stream's incoming
 * records and throttling.
 */
export function consumerMetricSpecs(stream: string, consumer: ConsumerRef): MetricSpec[] {
  const m = consumerLagMetric(consumer, stream);
  return [{ id: 'consumerBehind', namespace: m.namespace, metricName: m.metricName, dimensions: m.dimensions, stat: m.stat }, ...commonStreamSpecs(stream)];
}

export function firehoseMetricSpecs(deliveryStream: string): MetricSpec[] {
  return [{ id: 'firehoseFreshness', namespace: 'AWS/Firehose', metricName: 'DeliveryToS3.DataFreshness', dimensions: { DeliveryStreamName: deliveryStream }, stat: 'Maximum' }];
}

/** A DMS task's CloudWatch dimensions, as src/aws/lag-sources.ts resolves them. */
export interface DmsTaskDimensions {
  taskArn: string;
  taskName: string;
  /** ReplicationTaskIdentifier as CloudWatch publishes it. */
  taskDimension: string;
  instanceDimension: string;
  /** false when ListMetrics found no CDC metric yet (a task that has not run CDC). */
  confirmed: boolean;
}

export function dmsMetricSpecs(dims: DmsTaskDimensions): MetricSpec[] {
  const dimensions = { ReplicationInstanceIdentifier: dims.instanceDimension, ReplicationTaskIdentifier: dims.taskDimension };
  return [
    { id: 'dmsSource', namespace: 'AWS/DMS', metricName: 'CDCLatencySource', dimensions, stat: 'Maximum' },
    { id: 'dmsTarget', namespace: 'AWS/DMS', metricName: 'CDCLatencyTarget', dimensions, stat: 'Maximum' },
  ];
}

/** What ListEventSourceMappings says of one mapping (Lambda API Reference, EventSourceMappingConfiguration). */
export interface LambdaMapping {
  UUID?: string;
  FunctionArn?: string;
  State?: string;
}

/**
 * `--lambda`: IteratorAge is published by FunctionName, over every source the function reads, so say
 * when none of the stream's mappings calls the function, or when the one that does is not Enabled.
 * FunctionArn is `arn:…:function:<name>` or `…:function:<name>:<alias or version>`.
 */
export function lambdaMappingNote(mappings: readonly LambdaMapping[], fn: string, stream: string): string | undefined {
  const mine = mappings.filter((m) => m.FunctionArn?.split(':')[6] === fn);
  if (mine.length === 0) {
    return `Lambda ${fn}: no event source mapping of stream ${stream} calls it (ListEventSourceMappings); its IteratorAge is that of its other sources, if any (a mapping on an enhanced fan-out consumer of the stream is not listed here)`;
  }
  const off = mine.filter((m) => m.State !== 'Enabled');
  if (off.length === mine.length) return `Lambda ${fn}: its mapping of stream ${stream} is ${off.map((m) => `${m.State ?? 'in an unknown state'} (${m.UUID})`).join(', ')}, not Enabled`;
  return undefined;
}
