/**
 * The RDS and CloudWatch reads of `doctor`'s source stage: which DB instance or Aurora cluster the
 * source is (by id, or by the endpoint address DMS connects to), its parameter group with every
 * parameter (all pages), and its FreeStorageSpace over the window.
 *
 * A call that is denied, or an RDS/CloudWatch that does not answer (no endpoint, --local, no
 * credentials), becomes a `skipped` finding that says why (with the IAM action when denied); a named
 * instance or cluster that does not exist is a NotFoundError (exit 4).
 */
import type { DBCluster, DBInstance } from '@aws-sdk/client-rds';
import type { Finding } from '../core/doctor/finding.js';
import type { ObservedRdsSource, RdsParameter } from '../core/doctor/source-rds.js';
import { metricPeriodS, type MetricSeries } from '../core/metric-spec.js';
import { AuthError, AwsCallError, CliError, NotFoundError } from '../errors.js';
import type { AwsClients } from './clients.js';

/** The clients the source stage reads with (AwsClients fits; doctor passes its own narrow set). */
export type SourceClients = Pick<AwsClients, 'rdsApi' | 'cloudwatchApi'> & { settings?: { env?: NodeJS.ProcessEnv } };
import { isAwsError, toCliError } from './errors.js';
import { getMetricSeries } from './metrics.js';
import type { RdsApi } from './api/rds.js';

export interface RdsTarget {
  dbInstance?: string;
  dbCluster?: string;
  /** The address DMS connects to: matched to an instance's or cluster's endpoint. */
  serverName?: string;
}

export type RdsRead = { observed: ObservedRdsSource; instanceForMetrics?: string } | { skipped: Finding };

const DENIED = ['AccessDenied', 'AccessDeniedException', 'AccessDeniedFault', 'UnauthorizedOperation', 'UnauthorizedException'];

/** Not an answer: the reason the check is skipped. */
class Skip extends Error {
  constructor(
    readonly why: string,
    readonly deniedAction?: string,
  ) {
    super(why);
  }
}

/** Runs one call; a denial or an endpoint that does not answer becomes a Skip, the rest is thrown as a CliError. */
async function call<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw classify(err, action);
  }
}

function classify(err: unknown, action: string): Error {
  if (err instanceof Skip || err instanceof NotFoundError) return err;
  if (isAwsError(err, ...DENIED)) return new Skip(`access denied to ${action}`, action);
  const cli = err instanceof CliError ? err : toCliError(err);
  // Not served here (--local), not reachable, not an AWS answer, or no credentials: nothing to read.
  if (cli instanceof AuthError || (cli instanceof AwsCallError && /not served|not reachable|not an AWS answer|no AWS region/.test(cli.message))) return new Skip(cli.message);
  return cli;
}

function skippedFinding(resource: string, skip: Skip, id = 'source.rds'): Finding {
  return { stage: 'source', severity: 'skipped', id, resource, evidence: `RDS checks not made: ${skip.why.replace(/^RDS: /, '')}`, ...(skip.deniedAction ? { deniedAction: skip.deniedAction } : {}) };
}

export async function readRdsSource(clients: SourceClients, target: RdsTarget): Promise<RdsRead> {
  const resource = target.dbInstance ?? target.dbCluster ?? target.serverName ?? 'source';
  if (!target.dbInstance && !target.dbCluster && !target.serverName) {
    return { skipped: { stage: 'source', severity: 'skipped', id: 'source.rds', resource, evidence: 'RDS checks not made: no --db-instance, --db-cluster or DMS source endpoint to find the database by' } };
  }
  try {
    const rds = await call('rds:DescribeDBInstances', () => clients.rdsApi());
    const found = await locate(rds, target);
    if (!found) {
      return { skipped: { stage: 'source', severity: 'skipped', id: 'source.rds', resource, evidence: `RDS checks not made: no DB instance or cluster in this account and region has the endpoint ${target.serverName} (a self-managed database?)` } };
    }
    if ('cluster' in found) return { observed: await clusterSource(rds, found.cluster) };
    return { observed: await instanceSource(rds, found.instance), instanceForMetrics: found.instance.DBInstanceIdentifier };
  } catch (err) {
    if (err instanceof Skip) return { skipped: skippedFinding(resource, err) };
    throw err;
  }
}

async function locate(rds: RdsApi, target: RdsTarget): Promise<{ instance: DBInstance } | { cluster: DBCluster } | undefined> {
  if (target.dbInstance) {
    const id = target.dbInstance;
    const instance = await call('rds:DescribeDBInstances', async () => {
      try {
        return (await rds.describeDBInstances({ DBInstanceIdentifier: id })).DBInstances?.[0];
      } catch (err) {
        if (isAwsError(err, 'DBInstanceNotFoundFault', 'DBInstanceNotFound')) return undefined;
        throw err;
      }
    });
    if (!instance) throw new NotFoundError(`RDS DB instance '${id}' not found`, 'check --db-instance, the --region and the account (--profile) you are using');
    // An Aurora instance: the CDC parameters live in its cluster's parameter group.
    if (instance.DBClusterIdentifier) return { cluster: await describeCluster(rds, instance.DBClusterIdentifier) };
    return { instance };
  }
  if (target.dbCluster) return { cluster: await describeCluster(rds, target.dbCluster) };
  const address = target.serverName!.toLowerCase();
  const instances = await call('rds:DescribeDBInstances', () => rds.listAllDBInstances());
  const instance = instances.find((i) => i.Endpoint?.Address?.toLowerCase() === address);
  if (instance && !instance.DBClusterIdentifier) return { instance };
  if (instance?.DBClusterIdentifier) return { cluster: await describeCluster(rds, instance.DBClusterIdentifier) };
  const clusters = await call('rds:DescribeDBClusters', () => rds.listAllDBClusters());
  const cluster = clusters.find((c) => [c.Endpoint, c.ReaderEndpoint, ...(c.CustomEndpoints ?? [])].some((e) => e?.toLowerCase() === address));
  return cluster ? { cluster } : undefined;
}

async function describeCluster(rds: RdsApi, id: string): Promise<DBCluster> {
  const cluster = await call('rds:DescribeDBClusters', async () => {
    try {
      return (await rds.describeDBClusters({ DBClusterIdentifier: id })).DBClusters?.[0];
    } catch (err) {
      if (isAwsError(err, 'DBClusterNotFoundFault', 'DBClusterNotFound')) return undefined;
      throw err;
    }
  });
  if (!cluster) throw new NotFoundError(`RDS DB cluster '${id}' not found`, 'check --db-cluster, the --region and the account (--profile) you are using');
  return cluster;
}

const toParameters = (list: { ParameterName?: string; ParameterValue?: string; ApplyType?: string; ApplyMethod?: string; Source?: string }[]) =>
  new Map<string, RdsParameter>(list.filter((p) => p.ParameterName).map((p) => [p.ParameterName!, { value: p.ParameterValue, applyType: p.ApplyType, applyMethod: p.ApplyMethod, source: p.Source }]));

async function instanceSource(rds: RdsApi, i: DBInstance): Promise<ObservedRdsSource> {
  const group = i.DBParameterGroups?.[0];
  const name = group?.DBParameterGroupName ?? '';
  const list = name ? await call('rds:DescribeDBParameters', () => rds.listAllDBParameters({ DBParameterGroupName: name })) : [];
  return {
    kind: 'instance',
    id: i.DBInstanceIdentifier ?? '',
    engine: i.Engine ?? '',
    engineVersion: i.EngineVersion,
    backupRetentionPeriod: i.BackupRetentionPeriod,
    readReplicaOf: i.ReadReplicaSourceDBInstanceIdentifier,
    parameterGroup: name,
    applyStatus: group?.ParameterApplyStatus,
    rebootTargets: [i.DBInstanceIdentifier ?? ''],
    parameters: toParameters(list),
  };
}

async function clusterSource(rds: RdsApi, c: DBCluster): Promise<ObservedRdsSource> {
  const name = c.DBClusterParameterGroup ?? '';
  const list = name ? await call('rds:DescribeDBClusterParameters', () => rds.listAllDBClusterParameters({ DBClusterParameterGroupName: name })) : [];
  const members = c.DBClusterMembers ?? [];
  const pending = members.filter((m) => m.DBClusterParameterGroupStatus === 'pending-reboot');
  const other = members.find((m) => m.DBClusterParameterGroupStatus && m.DBClusterParameterGroupStatus !== 'in-sync');
  const writers = members.filter((m) => m.IsClusterWriter).map((m) => m.DBInstanceIdentifier ?? '');
  return {
    kind: 'cluster',
    id: c.DBClusterIdentifier ?? '',
    engine: c.Engine ?? '',
    engineVersion: c.EngineVersion,
    backupRetentionPeriod: c.BackupRetentionPeriod,
    parameterGroup: name,
    applyStatus: pending.length ? 'pending-reboot' : (other?.DBClusterParameterGroupStatus ?? 'in-sync'),
    rebootTargets: pending.length ? pending.map((m) => m.DBInstanceIdentifier ?? '') : writers,
    parameters: toParameters(list),
  };
}

/** FreeStorageSpace (AWS/RDS, by DBInstanceIdentifier, the minimum of each period) over the window; a Skip's reason when it cannot be read. */
export async function readFreeStorage(clients: SourceClients, instanceId: string, window: { nowMs: number; windowMs: number }): Promise<{ series: MetricSeries } | { unavailable: string; deniedAction?: string }> {
  try {
    const cloudwatch = await call('cloudwatch:GetMetricData', () => clients.cloudwatchApi());
    const { series } = await call('cloudwatch:GetMetricData', () =>
      getMetricSeries(cloudwatch, [{ id: 'free', namespace: 'AWS/RDS', metricName: 'FreeStorageSpace', dimensions: { DBInstanceIdentifier: instanceId }, stat: 'Minimum' }], {
        startMs: window.nowMs - window.windowMs,
        endMs: window.nowMs,
        periodS: metricPeriodS(window.windowMs),
      }),
    );
    return { series: series.get('free')! };
  } catch (err) {
    if (err instanceof Skip) return { unavailable: err.why, ...(err.deniedAction ? { deniedAction: err.deniedAction } : {}) };
    throw err;
  }
}
