/**
 * Where lag's positions and dimensions come from: the KCL lease table (DynamoDB Scan) and a DMS task's
 * CloudWatch dimensions (DescribeReplicationTasks, then ListMetrics). The metrics themselves are read
 * through the one GetMetricData batcher, src/aws/metrics.ts.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { parseLeaseItem, type Lease } from '../core/lag-model.js';
import type { DmsTaskDimensions } from '../core/lag-metrics.js';
import { NotFoundError } from '../errors.js';
import type { CloudWatchApi } from './api/cloudwatch.js';
import type { DmsApi } from './api/dms.js';
import type { DynamoDbApi } from './api/dynamodb.js';
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
export async function scanLeaseTable(dynamodb: DynamoDbApi, table: string, stream: string): Promise<LeaseScan> {
  const leases: Lease[] = [];
  let pages = 0;
  try {
    for await (const page of dynamodb.scanPages({ TableName: table, ConsistentRead: true })) {
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
// DMS task dimensions
// ---------------------------------------------------------------------------------------------

/**
 * The DMS task's CloudWatch dimensions. The task dimension is reported to be the task's resource id
 * (last part of its ARN), not its name (AWS DMS User Guide, Monitoring AWS DMS tasks, AWS Database
 * Migration Service metrics): resolve the task with DescribeReplicationTasks, then confirm with
 * ListMetrics which value the published metrics really carry.
 */
export async function resolveDmsTask(dms: DmsApi, cloudwatch: CloudWatchApi, idOrArn: string): Promise<DmsTaskDimensions> {
  const byArn = idOrArn.startsWith('arn:');
  let task;
  try {
    const res = await dms.describeReplicationTasks({ Filters: [{ Name: byArn ? 'replication-task-arn' : 'replication-task-id', Values: [idOrArn] }], WithoutSettings: true });
    task = res.ReplicationTasks?.[0];
  } catch (err) {
    if (!isAwsError(err, 'ResourceNotFoundFault')) throw err;
  }
  if (!task?.ReplicationTaskArn) throw new NotFoundError(`DMS task '${idOrArn}' not found`, 'pass the task identifier or its ARN (--dms-task), and check --region');
  const resourceId = task.ReplicationTaskArn.split(':').pop()!;
  const taskName = task.ReplicationTaskIdentifier ?? resourceId;
  let instanceName: string | undefined;
  if (task.ReplicationInstanceArn) {
    const inst = await dms.describeReplicationInstances({ Filters: [{ Name: 'replication-instance-arn', Values: [task.ReplicationInstanceArn] }] });
    instanceName = inst.ReplicationInstances?.[0]?.ReplicationInstanceIdentifier;
  }
  for (const candidate of [resourceId, taskName]) {
    const [metric] = await cloudwatch.listMetrics({ Namespace: 'AWS/DMS', MetricName: 'CDCLatencySource', Dimensions: [{ Name: 'ReplicationTaskIdentifier', Value: candidate }] });
    if (metric) {
      const inst = metric.Dimensions?.find((d) => d.Name === 'ReplicationInstanceIdentifier')?.Value ?? instanceName ?? '';
      return { taskArn: task.ReplicationTaskArn, taskName, taskDimension: candidate, instanceDimension: inst, confirmed: true };
    }
  }
  return { taskArn: task.ReplicationTaskArn, taskName, taskDimension: resourceId, instanceDimension: instanceName ?? '', confirmed: false };
}
