/**
 * doctor's source stage (checkSource, src/services/doctor-source.ts) against real servers: moto serves
 * RDS (instances, clusters, parameter groups) and CloudWatch (FreeStorageSpace put with PutMetricData);
 * a real PostgreSQL 15 and a real MariaDB, each started by the test on a free 127.0.0.1 port, answer the
 * SQL checks. Each wrong value is set on purpose and the finding must name it, with its fix.
 *
 * moto's parameter groups start empty (no engine defaults), so "not set" is the engine default: the
 * tests assert that the finding says which default it assumed. pending-reboot and access denied, which
 * moto cannot produce, are in test/unit/doctor-source-rds-mock.test.ts.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateDBClusterCommand,
  CreateDBClusterParameterGroupCommand,
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  CreateDBParameterGroupCommand,
  ModifyDBClusterParameterGroupCommand,
  ModifyDBParameterGroupCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AwsClients, type AwsSettings } from '../../src/aws/clients.js';
import type { Finding } from '../../src/core/doctor/finding.js';
import { NotFoundError } from '../../src/errors.js';
import { readPostgres } from '../../src/io/source-sql.js';
import { parseSourceUrl } from '../../src/core/doctor/source-common.js';
import { SILENT_HOST } from '../../src/services/host.js';
import { checkSource, type SourceCheckOptions } from '../../src/services/doctor-source.js';
import { mariadbTestsEnabled, startMariaDb, type MariaDb } from '../helpers/mariadb.js';
import { motoTestsEnabled, startMoto, type Moto } from '../helpers/moto.js';
import { postgresTestsEnabled, startPostgres, type Postgres } from '../helpers/postgres.js';
import { runCli } from '../helpers/kinesis.js';

const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const HOUR = 3_600_000;
const base = (extra: Partial<SourceCheckOptions> = {}): SourceCheckOptions => ({ windowMs: HOUR, nowMs: Date.now(), ...extra });
/** No RDS or CloudWatch here (as under --local): the RDS checks are skipped, the SQL ones run. */
const noAws = (env: Record<string, string> = {}) =>
  new AwsClients({ region: 'us-east-1', credentials: creds, env, unavailable: { services: new Set(['rds', 'cloudwatch']), why: 'not served by the local server (--local serves Kinesis only)', hint: '' } });
const find = (fs: Finding[], id: string, resource?: string) => fs.filter((f) => f.id === id && (resource === undefined || f.resource === resource));
const one = (fs: Finding[], id: string, resource?: string) => {
  const found = find(fs, id, resource);
  expect(found, `${id} ${resource ?? ''} in ${JSON.stringify(fs.map((f) => `${f.id} ${f.resource}`))}`).toHaveLength(1);
  return found[0]!;
};

describe.runIf(motoTestsEnabled())('RDS checks on moto', () => {
  let moto: Moto;
  let rds: RDSClient;
  let settings: AwsSettings;
  const clients = () => new AwsClients(settings);
  beforeAll(async () => {
    moto = await startMoto();
    settings = { endpointUrl: moto.endpoint, region: 'us-east-1', credentials: creds, env: {} };
    rds = new RDSClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: creds });
    const send = rds.send.bind(rds) as (c: unknown) => Promise<unknown>;
    // MySQL: binlog_format MIXED and binlog_row_image MINIMAL set on purpose, backups off.
    await send(new CreateDBParameterGroupCommand({ DBParameterGroupName: 'mysql-wrong', DBParameterGroupFamily: 'mysql8.0', Description: 'wrong on purpose' }));
    await send(
      new ModifyDBParameterGroupCommand({
        DBParameterGroupName: 'mysql-wrong',
        Parameters: [
          { ParameterName: 'binlog_format', ParameterValue: 'MIXED', ApplyMethod: 'immediate' },
          { ParameterName: 'binlog_row_image', ParameterValue: 'MINIMAL', ApplyMethod: 'immediate' },
        ],
      }),
    );
    await send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'orders-mysql', Engine: 'mysql', EngineVersion: '8.0.35', DBInstanceClass: 'db.t3.micro', AllocatedStorage: 20, MasterUsername: 'admin', MasterUserPassword: 'not-a-real-pw-1', DBParameterGroupName: 'mysql-wrong', BackupRetentionPeriod: 0 }));
    // MySQL with an empty group (moto has no engine defaults): binlog_format falls back to RDS's MIXED.
    await send(new CreateDBParameterGroupCommand({ DBParameterGroupName: 'mysql-empty', DBParameterGroupFamily: 'mysql5.7', Description: 'empty' }));
    await send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'legacy-mysql', Engine: 'mysql', EngineVersion: '5.7.44', DBInstanceClass: 'db.t3.micro', AllocatedStorage: 20, MasterUsername: 'admin', MasterUserPassword: 'not-a-real-pw-1', DBParameterGroupName: 'mysql-empty', BackupRetentionPeriod: 7 }));
    await send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'legacy-mysql-replica', SourceDBInstanceIdentifier: 'legacy-mysql', DBInstanceClass: 'db.t3.micro', DBParameterGroupName: 'mysql-empty' }));
    // PostgreSQL: logical replication off, a short wal_sender_timeout, one slot for two tasks.
    await send(new CreateDBParameterGroupCommand({ DBParameterGroupName: 'pg-wrong', DBParameterGroupFamily: 'postgres15', Description: 'wrong on purpose' }));
    await send(
      new ModifyDBParameterGroupCommand({
        DBParameterGroupName: 'pg-wrong',
        Parameters: [
          { ParameterName: 'rds.logical_replication', ParameterValue: '0', ApplyMethod: 'pending-reboot' },
          { ParameterName: 'wal_sender_timeout', ParameterValue: '5000', ApplyMethod: 'immediate' },
          { ParameterName: 'max_replication_slots', ParameterValue: '1', ApplyMethod: 'pending-reboot' },
        ],
      }),
    );
    await send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'orders-pg', Engine: 'postgres', EngineVersion: '15.5', DBInstanceClass: 'db.t3.micro', AllocatedStorage: 20, MasterUsername: 'pgadmin', MasterUserPassword: 'not-a-real-pw-1', DBParameterGroupName: 'pg-wrong' }));
    // Aurora PostgreSQL: the cluster parameter group is the one read.
    await send(new CreateDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'apg-wrong', DBParameterGroupFamily: 'aurora-postgresql15', Description: 'wrong on purpose' }));
    await send(new ModifyDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'apg-wrong', Parameters: [{ ParameterName: 'rds.logical_replication', ParameterValue: '0', ApplyMethod: 'pending-reboot' }] }));
    await send(new CreateDBClusterCommand({ DBClusterIdentifier: 'orders-aurora', Engine: 'aurora-postgresql', MasterUsername: 'pgadmin', MasterUserPassword: 'not-a-real-pw-1', DBClusterParameterGroupName: 'apg-wrong' }));
    await send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'orders-aurora-1', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large', DBClusterIdentifier: 'orders-aurora' }));
  }, 90_000);
  afterAll(async () => {
    rds?.destroy();
    await moto?.stop();
  });

  it('MySQL: binlog_format MIXED, binlog_row_image MINIMAL and backups off are errors naming the value, with the fix', async () => {
    const f = await checkSource(base({ dbInstance: 'orders-mysql' }), clients(), SILENT_HOST);
    expect(one(f, 'source.binlog-format')).toMatchObject({
      severity: 'error',
      resource: 'orders-mysql',
      evidence: 'binlog_format = MIXED in parameter group mysql-wrong; DMS change capture needs ROW',
      fix: 'aws rds modify-db-parameter-group --db-parameter-group-name mysql-wrong --parameters "ParameterName=binlog_format,ParameterValue=ROW,ApplyMethod=immediate"',
    });
    expect(one(f, 'source.binlog-row-image')).toMatchObject({ severity: 'error', evidence: 'binlog_row_image = MINIMAL in parameter group mysql-wrong; DMS needs FULL' });
    expect(one(f, 'source.binlog-row-image').fix).toContain('ParameterName=binlog_row_image,ParameterValue=FULL');
    expect(one(f, 'source.backups')).toMatchObject({ severity: 'error', fix: 'aws rds modify-db-instance --db-instance-identifier orders-mysql --backup-retention-period 1 --apply-immediately' });
    expect(one(f, 'source.parameter-group-status').severity).toBe('ok');
    for (const x of f.filter((x) => x.severity === 'error')) expect(x.link).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });

  it('MySQL with an empty parameter group: the engine defaults are assumed and said (MIXED: error; FULL: ok)', async () => {
    const f = await checkSource(base({ dbInstance: 'legacy-mysql' }), clients(), SILENT_HOST);
    expect(one(f, 'source.binlog-format')).toMatchObject({ severity: 'error', evidence: 'binlog_format not set in parameter group mysql-empty: the engine default MIXED applies; DMS change capture needs ROW' });
    expect(one(f, 'source.binlog-row-image').severity).toBe('ok');
    expect(one(f, 'source.backups').severity).toBe('ok');
    expect(find(f, 'source.log-slave-updates')).toEqual([]);
  });

  it('a MySQL 5.7 read replica without log_slave_updates: error naming the replica and the parameter', async () => {
    const f = await checkSource(base({ dbInstance: 'legacy-mysql-replica' }), clients(), SILENT_HOST);
    const r = one(f, 'source.log-slave-updates');
    expect(r).toMatchObject({ severity: 'error', resource: 'legacy-mysql-replica' });
    expect(r.evidence).toBe('read replica of legacy-mysql: log_slave_updates not set in parameter group mysql-empty: the engine default OFF applies; a replica source must write the changes it replays to its own binary log');
    expect(r.fix).toContain('ParameterName=log_slave_updates,ParameterValue=1,ApplyMethod=pending-reboot');
  });

  it('PostgreSQL: rds.logical_replication 0, wal_sender_timeout 5000, max_replication_slots 1 for 2 tasks', async () => {
    const f = await checkSource(base({ dbInstance: 'orders-pg', taskCount: 2 }), clients(), SILENT_HOST);
    expect(one(f, 'source.logical-replication')).toMatchObject({ severity: 'error', evidence: 'rds.logical_replication = 0 in parameter group pg-wrong; DMS change capture needs 1 (it sets wal_level=logical)' });
    expect(one(f, 'source.logical-replication').fix).toBe(
      'aws rds modify-db-parameter-group --db-parameter-group-name pg-wrong --parameters "ParameterName=rds.logical_replication,ParameterValue=1,ApplyMethod=pending-reboot", then aws rds reboot-db-instance --db-instance-identifier orders-pg',
    );
    expect(one(f, 'source.wal-sender-timeout')).toMatchObject({ severity: 'error', evidence: expect.stringContaining('wal_sender_timeout = 5000 ms') });
    expect(one(f, 'source.replication-slots')).toMatchObject({ severity: 'error', evidence: 'max_replication_slots = 1 in parameter group pg-wrong; 2 DMS tasks on this source need 2 replication slots' });
    expect(one(f, 'source.wal-senders')).toMatchObject({ severity: 'ok' });
  });

  it('Aurora: --db-cluster and a member --db-instance both read the cluster parameter group', async () => {
    for (const target of [{ dbCluster: 'orders-aurora' }, { dbInstance: 'orders-aurora-1' }]) {
      const f = await checkSource(base(target), clients(), SILENT_HOST);
      const l = one(f, 'source.logical-replication');
      expect(l).toMatchObject({ severity: 'error', resource: 'orders-aurora', evidence: 'rds.logical_replication = 0 in parameter group apg-wrong; DMS change capture needs 1 (it sets wal_level=logical)' });
      expect(l.fix).toBe(
        'aws rds modify-db-cluster-parameter-group --db-cluster-parameter-group-name apg-wrong --parameters "ParameterName=rds.logical_replication,ParameterValue=1,ApplyMethod=pending-reboot", then aws rds reboot-db-instance --db-instance-identifier orders-aurora-1',
      );
    }
  });

  it('found by the DMS endpoint ServerName (instance endpoint or cluster endpoint); an unknown one is skipped', async () => {
    const byName = await checkSource(base({ serverName: 'orders-mysql.aaaaaaaaaa.us-east-1.rds.amazonaws.com' }), clients(), SILENT_HOST);
    expect(one(byName, 'source.binlog-format').resource).toBe('orders-mysql');
    const { DBClusters } = await rds.send(new (await import('@aws-sdk/client-rds')).DescribeDBClustersCommand({ DBClusterIdentifier: 'orders-aurora' }));
    const byCluster = await checkSource(base({ serverName: DBClusters![0]!.Endpoint! }), clients(), SILENT_HOST);
    expect(one(byCluster, 'source.logical-replication').resource).toBe('orders-aurora');
    const unknown = await checkSource(base({ serverName: 'db.internal.example' }), clients(), SILENT_HOST);
    expect(unknown).toEqual([expect.objectContaining({ id: 'source.rds', severity: 'skipped', evidence: expect.stringContaining('no DB instance or cluster in this account and region has the endpoint db.internal.example') })]);
  });

  it('a named instance or cluster that does not exist is a NotFoundError naming it (exit 4)', async () => {
    await expect(checkSource(base({ dbInstance: 'no-such-db' }), clients(), SILENT_HOST)).rejects.toThrow(NotFoundError);
    await expect(checkSource(base({ dbInstance: 'no-such-db' }), clients(), SILENT_HOST)).rejects.toThrow("RDS DB instance 'no-such-db' not found");
    await expect(checkSource(base({ dbCluster: 'no-such-cluster' }), clients(), SILENT_HOST)).rejects.toThrow("RDS DB cluster 'no-such-cluster' not found");
  });

  it('no RDS endpoint answering (as under --local, or nothing listening): skipped with why', async () => {
    expect(await checkSource(base({ dbInstance: 'orders-mysql' }), noAws(), SILENT_HOST)).toEqual([
      expect.objectContaining({ id: 'source.rds', severity: 'skipped', evidence: 'RDS checks not made: not served by the local server (--local serves Kinesis only)' }),
    ]);
    const closed = new AwsClients({ endpointUrl: 'http://127.0.0.1:1', region: 'us-east-1', credentials: creds, env: {}, maxAttempts: 1 });
    expect(await checkSource(base({ dbInstance: 'orders-mysql' }), closed, SILENT_HOST)).toEqual([expect.objectContaining({ id: 'source.rds', severity: 'skipped', evidence: expect.stringMatching(/^RDS checks not made: RDS at http:\/\/127\.0\.0\.1:1 is not reachable \(ECONNREFUSED/) })]);
  });

  describe.runIf(postgresTestsEnabled())('with a real PostgreSQL behind it', () => {
    let pg: Postgres;
    beforeAll(async () => {
      pg = await startPostgres();
      pg.psql("SELECT pg_create_logical_replication_slot('dms_orders', 'test_decoding')");
      pg.psql("CREATE TABLE filler (x text); INSERT INTO filler SELECT repeat('x', 200) FROM generate_series(1, 20000)");
      // FreeStorageSpace falling 1 GiB an hour from 6 GiB: the disk fills in about 5 h, within 24 × a 1 h window.
      const cw = new CloudWatchClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: creds });
      const now = Date.now();
      await cw.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/RDS',
          MetricData: Array.from({ length: 6 }, (_, i) => ({
            MetricName: 'FreeStorageSpace',
            Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'orders-pg' }],
            Timestamp: new Date(now - (50 - i * 10) * 60_000),
            Value: 6 * 1024 ** 3 - (i * 10 * 1024 ** 3) / 60,
            Unit: 'Bytes',
          })),
        }),
      );
      cw.destroy();
    }, 90_000);
    afterAll(async () => {
      await pg?.stop();
    });

    it('an inactive slot with the disk filling within 24 × the window is an error with the WAL it retains and the fill time', async () => {
      const f = await checkSource(base({ dbInstance: 'orders-pg', sourceUrl: pg.url }), clients(), SILENT_HOST);
      const slot = one(f, 'source.inactive-slot');
      expect(slot.severity).toBe('error');
      expect(slot.resource).toBe(`127.0.0.1:${pg.port}/dms_orders`);
      expect(slot.evidence).toMatch(/^replication slot dms_orders \(logical, test_decoding\) is inactive and retains [\d.]+ MiB of WAL; [\d.]+ GiB free, falling [\d.]+ (M|G)iB\/h: the disk fills in \dh\d*m? \(within 24h, 24 × the window\)$/);
      expect(slot.fix).toBe("resume the DMS task that reads slot dms_orders, or, if none does: SELECT pg_drop_replication_slot('dms_orders');");
      // The same window with a 5-minute --window: 2 h horizon, the disk lasts longer: a warning.
      const short = await checkSource(base({ dbInstance: 'orders-pg', sourceUrl: pg.url, windowMs: HOUR / 12 }), clients(), SILENT_HOST);
      expect(['warn', 'error']).toContain(one(short, 'source.inactive-slot').severity);
    });

    it('CloudWatch not answering: the slot is still reported, a warning saying FreeStorageSpace was not read', async () => {
      const noCloudWatch = new AwsClients({ region: 'us-east-1', credentials: creds, maxAttempts: 1, env: { AWS_ENDPOINT_URL: moto.endpoint, AWS_ENDPOINT_URL_CLOUDWATCH: 'http://127.0.0.1:1' } });
      const slot = one(await checkSource(base({ dbInstance: 'orders-pg', sourceUrl: pg.url }), noCloudWatch, SILENT_HOST), 'source.inactive-slot');
      expect(slot.severity).toBe('warn');
      expect(slot.evidence).toMatch(/FreeStorageSpace not read \(CloudWatch at http:\/\/127\.0\.0\.1:1 is not reachable/);
    });
  });
});

describe.runIf(postgresTestsEnabled())('SQL checks on a real PostgreSQL', () => {
  let pg: Postgres;
  beforeAll(async () => {
    pg = await startPostgres();
    pg.psql(`
      CREATE SCHEMA shop;
      CREATE TABLE shop.orders (id int PRIMARY KEY, total numeric);
      CREATE TABLE shop.audit_log (at timestamptz, what text);
      CREATE TABLE shop.events_full (at timestamptz);
      ALTER TABLE shop.events_full REPLICA IDENTITY FULL;
      CREATE TABLE public.scratch (x int);
    `);
  }, 90_000);
  afterAll(async () => {
    await pg?.stop();
  });

  it('wal_level logical is ok; an inactive slot retains the WAL written since, and the reader measures it', async () => {
    pg.psql("SELECT pg_create_logical_replication_slot('dms_slot', 'pgoutput')");
    pg.psql("CREATE TABLE filler (x text); INSERT INTO filler SELECT repeat('y', 200) FROM generate_series(1, 20000)");
    const before = Number(pg.psql("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) FROM pg_replication_slots WHERE slot_name = 'dms_slot'"));
    const observed = await readPostgres(parseSourceUrl(pg.url, {}), []);
    const after = Number(pg.psql("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) FROM pg_replication_slots WHERE slot_name = 'dms_slot'"));
    const slot = observed.slots.find((s) => s.name === 'dms_slot')!;
    expect(slot).toMatchObject({ active: false, type: 'logical', plugin: 'pgoutput', walStatus: 'reserved' });
    expect(before).toBeGreaterThan(3 * 1024 * 1024);
    expect(slot.retainedBytes).toBeGreaterThanOrEqual(before);
    expect(slot.retainedBytes).toBeLessThanOrEqual(after);

    const f = await checkSource(base({ sourceUrl: pg.url }), noAws(), SILENT_HOST);
    expect(one(f, 'source.wal-level')).toMatchObject({ severity: 'ok', evidence: 'wal_level = logical' });
    const finding = one(f, 'source.inactive-slot');
    expect(finding).toMatchObject({ severity: 'warn', resource: `127.0.0.1:${pg.port}/dms_slot` });
    expect(finding.evidence).toMatch(/is inactive and retains [\d.]+ MiB of WAL; FreeStorageSpace not read/);
    // RDS is not served here: its checks are skipped, with why.
    expect(one(f, 'source.rds').severity).toBe('skipped');
    pg.psql("SELECT pg_drop_replication_slot('dms_slot')");
    expect(one(await checkSource(base({ sourceUrl: pg.url }), noAws(), SILENT_HOST), 'source.inactive-slot').severity).toBe('ok');
  });

  it("tables in the task's include rules without a primary key and with REPLICA IDENTITY DEFAULT are named", async () => {
    const f = await checkSource(base({ sourceUrl: pg.url, includeTables: [{ schema: 'shop', table: '%' }] }), noAws(), SILENT_HOST);
    const keyless = find(f, 'source.primary-key');
    expect(keyless.map((k) => k.resource)).toEqual(['shop.audit_log']);
    expect(keyless[0]).toMatchObject({ severity: 'error', fix: 'ALTER TABLE "shop"."audit_log" REPLICA IDENTITY FULL; -- or add a primary key' });
    // Outside the include rules, public.scratch is not reported; without rules, every table is.
    expect(find(await checkSource(base({ sourceUrl: pg.url, includeTables: [{ schema: 'shop', table: 'ord%' }] }), noAws(), SILENT_HOST), 'source.primary-key')).toEqual([expect.objectContaining({ severity: 'ok' })]);
    const all = find(await checkSource(base({ sourceUrl: pg.url }), noAws(), SILENT_HOST), 'source.primary-key').map((k) => k.resource);
    expect(all).toEqual(expect.arrayContaining(['shop.audit_log', 'public.scratch']));
    expect(all).not.toContain('shop.events_full');
  });

  it('the password comes from PGPASSWORD when the URL has none', async () => {
    const url = `postgres://postgres@127.0.0.1:${pg.port}/postgres`;
    expect(one(await checkSource(base({ sourceUrl: url }), noAws({ PGPASSWORD: pg.password }), SILENT_HOST), 'source.wal-level').severity).toBe('ok');
  });

  it('a wrong password, or nothing listening: a source.connect error that never contains the password', async () => {
    const secret = 'Wr0ng-S3cret-pw';
    for (const url of [`postgres://postgres:${secret}@127.0.0.1:${pg.port}/postgres`, `postgres://postgres:${secret}@127.0.0.1:1/postgres`]) {
      // Everything the stage says, --debug lines included, is recorded: the password is in none of it.
      const said: string[] = [];
      const host = { ...SILENT_HOST, debug: (t: string) => said.push(t), info: (t: string) => said.push(t), warn: (t: string) => said.push(t) };
      const f = await checkSource(base({ sourceUrl: url }), noAws(), host);
      const c = one(f, 'source.connect');
      expect(c.severity).toBe('error');
      expect(c.resource).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      expect(said.join('\n')).toContain('source: SQL checks on postgres://postgres@127.0.0.1:');
      expect(JSON.stringify(f) + said.join('\n')).not.toContain(secret);
    }
    const wrong = await checkSource(base({ sourceUrl: `postgres://postgres:${secret}@127.0.0.1:${pg.port}/postgres` }), noAws(), SILENT_HOST);
    expect(one(wrong, 'source.connect').evidence).toMatch(/password authentication failed for user "postgres"/);
  });

  it('wal_level replica on another server is an error', async () => {
    const replica = await startPostgres({ wal_level: 'replica' });
    try {
      const f = await checkSource(base({ sourceUrl: replica.url }), noAws(), SILENT_HOST);
      expect(one(f, 'source.wal-level')).toMatchObject({ severity: 'error', evidence: 'wal_level = replica; DMS change capture needs logical' });
    } finally {
      await replica.stop();
    }
  });
});

describe.runIf(mariadbTestsEnabled())('SQL checks on a real MariaDB', () => {
  let db: MariaDb;
  beforeAll(async () => {
    db = await startMariaDb(['--binlog-format=MIXED', '--binlog-expire-logs-seconds=3600']);
    db.sql('CREATE DATABASE shop; CREATE TABLE shop.orders (id int PRIMARY KEY); CREATE TABLE shop.audit_log (at datetime, what text);');
  }, 120_000);
  afterAll(async () => {
    await db?.stop();
  });

  it('binlog_format MIXED and 1 h of binlog retention are errors; the table without a primary key is named', async () => {
    const f = await checkSource(base({ sourceUrl: db.url, includeTables: [{ schema: 'shop', table: '%' }] }), noAws(), SILENT_HOST);
    const server = `127.0.0.1:${db.port}`;
    expect(one(f, 'source.log-bin')).toMatchObject({ severity: 'ok', resource: server });
    expect(one(f, 'source.binlog-format')).toMatchObject({
      severity: 'error',
      resource: server,
      evidence: 'binlog_format = MIXED; DMS change capture needs ROW',
      fix: "SET GLOBAL binlog_format = 'ROW'; and put it under [mysqld] in the server option file so it survives a restart",
    });
    expect(one(f, 'source.binlog-row-image').severity).toBe('ok');
    expect(one(f, 'source.binlog-retention')).toMatchObject({ severity: 'error', evidence: expect.stringContaining('binlog_expire_logs_seconds = 3600: binary logs are kept 1h'), fix: expect.stringContaining('SET GLOBAL binlog_expire_logs_seconds = 86400') });
    expect(find(f, 'source.primary-key').map((k) => [k.resource, k.severity])).toEqual([['shop.audit_log', 'warn']]);
  });

  it('through the CLI: doctor --only source --source-url --local finds the same faults (exit 3), RDS skipped, the password nowhere even under --debug', async () => {
    // --local on the suite's kinesis-local (CDCPIPE_LOCAL_PORT): RDS and CloudWatch are not served there.
    const port = new URL(inject('kinesisEndpoint')).port;
    const r = await runCli(['doctor', '--stream', 'orders', '--only', 'source', '--source-url', db.url, '--local', '--json', '--debug'], { env: { CDCPIPE_LOCAL_PORT: port } });
    expect(r.code, r.stderr).toBe(3);
    const doc = JSON.parse(r.stdout) as { schemaVersion: number; stages: { stage: string; findings: Finding[] }[] };
    expect(doc.schemaVersion).toBeGreaterThanOrEqual(1);
    expect(doc.stages.map((st) => st.stage)).toEqual(['source']);
    const f = doc.stages[0]!.findings;
    expect(one(f, 'source.binlog-format')).toMatchObject({ severity: 'error', evidence: 'binlog_format = MIXED; DMS change capture needs ROW' });
    expect(one(f, 'source.binlog-retention').severity).toBe('error');
    expect(one(f, 'source.rds')).toMatchObject({ severity: 'skipped', evidence: expect.stringContaining('not served by the local server') });
    expect(r.stdout + r.stderr).not.toContain(db.password);
  });

  it('after the fixes are applied, the same checks are ok', async () => {
    db.sql("SET GLOBAL binlog_format = 'ROW'; SET GLOBAL binlog_expire_logs_seconds = 86400;");
    const f = await checkSource(base({ sourceUrl: db.url, includeTables: [{ schema: 'shop', table: 'orders' }] }), noAws(), SILENT_HOST);
    expect(one(f, 'source.binlog-format')).toMatchObject({ severity: 'ok', evidence: 'binlog_format = ROW' });
    expect(one(f, 'source.binlog-retention')).toMatchObject({ severity: 'ok', evidence: 'binlog_expire_logs_seconds = 86400 (24h)' });
    expect(one(f, 'source.primary-key').severity).toBe('ok');
  });

  it('MYSQL_PWD is used when the URL has no password; a wrong password never shows up in the finding', async () => {
    const bare = `mysql://cdc@127.0.0.1:${db.port}`;
    expect(one(await checkSource(base({ sourceUrl: bare }), noAws({ MYSQL_PWD: db.password }), SILENT_HOST), 'source.log-bin').severity).toBe('ok');
    const secret = 'Wr0ng-S3cret-pw';
    for (const url of [`mysql://cdc:${secret}@127.0.0.1:${db.port}`, `mysql://cdc:${secret}@127.0.0.1:1`]) {
      const f = await checkSource(base({ sourceUrl: url }), noAws(), SILENT_HOST);
      expect(one(f, 'source.connect').severity).toBe('error');
      expect(JSON.stringify(f)).not.toContain(secret);
    }
    const wrong = await checkSource(base({ sourceUrl: `mysql://cdc:${secret}@127.0.0.1:${db.port}` }), noAws(), SILENT_HOST);
    expect(one(wrong, 'source.connect').evidence).toMatch(/Access denied for user 'cdc'/);
  });
});
