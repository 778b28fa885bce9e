/**
 * doctor's source stage on RDS answers that moto cannot give: moto's parameter groups are always
 * `in-sync` (it never reports `pending-reboot`) and it never denies a call. These tests use
 * aws-sdk-client-mock, a MOCK of the RDS and CloudWatch SDK clients (not AWS), with recorded
 * real-shaped answers (DescribeDBInstances / DescribeDBClusters / DescribeDBParameters as AWS returns
 * them: ParameterApplyStatus, Source, ApplyType, ApplyMethod), under the real AwsClients, the narrow
 * RdsApi and its paginators. Everything moto does serve is tested against moto in
 * test/integration/doctor-source.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeDBClusterParametersCommand, DescribeDBClustersCommand, DescribeDBInstancesCommand, DescribeDBParametersCommand, RDSClient } from '@aws-sdk/client-rds';
import { AwsClients } from '../../src/aws/clients.js';
import { SILENT_HOST } from '../../src/services/host.js';
import { checkSource } from '../../src/services/doctor-source.js';

const rdsMock = mockClient(RDSClient);
const clients = () => new AwsClients({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDMOCK', secretAccessKey: 'mock' }, maxAttempts: 1 });
const NOW = Date.parse('2026-11-27T10:00:00Z');
const opts = { windowMs: 3_600_000, nowMs: NOW };
const denied = (action: string) => Object.assign(new Error(`User: arn:aws:iam::123456789012:user/ops is not authorized to perform: ${action}`), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });

afterEach(() => rdsMock.reset());

describe('pending-reboot (mock: moto is always in-sync)', () => {
  it('an instance whose parameter group waits on a reboot for rds.logical_replication: error naming it, fix reboots the instance', async () => {
    rdsMock.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'orders-pg' }).resolves({
      DBInstances: [
        {
          DBInstanceIdentifier: 'orders-pg',
          Engine: 'postgres',
          EngineVersion: '15.5',
          BackupRetentionPeriod: 7,
          DBParameterGroups: [{ DBParameterGroupName: 'orders-pg15', ParameterApplyStatus: 'pending-reboot' }],
          Endpoint: { Address: 'orders-pg.abcdefghijkl.us-east-1.rds.amazonaws.com', Port: 5432 },
        },
      ],
    });
    // Two pages, as DescribeDBParameters pages a real group: the paginator must follow Marker.
    rdsMock
      .on(DescribeDBParametersCommand, { DBParameterGroupName: 'orders-pg15' })
      .resolvesOnce({
        Parameters: [{ ParameterName: 'work_mem', ParameterValue: '8192', Source: 'user', ApplyType: 'dynamic', ApplyMethod: 'immediate', IsModifiable: true }],
        Marker: 'page2',
      })
      .resolvesOnce({
        Parameters: [
          { ParameterName: 'rds.logical_replication', ParameterValue: '1', Source: 'user', ApplyType: 'static', ApplyMethod: 'pending-reboot', IsModifiable: true },
          { ParameterName: 'max_replication_slots', ParameterValue: '20', Source: 'system', ApplyType: 'static', IsModifiable: true },
        ],
      });
    const findings = await checkSource({ ...opts, dbInstance: 'orders-pg', taskCount: 1 }, clients(), SILENT_HOST);
    const pending = findings.find((f) => f.id === 'source.parameter-group-status')!;
    expect(pending).toMatchObject({ severity: 'error', resource: 'orders-pg', fix: 'aws rds reboot-db-instance --db-instance-identifier orders-pg' });
    expect(pending.evidence).toBe('parameter group orders-pg15 is pending-reboot: waiting: rds.logical_replication=1; the values checked here are not in effect until then');
    // (The SDK paginator reuses one input object, so only the count and the last Marker can be told.)
    const pages = rdsMock.commandCalls(DescribeDBParametersCommand);
    expect(pages).toHaveLength(2);
    expect(pages[1]!.args[0].input.Marker).toBe('page2');
    expect(findings.find((f) => f.id === 'source.logical-replication')?.severity).toBe('ok');
    expect(findings.find((f) => f.id === 'source.replication-slots')?.evidence).toContain('max_replication_slots = 20');
  });

  it('an Aurora cluster with a member pending-reboot on the cluster parameter group: the fix reboots that member', async () => {
    rdsMock.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'orders-aurora' }).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'orders-aurora',
          Engine: 'aurora-mysql',
          EngineVersion: '8.0.mysql_aurora.3.05.2',
          BackupRetentionPeriod: 1,
          DBClusterParameterGroup: 'orders-aurora-cdc',
          DBClusterMembers: [
            { DBInstanceIdentifier: 'orders-aurora-1', IsClusterWriter: true, DBClusterParameterGroupStatus: 'pending-reboot' },
            { DBInstanceIdentifier: 'orders-aurora-2', IsClusterWriter: false, DBClusterParameterGroupStatus: 'in-sync' },
          ],
        },
      ],
    });
    rdsMock.on(DescribeDBClusterParametersCommand, { DBClusterParameterGroupName: 'orders-aurora-cdc' }).resolves({
      Parameters: [{ ParameterName: 'binlog_format', ParameterValue: 'ROW', Source: 'user', ApplyType: 'static', ApplyMethod: 'pending-reboot' }],
    });
    const findings = await checkSource({ ...opts, dbCluster: 'orders-aurora' }, clients(), SILENT_HOST);
    expect(findings.find((f) => f.id === 'source.parameter-group-status')).toMatchObject({
      severity: 'error',
      evidence: expect.stringContaining('waiting: binlog_format=ROW'),
      fix: 'aws rds reboot-db-instance --db-instance-identifier orders-aurora-1',
    });
    expect(findings.find((f) => f.id === 'source.binlog-format')).toMatchObject({ severity: 'ok', evidence: 'binlog_format = ROW in parameter group orders-aurora-cdc' });
  });
});

describe('access denied (mock: moto does not enforce IAM)', () => {
  it('DescribeDBInstances denied: one skipped finding naming rds:DescribeDBInstances, nothing else read', async () => {
    rdsMock.on(DescribeDBInstancesCommand).rejects(denied('rds:DescribeDBInstances'));
    const findings = await checkSource({ ...opts, dbInstance: 'orders-pg' }, clients(), SILENT_HOST);
    expect(findings).toEqual([expect.objectContaining({ id: 'source.rds', severity: 'skipped', deniedAction: 'rds:DescribeDBInstances', resource: 'orders-pg' })]);
    expect(rdsMock.commandCalls(DescribeDBParametersCommand)).toHaveLength(0);
  });

  it('DescribeDBParameters denied: skipped with rds:DescribeDBParameters', async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'm', Engine: 'mysql', DBParameterGroups: [{ DBParameterGroupName: 'g', ParameterApplyStatus: 'in-sync' }] }] });
    rdsMock.on(DescribeDBParametersCommand).rejects(denied('rds:DescribeDBParameters'));
    const findings = await checkSource({ ...opts, dbInstance: 'm' }, clients(), SILENT_HOST);
    expect(findings).toEqual([expect.objectContaining({ severity: 'skipped', deniedAction: 'rds:DescribeDBParameters' })]);
  });

  it('DescribeDBClusters denied when matching a DMS ServerName: skipped with rds:DescribeDBClusters', async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    rdsMock.on(DescribeDBClustersCommand).rejects(denied('rds:DescribeDBClusters'));
    const findings = await checkSource({ ...opts, serverName: 'x.cluster-abc.us-east-1.rds.amazonaws.com' }, clients(), SILENT_HOST);
    expect(findings).toEqual([expect.objectContaining({ severity: 'skipped', deniedAction: 'rds:DescribeDBClusters' })]);
  });
});
