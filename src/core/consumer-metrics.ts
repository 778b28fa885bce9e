/**
 * Where each kind of stream consumer publishes how far behind it is. One table shared by `lag` (its
 * consumer sources), the consumer alarms (`lag --alarm`, the pipeline file's `alarms`) and `doctor`.
 *
 * - KCL 2.x/3.x: `MillisBehindLatest` in the application's own namespace (the app name by default),
 *   app-wide with `Operation=ApplicationTracker` (KCL ≥ 2.3.10), per shard with `Operation=ProcessTask`
 *   and `ShardId` (KCL developer guide, "Monitoring the KCL with CloudWatch").
 * - Lambda event source mapping: `IteratorAge` in `AWS/Lambda` by `FunctionName` (Lambda developer guide,
 *   "Using CloudWatch metrics with Lambda").
 * - Managed Service for Apache Flink: `millisBehindLatest` in `AWS/KinesisAnalytics` by `Application`,
 *   `Flow=Input`, `Id=<stream>`; -1 means not reported yet (Managed Flink developer guide, metrics).
 * - Firehose reading the stream: `KinesisMillisBehindLatest` in `AWS/Firehose` by `DeliveryStreamName`
 *   (Firehose developer guide, "Data ingestion through Kinesis Data Streams").
 * - Enhanced fan-out consumer: `SubscribeToShardEvent.MillisBehindLatest` in `AWS/Kinesis` by
 *   `StreamName` and `ConsumerName` (Kinesis developer guide, "Monitoring with CloudWatch").
 */

export const CONSUMER_KINDS = ['kcl', 'efo', 'lambda', 'flink', 'firehose'] as const;
export type ConsumerKind = (typeof CONSUMER_KINDS)[number];

export interface ConsumerRef {
  kind: ConsumerKind;
  /** The KCL application, EFO consumer, Lambda function, Flink application or delivery stream. */
  name: string;
}

export interface ConsumerLagMetric {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** The worst of the period is what an alarm or a report wants. */
  stat: 'Maximum';
  /** How the metric is named in messages and alarm descriptions. */
  label: string;
}

/** The metric that says how far behind one consumer of `stream` is (milliseconds). */
export function consumerLagMetric(consumer: ConsumerRef, stream: string): ConsumerLagMetric {
  const { kind, name } = consumer;
  switch (kind) {
    case 'kcl':
      return { namespace: name, metricName: 'MillisBehindLatest', dimensions: { Operation: 'ApplicationTracker' }, stat: 'Maximum', label: `KCL app ${name} MillisBehindLatest` };
    case 'efo':
      return { namespace: 'AWS/Kinesis', metricName: 'SubscribeToShardEvent.MillisBehindLatest', dimensions: { StreamName: stream, ConsumerName: name }, stat: 'Maximum', label: `EFO consumer ${name} SubscribeToShardEvent.MillisBehindLatest` };
    case 'lambda':
      return { namespace: 'AWS/Lambda', metricName: 'IteratorAge', dimensions: { FunctionName: name }, stat: 'Maximum', label: `Lambda ${name} IteratorAge` };
    case 'flink':
      return { namespace: 'AWS/KinesisAnalytics', metricName: 'millisBehindLatest', dimensions: { Application: name, Flow: 'Input', Id: stream }, stat: 'Maximum', label: `Flink app ${name} millisBehindLatest` };
    case 'firehose':
      return { namespace: 'AWS/Firehose', metricName: 'KinesisMillisBehindLatest', dimensions: { DeliveryStreamName: name }, stat: 'Maximum', label: `Firehose ${name} KinesisMillisBehindLatest` };
  }
}

/** `kind:name` as given on the command line or in a file (`lambda:orders-fn`); undefined when malformed. */
export function parseConsumerRef(text: string): ConsumerRef | undefined {
  const i = text.indexOf(':');
  if (i <= 0 || i === text.length - 1) return undefined;
  const kind = text.slice(0, i) as ConsumerKind;
  return (CONSUMER_KINDS as readonly string[]).includes(kind) ? { kind, name: text.slice(i + 1) } : undefined;
}
