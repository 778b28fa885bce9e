/**
 * doctor's DMS stage: the task (DescribeReplicationTasks), its endpoints (DescribeEndpoints), their
 * connection tests (DescribeConnections), the tables' states (DescribeTableStatistics) and the CDC
 * latency metrics' dimensions (as `lag --dms-task` resolves them). It also hands the source stage the
 * source endpoint's ServerName, the tables the task includes and how many tasks read that source.
 */
import { resolveDmsTask } from '../aws/lag-sources.js';
import { observedTask } from '../aws/provision/dms-task.js';
import { connectionFindings, dmsLatencySpecs, includedTables, latencyFinding, tableErrorFindings, type EndpointConnection, type TableStat } from '../core/doctor/dms.js';
import { taskModel, type ObservedTask } from '../core/provision/dms-task.js';
import { NotFoundError } from '../errors.js';
import { metricSkipped, type DoctorRun, type MetricsRead } from './doctor.js';

export interface DmsStage {
  sourceServerName?: string;
  includeTables?: { schema: string; table: string }[];
  taskCount?: number;
  evaluate(m: MetricsRead): void;
}


export async function readDms(run: DmsRunLike): Promise<DmsStage | undefined> {
  const cfg = run.opts.config?.dms;
  const taskId = run.opts.dmsTask ?? cfg?.task.id;
  const report = run.has('dms');
  const none: DmsStage = { evaluate: () => undefined };
  if (!taskId || (cfg?.serverless && !run.opts.dmsTask)) {
    if (report) {
      run.add({ stage: 'dms', id: 'dms.task-status', resource: taskId ?? 'dms', severity: 'skipped', evidence: cfg?.serverless ? 'DMS Serverless replications are not checked by doctor yet' : 'no DMS task named (--dms-task or dms.task.id in the file)' });
    }
    const serverName = cfg ? await sourceServerName(run, cfg.sourceEndpointArn) : undefined;
    return { ...none, ...(serverName ? { sourceServerName: serverName } : {}) };
  }
  const g = { stage: 'dms' as const, resource: taskId, service: 'dms' as const };
  const dms = await run.guard({ ...g, id: 'dms.task-status', action: 'dms:DescribeReplicationTasks' }, () => run.clients.dmsApi());
  if (!dms) return undefined;
  const task = await run.guard({ ...g, id: 'dms.task-status', action: 'dms:DescribeReplicationTasks', named: true }, async () => {
    const byArn = taskId.startsWith('arn:');
    const res = await dms.describeReplicationTasks({ Filters: [{ Name: byArn ? 'replication-task-arn' : 'replication-task-id', Values: [taskId] }], WithoutSettings: false });
    const t = res.ReplicationTasks?.[0];
    if (!t?.ReplicationTaskArn) throw new NotFoundError(`DMS task '${taskId}' not found`, 'pass the task identifier or its ARN (--dms-task), and check --region');
    return t;
  });
  if (!task) return undefined;
  const arn = task.ReplicationTaskArn!;
  const observed: ObservedTask = {
    ...observedTask(task),
    identifier: task.ReplicationTaskIdentifier ?? taskId,
    tablesErrored: task.ReplicationTaskStats?.TablesErrored ?? 0,
  };

  const name = observed.identifier!;
  if (report) run.add(...taskModel.check!(observed));

  const endpoints = await run.guard({ ...g, id: 'dms.source-connection', action: 'dms:DescribeEndpoints', optional: true }, async () =>
    (await dms.describeEndpoints({ Filters: [{ Name: 'endpoint-arn', Values: [observed.sourceEndpointArn, observed.targetEndpointArn].filter(Boolean) }] })).Endpoints ?? [],
  );
  const source = endpoints?.find((e) => e.EndpointArn === observed.sourceEndpointArn);
  const stage: DmsStage = {
    ...(source?.ServerName ? { sourceServerName: source.ServerName } : {}),
    includeTables: includedTables(observed.tableMappings),
    evaluate: () => undefined,
  };
  if (run.has('source') && observed.sourceEndpointArn) {
    const count = await run.guard({ stage: 'source', id: 'source.task-count', resource: observed.sourceEndpointArn, service: 'dms', action: 'dms:DescribeReplicationTasks', optional: true }, async () =>
      (await dms.describeReplicationTasks({ Filters: [{ Name: 'endpoint-arn', Values: [observed.sourceEndpointArn] }], WithoutSettings: true })).ReplicationTasks?.length ?? 0,
    );
    if (count !== undefined) stage.taskCount = count;
  }
  if (!report) return stage;

  const conns = await run.guard({ ...g, id: 'dms.source-connection', action: 'dms:DescribeConnections', optional: true }, async () =>
    (await dms.describeConnections({ Filters: [{ Name: 'endpoint-arn', Values: [observed.sourceEndpointArn, observed.targetEndpointArn].filter(Boolean) }] })).Connections ?? [],
  );
  if (conns) {
    const idOf = (endpointArn: string) => endpoints?.find((e) => e.EndpointArn === endpointArn)?.EndpointIdentifier ?? endpointArn;
    const list: EndpointConnection[] = (['source', 'target'] as const).map((role) => {
      const endpointArn = role === 'source' ? observed.sourceEndpointArn : observed.targetEndpointArn;
      // The test that counts is the one from the task's replication instance.
      const c = conns.find((x) => x.EndpointArn === endpointArn && (!x.ReplicationInstanceArn || x.ReplicationInstanceArn === observed.replicationInstanceArn)) ?? conns.find((x) => x.EndpointArn === endpointArn);
      return { endpointArn, endpointId: idOf(endpointArn), role, ...(c?.Status ? { status: c.Status } : {}), ...(c?.LastFailureMessage ? { lastFailureMessage: c.LastFailureMessage } : {}) };
    });
    run.add(...connectionFindings(list, observed.replicationInstanceArn || undefined));
  }

  const stats = await run.guard({ ...g, id: 'dms.table-errors', action: 'dms:DescribeTableStatistics', optional: true }, () => dms.listAllTableStatistics(arn));
  if (stats) run.add(...tableErrorFindings(name, arn, stats.map((s): TableStat => ({ schema: s.SchemaName ?? '', table: s.TableName ?? '', state: s.TableState ?? '' }))));

  const dims = await run.guard({ ...g, id: 'dms.cdc-latency', action: 'cloudwatch:ListMetrics', service: 'cloudwatch', optional: true }, async () =>
    resolveDmsTask(dms, await run.clients.cloudwatchApi(), arn),
  );
  if (dims) run.specs.push(...dmsLatencySpecs(dims));
  const stream = run.opts.stream;
  stage.evaluate = (m) => {
    if (!dims) return;
    run.add(m.series ? latencyFinding(name, m.series, run.opts.dmsLatencyThresholdS, stream) : metricSkipped(m, 'dms', 'dms.cdc-latency', name));
  };
  return stage;
}

/** The source endpoint's ServerName, when only the file names it (no task to read). */
async function sourceServerName(run: DmsRunLike, endpointArn: string): Promise<string | undefined> {
  if (!run.has('source')) return undefined;
  const eps = await run.guard({ stage: 'source', id: 'source.endpoint', resource: endpointArn, service: 'dms', action: 'dms:DescribeEndpoints', optional: true }, async () =>
    (await (await run.clients.dmsApi()).describeEndpoints({ Filters: [{ Name: 'endpoint-arn', Values: [endpointArn] }] })).Endpoints ?? [],
  );
  return eps?.[0]?.ServerName;
}

type DmsRunLike = DoctorRun;
