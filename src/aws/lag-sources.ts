/**
 * Where lag comes from: the KCL lease table (DynamoDB Scan) and CloudWatch
 * (enhanced fan-out consumers, stream metrics, DMS and Firehose stages). Clients come in as
 * parameters so the CloudWatch/DMS parts can be tested with aws-sdk-client-mock.
 */
import { paginateScan, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { paginateGetMetricData, paginateListMetrics, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  DescribeReplicationInstancesCommand,
  DescribeReplicationTasksCommand,
  type DatabaseMigrationServiceClient,
} from '@aws-sdk/client-database-migration-service';
import { parseLeaseItem, type Lease } from '../core/lag-model.js';
import { GETMETRICDATA_MAX_QUERIES } from '../core/limits.js';
import { NotFoundError } from '../errors.js';
import { isAwsError } from './errors.js';

// ---------------------------------------------------------------------------------------------
// KCL lease table
// ---------------------------------------------------------------------------------------------

export interface LeaseScan {
  table: string;
  leases: Lease[];
  /** Scan pages read. */
  pages: number;
}

/**
 * Every lease of the table (both KCL layouts), for this stream. Consistent reads, so a renewal that
 * has been acknowledged is seen (leaseCounter is what tells a live owner from a stopped one).
 */
export async function scanLeaseTable(client: DynamoDBClient, table: string, stream: string): Promise<LeaseScan> {
  const leases: Lease[] = [];
  let pages = 0;
  try {
    for await (const page of paginateScan({ client }, { TableName: table, ConsistentRead: true })) {
      pages++;
      for (const item of page.Items ?? []) {
        const lease = parseLeaseItem(fromAttributeMap(item), stream);
        if (lease) leases.push(lease);
      }
    }
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundException')) {
      throw new NotFoundError(`lease table '${table}' not found`, 'the table is named after the KCL application (--app); pass --lease-table if it differs');
    }
    throw err;
  }
  return { table, leases, pages };
}

/** DynamoDB AttributeValue → plain value (N → number, SS/NS → arrays); enough for lease items. */
export function fromAttributeMap(item: Record<string, AttributeValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) out[k] = fromAttribute(v);
  return out;
}

function fromAttribute(v: AttributeValue): unknown {
  if (v.S !== undefined) return v.S;
  if (v.N !== undefined) return Number(v.N);
  if (v.BOOL !== undefined) return v.BOOL;
  if (v.NULL) return null;
  if (v.SS) return [...v.SS];
  if (v.NS) return v.NS.map(Number);
  if (v.L) return v.L.map(fromAttribute);
  if (v.M) return fromAttributeMap(v.M);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// CloudWatch
// ---------------------------------------------------------------------------------------------

export interface MetricSpec {
  id: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  stat: 'Maximum' | 'Sum' | 'Average';
}

export interface MetricSeries {
  /** Ascending. */
  timestampsMs: number[];
  values: number[];
}

/**
 * GetMetricData for any number of metrics: batches of at most 500 queries per call (the API's limit,
 * FACTS.md), each batch paginated over NextToken. Returns the series by query id.
 */
export async function getMetricSeries(
  client: CloudWatchClient,
  specs: MetricSpec[],
  window: { startMs: number; endMs: number; periodS: number },
): Promise<{ series: Map<string, MetricSeries>; calls: number }> {
  const series = new Map<string, MetricSeries>(specs.map((s) => [s.id, { timestampsMs: [], values: [] }]));
  let calls = 0;
  for (let i = 0; i < specs.length; i += GETMETRICDATA_MAX_QUERIES) {
    const queries: MetricDataQuery[] = specs.slice(i, i + GETMETRICDATA_MAX_QUERIES).map((s) => ({
      Id: s.id,
      MetricStat: {
        Metric: { Namespace: s.namespace, MetricName: s.metricName, Dimensions: Object.entries(s.dimensions).map(([Name, Value]) => ({ Name, Value })) },
        Period: window.periodS,
        Stat: s.stat,
      },
      ReturnData: true,
    }));
    const pages = paginateGetMetricData(
      { client },
      { MetricDataQueries: queries, StartTime: new Date(window.startMs), EndTime: new Date(window.endMs), ScanBy: 'TimestampAscending' },
    );
    for await (const page of pages) {
      calls++;
      for (const r of page.MetricDataResults ?? []) {
        const s = series.get(r.Id ?? '');
        if (!s) continue;
        (r.Timestamps ?? []).forEach((t, k) => {
          s.timestampsMs.push(t.getTime());
          s.values.push(r.Values?.[k] ?? 0);
        });
      }
    }
  }
  for (const s of series.values()) sortSeries(s);
  return { series, calls };
}

function sortSeries(s: MetricSeries): void {
  const order = s.timestampsMs.map((_, i) => i).sort((a, b) => s.timestampsMs[a]! - s.timestampsMs[b]!);
  s.timestampsMs = order.map((i) => s.timestampsMs[i]!);
  s.values = order.map((i) => s.values[i]!);
}

/** One datapoint per minute for windows up to 6 h; coarser beyond, to stay at ≤ 360 points per metric. */
export function metricPeriodS(windowMs: number): number {
  return Math.max(60, Math.ceil(windowMs / 1000 / 360 / 60) * 60);
}

const KINESIS = 'AWS/Kinesis';

/**
 * Stream metrics for the default view: the stream-level iterator age (the maximum over every consumer
 * application), incoming records, read/write throttling, and per-shard iterator age when enhanced
 * (shard-level) monitoring publishes it.
 */
export function streamMetricSpecs(stream: string, perShardIds: string[]): MetricSpec[] {
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

/** An enhanced fan-out consumer: SubscribeToShardEvent.MillisBehindLatest by StreamName + ConsumerName. */
export function efoMetricSpecs(stream: string, consumer: string): MetricSpec[] {
  return [
    {
      id: 'efoBehind',
      namespace: KINESIS,
      metricName: 'SubscribeToShardEvent.MillisBehindLatest',
      dimensions: { StreamName: stream, ConsumerName: consumer },
      stat: 'Maximum',
    },
    ...commonStreamSpecs(stream),
  ];
}

export function firehoseMetricSpecs(deliveryStream: string): MetricSpec[] {
  return [{ id: 'firehoseFreshness', namespace: 'AWS/Firehose', metricName: 'DeliveryToS3.DataFreshness', dimensions: { DeliveryStreamName: deliveryStream }, stat: 'Maximum' }];
}

export interface DmsTaskDimensions {
  taskArn: string;
  taskName: string;
  /** ReplicationTaskIdentifier as CloudWatch publishes it. */
  taskDimension: string;
  instanceDimension: string;
  /** false when ListMetrics found no CDC metric yet (a task that has not run CDC). */
  confirmed: boolean;
}

/**
 * The DMS task's CloudWatch dimensions. The task dimension is reported to be the task's resource id
 * (last part of its ARN), not its name (FACTS.md): resolve the task with DescribeReplicationTasks,
 * then confirm with ListMetrics which value the published metrics really carry.
 */
export async function resolveDmsTask(dms: DatabaseMigrationServiceClient, cw: CloudWatchClient, idOrArn: string): Promise<DmsTaskDimensions> {
  const byArn = idOrArn.startsWith('arn:');
  let task;
  try {
    const res = await dms.send(
      new DescribeReplicationTasksCommand({ Filters: [{ Name: byArn ? 'replication-task-arn' : 'replication-task-id', Values: [idOrArn] }], WithoutSettings: true }),
    );
    task = res.ReplicationTasks?.[0];
  } catch (err) {
    if (!isAwsError(err, 'ResourceNotFoundFault')) throw err;
  }
  if (!task?.ReplicationTaskArn) throw new NotFoundError(`DMS task '${idOrArn}' not found`, 'pass the task identifier or its ARN (--dms-task), and check --region');
  const resourceId = task.ReplicationTaskArn.split(':').pop()!;
  const taskName = task.ReplicationTaskIdentifier ?? resourceId;
  let instanceName: string | undefined;
  if (task.ReplicationInstanceArn) {
    const inst = await dms.send(new DescribeReplicationInstancesCommand({ Filters: [{ Name: 'replication-instance-arn', Values: [task.ReplicationInstanceArn] }] }));
    instanceName = inst.ReplicationInstances?.[0]?.ReplicationInstanceIdentifier;
  }
  for (const candidate of [resourceId, taskName]) {
    for await (const page of paginateListMetrics(
      { client: cw },
      { Namespace: 'AWS/DMS', MetricName: 'CDCLatencySource', Dimensions: [{ Name: 'ReplicationTaskIdentifier', Value: candidate }] },
    )) {
      const metric = page.Metrics?.[0];
      if (metric) {
        const inst = metric.Dimensions?.find((d) => d.Name === 'ReplicationInstanceIdentifier')?.Value ?? instanceName ?? '';
        return { taskArn: task.ReplicationTaskArn, taskName, taskDimension: candidate, instanceDimension: inst, confirmed: true };
      }
      break;
    }
  }
  return { taskArn: task.ReplicationTaskArn, taskName, taskDimension: resourceId, instanceDimension: instanceName ?? '', confirmed: false };
}

export function dmsMetricSpecs(dims: DmsTaskDimensions): MetricSpec[] {
  const dimensions = { ReplicationInstanceIdentifier: dims.instanceDimension, ReplicationTaskIdentifier: dims.taskDimension };
  return [
    { id: 'dmsSource', namespace: 'AWS/DMS', metricName: 'CDCLatencySource', dimensions, stat: 'Maximum' },
    { id: 'dmsTarget', namespace: 'AWS/DMS', metricName: 'CDCLatencyTarget', dimensions, stat: 'Maximum' },
  ];
}
