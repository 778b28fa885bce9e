/**
 * doctor's DMS stage on recorded, real-shaped DMS answers (aws-sdk-client-mock), for what moto lacks:
 * DescribeTableStatistics (not implemented in moto), a task's StopReason and a failed DescribeConnections
 * (moto's tasks never stop with a reason and its connection tests always succeed). Also: a denied call
 * becomes a skipped finding naming its IAM action, and the other checks still run.
 */
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DatabaseMigrationServiceClient,
  DescribeConnectionsCommand,
  DescribeEndpointsCommand,
  DescribeReplicationInstancesCommand,
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { cloudWatchApi } from '../../src/aws/api/cloudwatch.js';
import { dmsApi } from '../../src/aws/api/dms.js';
import { runDoctor, type DoctorClients } from '../../src/services/doctor.js';
import { SILENT_HOST } from '../../src/services/host.js';

const dmsMock = mockClient(DatabaseMigrationServiceClient);
const cwMock = mockClient(CloudWatchClient);
afterEach(() => {
  dmsMock.reset();
  cwMock.reset();
});

const TASK_ARN = 'arn:aws:dms:us-east-1:123456789012:task:ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const SRC = 'arn:aws:dms:us-east-1:123456789012:endpoint:SRCENDPOINT';
const TGT = 'arn:aws:dms:us-east-1:123456789012:endpoint:TGTENDPOINT';
const RI = 'arn:aws:dms:us-east-1:123456789012:rep:REPINSTANCE';

// A task as DescribeReplicationTasks returns one after a fatal error (shape of a real answer).
const failedTask = {
  ReplicationTaskIdentifier: 'orders-cdc',
  ReplicationTaskArn: TASK_ARN,
  SourceEndpointArn: SRC,
  TargetEndpointArn: TGT,
  ReplicationInstanceArn: RI,
  MigrationType: 'full-load-and-cdc' as const,
  TableMappings: '{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"public","table-name":"orders"},"rule-action":"include"}]}',
  ReplicationTaskSettings: '{"TargetMetadata":{"SupportLobs":true,"FullLobMode":false,"LimitedSizeLobMode":true,"LobMaxSize":64,"BatchApplyEnabled":false}}',
  Status: 'stopped',
  StopReason: 'Stop Reason FATAL_ERROR Error Level FATAL, error message: Last Error Replication task out of memory. Stop Reason FATAL_ERROR',
  LastFailureMessage: 'Last Error Replication task out of memory. Stop Reason FATAL_ERROR Error Level FATAL',
  ReplicationTaskStartDate: new Date('2026-11-30T08:00:00Z'),
  ReplicationTaskStats: { FullLoadProgressPercent: 100, TablesLoaded: 3, TablesLoading: 0, TablesQueued: 0, TablesErrored: 1, ElapsedTimeMillis: 3_600_000 },
};

function clients(): DoctorClients {
  const cfg = { region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } };
  const dms = dmsApi(new DatabaseMigrationServiceClient(cfg));
  const cw = cloudWatchApi(new CloudWatchClient(cfg));
  const none = () => Promise.reject(new Error('not used'));
  return { dmsApi: async () => dms, cloudwatchApi: async () => cw, kinesisApi: none, firehoseApi: none, s3Api: none, rdsApi: none, lambdaApi: none, region: async () => 'us-east-1' };
}

const opts = { stream: 'orders-cdc', dmsTask: 'orders-cdc', consumers: [], windowMs: 3_600_000, stages: ['dms' as const], thresholdMs: 300_000, dmsLatencyThresholdS: 120, nowMs: Date.parse('2026-12-01T10:00:00Z') };

function recordCommon(): void {
  dmsMock.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [failedTask] });
  dmsMock.on(DescribeEndpointsCommand).resolves({
    Endpoints: [
      { EndpointIdentifier: 'orders-src', EndpointArn: SRC, EndpointType: 'source', EngineName: 'postgres', ServerName: 'orders-db.abc.us-east-1.rds.amazonaws.com' },
      { EndpointIdentifier: 'orders-cdc-kinesis-target', EndpointArn: TGT, EndpointType: 'target', EngineName: 'kinesis' },
    ],
  });
  dmsMock.on(DescribeConnectionsCommand).resolves({
    Connections: [
      { EndpointArn: SRC, ReplicationInstanceArn: RI, Status: 'failed', LastFailureMessage: "Test connection for endpoint orders-src failed: FATAL: password authentication failed for user 'dms'", EndpointIdentifier: 'orders-src' },
      { EndpointArn: TGT, ReplicationInstanceArn: RI, Status: 'successful', EndpointIdentifier: 'orders-cdc-kinesis-target' },
    ],
  });
  dmsMock.on(DescribeReplicationInstancesCommand).resolves({ ReplicationInstances: [{ ReplicationInstanceArn: RI, ReplicationInstanceIdentifier: 'orders-ri' }] });
  cwMock.on(ListMetricsCommand).resolves({ Metrics: [{ Namespace: 'AWS/DMS', MetricName: 'CDCLatencySource', Dimensions: [{ Name: 'ReplicationInstanceIdentifier', Value: 'orders-ri' }, { Name: 'ReplicationTaskIdentifier', Value: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' }] }] });
  const t = [new Date(opts.nowMs - 120_000), new Date(opts.nowMs - 60_000)];
  cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'dmsLatSource', Timestamps: t, Values: [400, 500] }, { Id: 'dmsLatTarget', Timestamps: t, Values: [420, 530] }] });
}

describe('doctor DMS stage on recorded answers', () => {
  it('names the StopReason, the failed source connection, the table in error and the slow side', async () => {
    recordCommon();
    dmsMock.on(DescribeTableStatisticsCommand).resolves({
      ReplicationTaskArn: TASK_ARN,
      TableStatistics: [
        { SchemaName: 'public', TableName: 'orders', TableState: 'Table completed', Inserts: 10, FullLoadRows: 1000 },
        { SchemaName: 'public', TableName: 'order_lines', TableState: 'Table error', Inserts: 0, FullLoadRows: 0 },
      ],
    });
    const r = await runDoctor(opts, clients(), SILENT_HOST);
    const fs = r.stages[0]!.findings;
    const by = (id: string) => fs.filter((f) => f.id === id);
    expect(by('dms.task-status')[0]).toMatchObject({ severity: 'error', evidence: expect.stringContaining('StopReason = Stop Reason FATAL_ERROR') });
    expect(by('dms.task-status')[0]!.fix).toContain('--start-replication-task-type resume-processing');
    expect(by('dms.tables-errored')[0]).toMatchObject({ severity: 'error', evidence: 'ReplicationTaskStats.TablesErrored = 1' });
    expect(by('dms.table-errors')).toEqual([expect.objectContaining({ severity: 'error', resource: 'orders-cdc/public.order_lines', evidence: 'TableState = Table error' })]);
    expect(by('dms.table-errors')[0]!.fix).toContain('--tables-to-reload SchemaName=public,TableName=order_lines');
    expect(by('dms.source-connection')[0]).toMatchObject({ severity: 'error', resource: 'orders-src', evidence: expect.stringContaining('password authentication failed') });
    expect(by('dms.target-connection')[0]!.severity).toBe('ok');
    expect(by('dms.lob-mode')[0]!.evidence).toContain('LobMaxSize = 64 KB');
    expect(by('dms.cdc-latency')[0]).toMatchObject({ severity: 'warn', evidence: expect.stringContaining('the source side (reading the database log) is slow') });
    expect(r.getMetricDataCalls).toBe(1);
  });

  it('a denied DescribeTableStatistics is a skipped finding naming dms:DescribeTableStatistics; the rest is still checked', async () => {
    recordCommon();
    dmsMock.on(DescribeTableStatisticsCommand).rejects(Object.assign(new Error('User: arn:aws:iam::123456789012:user/ci is not authorized to perform: dms:DescribeTableStatistics'), { name: 'AccessDeniedFault', $metadata: { httpStatusCode: 400 } }));
    const r = await runDoctor(opts, clients(), SILENT_HOST);
    const fs = r.stages[0]!.findings;
    expect(fs.find((f) => f.id === 'dms.table-errors')).toMatchObject({ severity: 'skipped', deniedAction: 'dms:DescribeTableStatistics' });
    expect(fs.find((f) => f.id === 'dms.task-status')!.severity).toBe('error');
    expect(r.deniedActions).toEqual(['dms:DescribeTableStatistics']);
  });
});
