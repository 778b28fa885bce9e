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

/** The kinds `lag` reads through a CloudWatch metric (a KCL app is read from its lease table instead). */
export type MetricConsumerKind = Exclude<ConsumerKind, 'kcl'>;

/** How each kind is named on the command line (`lag --lambda fn`). */
export const CONSUMER_FLAGS: Record<ConsumerKind, string> = {
  kcl: '--app',
  efo: '--efo-consumer',
  lambda: '--lambda',
  flink: '--flink',
  firehose: '--firehose-source',
};

export interface ConsumerReadMetric {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  stat: 'Sum' | 'SampleCount';
  label: string;
}

/**
 * The metric that has datapoints while one consumer reads: what an idle alarm on that consumer counts.
 * EFO publishes `SubscribeToShardEvent.Success` per event and Firehose `DataReadFromKinesisStream.Records`;
 * KCL, Lambda and Flink publish their lag metric on each batch they process, so its sample count is
 * their reads.
 */
export function consumerReadMetric(consumer: ConsumerRef, stream: string): ConsumerReadMetric {
  const lag = consumerLagMetric(consumer, stream);
  if (consumer.kind === 'efo') return { ...lag, metricName: 'SubscribeToShardEvent.Success', stat: 'Sum', label: `EFO consumer ${consumer.name} SubscribeToShardEvent.Success` };
  if (consumer.kind === 'firehose') return { ...lag, metricName: 'DataReadFromKinesisStream.Records', stat: 'Sum', label: `Firehose ${consumer.name} DataReadFromKinesisStream.Records` };
  return { ...lag, stat: 'SampleCount', label: `${lag.label} (sample count)` };
}

/**
 * What AWS accepts as the name of each kind, as a message naming it; undefined when valid.
 * - KCL: the application name is its lease table's name (DynamoDB table names: 3–255 of `A-Z a-z 0-9 _ . -`)
 *   and its metrics' namespace.
 * - EFO consumer (RegisterStreamConsumer ConsumerName), Flink application (CreateApplication
 *   ApplicationName): 1–128 of `A-Z a-z 0-9 _ . -`.
 * - Lambda: the function's name as the `FunctionName` dimension carries it, 1–64 of `A-Z a-z 0-9 _ -`.
 * - Firehose delivery stream: 1–64 of `A-Z a-z 0-9 _ . -`.
 */
export function consumerNameProblem(consumer: ConsumerRef): string | undefined {
  const { kind, name } = consumer;
  const rule: Record<ConsumerKind, [RegExp, string]> = {
    kcl: [/^[A-Za-z0-9_.-]{3,255}$/, '3–255 of A-Z a-z 0-9 _ . - (the lease table is named after the app)'],
    efo: [/^[A-Za-z0-9_.-]{1,128}$/, 'an EFO consumer name, 1–128 of A-Z a-z 0-9 _ . -'],
    flink: [/^[A-Za-z0-9_.-]{1,128}$/, 'a Flink application name, 1–128 of A-Z a-z 0-9 _ . -'],
    lambda: [/^[A-Za-z0-9_-]{1,64}$/, 'a Lambda function name (not an ARN), 1–64 of A-Z a-z 0-9 _ -'],
    firehose: [/^[A-Za-z0-9_.-]{1,64}$/, 'a delivery stream name, 1–64 of A-Z a-z 0-9 _ . -'],
  };
  const [re, accepts] = rule[kind];
  return re.test(name) ? undefined : `expected ${accepts}, got '${name}'`;
}
