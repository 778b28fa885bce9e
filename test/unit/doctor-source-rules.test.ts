/** doctor's source-database rules (src/core/doctor/source-*.ts): findings from observed values. Pure, table-driven. */
import { describe, expect, it } from 'vitest';
import { dmsNameToLike, engineInfo, formatBytes, parseSourceUrl, scrubSecret } from '../../src/core/doctor/source-common.js';
import { rdsSourceFindings, type ObservedRdsSource, type RdsParameter } from '../../src/core/doctor/source-rds.js';
import { mysqlFindings, postgresFindings, storageTrend, MAX_TABLE_FINDINGS, type ObservedMysql, type ObservedPostgres } from '../../src/core/doctor/source-sql.js';
import type { Finding } from '../../src/core/doctor/finding.js';

const instance = (engine: string, params: Record<string, string | RdsParameter> = {}, extra: Partial<ObservedRdsSource> = {}): ObservedRdsSource => ({
  kind: 'instance',
  id: 'mydb',
  engine,
  engineVersion: '8.0.35',
  backupRetentionPeriod: 7,
  parameterGroup: 'cdc-group',
  applyStatus: 'in-sync',
  rebootTargets: ['mydb'],
  parameters: new Map(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? { value: v } : v])),
  ...extra,
});
const byId = (fs: Finding[], id: string) => fs.filter((f) => f.id === id);
const one = (fs: Finding[], id: string) => {
  const found = byId(fs, id);
  expect(found, `${id} in ${JSON.stringify(fs.map((f) => f.id))}`).toHaveLength(1);
  return found[0]!;
};

describe('RDS MySQL / MariaDB / Aurora MySQL', () => {
  it.each([
    ['mysql', {}, 'error', /binlog_format not set in parameter group cdc-group: the engine default MIXED applies/],
    ['mariadb', { binlog_format: 'STATEMENT' }, 'error', /binlog_format = STATEMENT in parameter group cdc-group/],
    ['mysql', { binlog_format: 'row' }, 'ok', /binlog_format = row/],
    ['aurora-mysql', {}, 'error', /engine default OFF applies \(binary logging off\)/],
  ] as const)('%s %j: binlog_format %s', (engine, params, severity, evidence) => {
    const f = one(rdsSourceFindings(instance(engine, params)), 'source.binlog-format');
    expect(f.severity).toBe(severity);
    expect(f.evidence).toMatch(evidence);
    if (severity === 'error') {
      expect(f.fix).toContain('ParameterName=binlog_format,ParameterValue=ROW');
      expect(f.link).toMatch(/^https:\/\/docs\.aws\.amazon\.com\/dms\//);
    }
  });

  it('binlog_row_image MINIMAL is an error with the parameter to set; absent is the FULL default', () => {
    const bad = one(rdsSourceFindings(instance('mysql', { binlog_row_image: 'MINIMAL' })), 'source.binlog-row-image');
    expect(bad).toMatchObject({ severity: 'error', resource: 'mydb' });
    expect(bad.fix).toBe('aws rds modify-db-parameter-group --db-parameter-group-name cdc-group --parameters "ParameterName=binlog_row_image,ParameterValue=FULL,ApplyMethod=immediate"');
    expect(one(rdsSourceFindings(instance('mysql')), 'source.binlog-row-image').severity).toBe('ok');
  });

  it('binlog_checksum: the CRC32 default is a warning (older DMS versions need NONE), NONE is ok', () => {
    expect(one(rdsSourceFindings(instance('mysql')), 'source.binlog-checksum')).toMatchObject({ severity: 'warn' });
    expect(one(rdsSourceFindings(instance('mysql', { binlog_checksum: 'NONE' })), 'source.binlog-checksum').severity).toBe('ok');
  });

  it('backups off is an error (RDS turns binary logging off); Aurora has no such check', () => {
    const f = one(rdsSourceFindings(instance('mysql', {}, { backupRetentionPeriod: 0 })), 'source.backups');
    expect(f.severity).toBe('error');
    expect(f.fix).toBe('aws rds modify-db-instance --db-instance-identifier mydb --backup-retention-period 1 --apply-immediately');
    expect(byId(rdsSourceFindings(instance('aurora-mysql', {}, { kind: 'cluster' })), 'source.backups')).toEqual([]);
  });

  it.each([
    ['5.7.44', {}, 'error'],
    ['8.0.35', {}, 'ok'],
    ['8.0.35', { log_slave_updates: '0' }, 'error'],
    ['5.7.44', { log_slave_updates: '1' }, 'ok'],
    ['8.0.35', { log_replica_updates: 'OFF' }, 'error'],
  ] as const)('a read replica on %s with %j: log_slave_updates %s', (version, params, severity) => {
    const f = one(rdsSourceFindings(instance('mysql', params, { engineVersion: version, readReplicaOf: 'primary' })), 'source.log-slave-updates');
    expect(f.severity).toBe(severity);
    expect(f.evidence).toContain('read replica of primary');
  });

  it('no replica check on a primary', () => {
    expect(byId(rdsSourceFindings(instance('mysql')), 'source.log-slave-updates')).toEqual([]);
  });

  it('a default parameter group cannot be modified: the fix says to create and attach one', () => {
    const f = one(rdsSourceFindings(instance('mysql', {}, { parameterGroup: 'default.mysql8.0' })), 'source.binlog-format');
    expect(f.fix).toMatch(/default\.mysql8\.0 is a default parameter group and cannot be changed: aws rds create-db-parameter-group/);
    expect(f.fix).toContain('aws rds modify-db-instance --db-instance-identifier mydb --db-parameter-group-name <new-group>');
  });

  it('Aurora: the fix changes the cluster parameter group and reboots the writer', () => {
    const f = one(rdsSourceFindings(instance('aurora-mysql', {}, { kind: 'cluster', id: 'aur', rebootTargets: ['aur-1'] })), 'source.binlog-format');
    expect(f.fix).toBe('aws rds modify-db-cluster-parameter-group --db-cluster-parameter-group-name cdc-group --parameters "ParameterName=binlog_format,ParameterValue=ROW,ApplyMethod=pending-reboot", then aws rds reboot-db-instance --db-instance-identifier aur-1');
  });
});

describe('RDS PostgreSQL / Aurora PostgreSQL', () => {
  it('rds.logical_replication absent (default 0) or 0 is an error; 1 is ok', () => {
    for (const params of [{}, { 'rds.logical_replication': '0' }] as Record<string, string>[]) {
      const f = one(rdsSourceFindings(instance('postgres', params)), 'source.logical-replication');
      expect(f.severity).toBe('error');
      expect(f.fix).toContain('ParameterName=rds.logical_replication,ParameterValue=1,ApplyMethod=pending-reboot", then aws rds reboot-db-instance --db-instance-identifier mydb');
    }
    expect(one(rdsSourceFindings(instance('postgres', { 'rds.logical_replication': '1' })), 'source.logical-replication').severity).toBe('ok');
  });

  it.each([
    [undefined, 'ok'],
    ['0', 'ok'],
    ['10000', 'ok'],
    ['5000', 'error'],
    ['abc', 'skipped'],
  ] as const)('wal_sender_timeout %s: %s', (value, severity) => {
    const f = one(rdsSourceFindings(instance('postgres', value === undefined ? {} : { wal_sender_timeout: value })), 'source.wal-sender-timeout');
    expect(f.severity).toBe(severity);
    if (severity === 'error') expect(f.evidence).toContain('wal_sender_timeout = 5000 ms');
  });

  it.each([
    [{ max_replication_slots: '2' }, 3, 'error'],
    [{ max_replication_slots: '3' }, 3, 'ok'],
    [{}, 11, 'error'],
    [{}, 10, 'ok'],
    [{ max_replication_slots: '{DBInstanceClassMemory/1000}' }, 3, 'skipped'],
    [{ max_replication_slots: '1' }, undefined, 'ok'],
  ] as const)('max_replication_slots %j with %s tasks: %s', (params, tasks, severity) => {
    const f = one(rdsSourceFindings(instance('postgres', params), tasks), 'source.replication-slots');
    expect(f.severity).toBe(severity);
    if (severity === 'error') expect(f.fix).toContain('ParameterName=max_replication_slots');
  });

  it('max_wal_senders below the task count is an error naming both numbers', () => {
    const f = one(rdsSourceFindings(instance('postgres', { max_wal_senders: '1' }), 2), 'source.wal-senders');
    expect(f).toMatchObject({ severity: 'error' });
    expect(f.evidence).toBe('max_wal_senders = 1 in parameter group cdc-group; 2 DMS tasks on this source need 2 WAL senders');
  });

  it('an engine doctor does not check is skipped', () => {
    expect(rdsSourceFindings(instance('sqlserver-se'))).toEqual([expect.objectContaining({ id: 'source.engine', severity: 'skipped' })]);
  });
});

describe('parameter group status', () => {
  it('pending-reboot with a static CDC parameter set by the user: an error naming it, with the reboot', () => {
    const src = instance('postgres', { 'rds.logical_replication': { value: '1', source: 'user', applyType: 'static', applyMethod: 'pending-reboot' }, work_mem: { value: '4096', source: 'user', applyType: 'dynamic' } }, { applyStatus: 'pending-reboot' });
    const f = one(rdsSourceFindings(src), 'source.parameter-group-status');
    expect(f.severity).toBe('error');
    expect(f.evidence).toContain('waiting: rds.logical_replication=1');
    expect(f.evidence).not.toContain('work_mem');
    expect(f.fix).toBe('aws rds reboot-db-instance --db-instance-identifier mydb');
  });
  it('pending-reboot with only other parameters is a warning; in-sync is ok; failed-to-apply an error', () => {
    const other = instance('mysql', { innodb_buffer_pool_size: { value: '1', source: 'user', applyType: 'static' } }, { applyStatus: 'pending-reboot' });
    expect(one(rdsSourceFindings(other), 'source.parameter-group-status').severity).toBe('warn');
    expect(one(rdsSourceFindings(instance('mysql')), 'source.parameter-group-status').severity).toBe('ok');
    expect(one(rdsSourceFindings(instance('mysql', {}, { applyStatus: 'failed-to-apply' })), 'source.parameter-group-status').severity).toBe('error');
  });
});

describe('PostgreSQL over SQL', () => {
  const pg = (extra: Partial<ObservedPostgres> = {}): ObservedPostgres => ({ server: '127.0.0.1:5432', walLevel: 'logical', slots: [], tablesWithoutKey: [], ...extra });
  const slot = { name: 'dms_slot', plugin: 'pgoutput', type: 'logical', active: false, retainedBytes: 3 * 1024 ** 3 };
  const H = 3_600_000;

  it('wal_level other than logical is an error', () => {
    expect(one(postgresFindings(pg({ walLevel: 'replica' }), { unavailable: 'x' }, H), 'source.wal-level')).toMatchObject({ severity: 'error', evidence: 'wal_level = replica; DMS change capture needs logical' });
    expect(one(postgresFindings(pg(), { unavailable: 'x' }, H), 'source.wal-level').severity).toBe('ok');
  });

  it('an inactive slot: error when the disk fills within 24 × the window at the current rate, else a warning', () => {
    // 10 GiB free, falling 1 GiB/h: fills in 10 h. Window 1 h → horizon 24 h → error. Window 15 min → 6 h → warn.
    const storage = { freeBytes: 10 * 1024 ** 3, fallingBytesPerMs: 1024 ** 3 / H, points: 60 };
    const within = one(postgresFindings(pg({ slots: [slot] }), storage, H), 'source.inactive-slot');
    expect(within.severity).toBe('error');
    expect(within.evidence).toBe('replication slot dms_slot (logical, pgoutput) is inactive and retains 3.00 GiB of WAL; 10.0 GiB free, falling 1.00 GiB/h: the disk fills in 10h (within 24h, 24 × the window)');
    expect(within.fix).toBe("resume the DMS task that reads slot dms_slot, or, if none does: SELECT pg_drop_replication_slot('dms_slot');");
    expect(within.resource).toBe('127.0.0.1:5432/dms_slot');
    expect(one(postgresFindings(pg({ slots: [slot] }), storage, 15 * 60_000), 'source.inactive-slot').severity).toBe('warn');
  });

  it('an inactive slot without a storage reading, or with free space not falling, is a warning saying so', () => {
    expect(one(postgresFindings(pg({ slots: [slot] }), { unavailable: 'not an RDS instance' }, H), 'source.inactive-slot').evidence).toContain('FreeStorageSpace not read (not an RDS instance)');
    expect(one(postgresFindings(pg({ slots: [slot] }), { freeBytes: 1e9, fallingBytesPerMs: 0, points: 3 }, H), 'source.inactive-slot')).toMatchObject({ severity: 'warn' });
  });

  it('a lost slot is an error; active slots are ok', () => {
    expect(one(postgresFindings(pg({ slots: [{ ...slot, walStatus: 'lost' }] }), { unavailable: 'x' }, H), 'source.inactive-slot').severity).toBe('error');
    expect(one(postgresFindings(pg({ slots: [{ ...slot, active: true }] }), { unavailable: 'x' }, H), 'source.inactive-slot')).toMatchObject({ severity: 'ok', evidence: 'no inactive replication slot (1 slot, all active)' });
  });

  it('tables without a primary key are named, each with the ALTER TABLE that fixes it; beyond 25, one more finding counts the rest', () => {
    const f = postgresFindings(pg({ tablesWithoutKey: [{ schema: 'public', table: 'Odd"Name' }] }), { unavailable: 'x' }, H);
    expect(one(f, 'source.primary-key')).toMatchObject({ severity: 'error', resource: 'public.Odd"Name', fix: 'ALTER TABLE "public"."Odd""Name" REPLICA IDENTITY FULL; -- or add a primary key' });
    const many = Array.from({ length: 30 }, (_, i) => ({ schema: 's', table: `t${i}` }));
    const all = byId(postgresFindings(pg({ tablesWithoutKey: many }), { unavailable: 'x' }, H), 'source.primary-key');
    expect(all).toHaveLength(MAX_TABLE_FINDINGS + 1);
    expect(all.at(-1)!.evidence).toBe('5 more tables without a primary key');
  });
});

describe('MySQL / MariaDB over SQL', () => {
  const my = (extra: Partial<ObservedMysql> = {}): ObservedMysql => ({
    server: '127.0.0.1:3306',
    version: '10.11.6-MariaDB',
    mariadb: true,
    rds: false,
    logBin: true,
    binlogFormat: 'ROW',
    binlogRowImage: 'FULL',
    retention: { kind: 'server', expireSeconds: 0, expireDays: 0 },
    tablesWithoutKey: [],
    ...extra,
  });

  it('everything right: only ok findings', () => {
    expect(new Set(mysqlFindings(my()).map((f) => f.severity))).toEqual(new Set(['ok']));
  });
  it.each([
    [{ logBin: false }, 'source.log-bin', 'log_bin = OFF: the server writes no binary log, so there is nothing to capture'],
    [{ binlogFormat: 'MIXED' }, 'source.binlog-format', 'binlog_format = MIXED; DMS change capture needs ROW'],
    [{ binlogRowImage: 'minimal' }, 'source.binlog-row-image', 'binlog_row_image = MINIMAL; DMS needs FULL'],
  ] as const)('%j → %s error', (extra, id, evidence) => {
    expect(one(mysqlFindings(my(extra)), id)).toMatchObject({ severity: 'error', evidence });
  });
  it('the self-managed fix is SET GLOBAL plus the option file; the RDS fix is the parameter group', () => {
    expect(one(mysqlFindings(my({ binlogFormat: 'MIXED' })), 'source.binlog-format').fix).toBe("SET GLOBAL binlog_format = 'ROW'; and put it under [mysqld] in the server option file so it survives a restart");
    expect(one(mysqlFindings(my({ binlogFormat: 'MIXED', rds: true, retention: { kind: 'rds', hours: 24 } })), 'source.binlog-format').fix).toMatch(/^binlog_format=ROW: set it in the DB parameter group/);
  });
  it.each([
    [{ kind: 'rds', hours: null }, 'error', 'binlog retention hours = NULL'],
    [{ kind: 'rds', hours: 12 }, 'error', 'binlog retention hours = 12'],
    [{ kind: 'rds', hours: 24 }, 'ok', 'binlog retention hours = 24'],
    [{ kind: 'server', expireSeconds: 3600, expireDays: 0 }, 'error', 'binlog_expire_logs_seconds = 3600: binary logs are kept 1h; keep at least 24 h'],
    [{ kind: 'server', expireSeconds: 0, expireDays: 0 }, 'ok', 'binary logs are never removed automatically'],
    [{ kind: 'server', expireDays: 7 }, 'ok', 'expire_logs_days = 7'],
    [{ kind: 'server', expireSeconds: 86400 }, 'ok', 'binlog_expire_logs_seconds = 86400'],
  ] as const)('retention %j: %s', (retention, severity, evidence) => {
    const f = one(mysqlFindings(my({ retention })), 'source.binlog-retention');
    expect(f.severity).toBe(severity);
    expect(f.evidence).toContain(evidence);
    if (severity === 'error' && retention.kind === 'rds') expect(f.fix).toBe("CALL mysql.rds_set_configuration('binlog retention hours', 24);");
  });
  it('a table without a primary key is a warning naming it', () => {
    expect(one(mysqlFindings(my({ tablesWithoutKey: [{ schema: 'shop', table: 'events' }] })), 'source.primary-key')).toMatchObject({ severity: 'warn', resource: 'shop.events', fix: 'ALTER TABLE `shop`.`events` ADD PRIMARY KEY (<columns>);' });
  });
});

describe('helpers', () => {
  it('storageTrend: the least-squares slope of FreeStorageSpace, positive when falling', () => {
    const t = storageTrend({ timestampsMs: [0, 60_000, 120_000], values: [300, 200, 100] });
    expect(t).toEqual({ freeBytes: 100, fallingBytesPerMs: 100 / 60_000, points: 3 });
    expect(storageTrend({ timestampsMs: [], values: [] })).toEqual({ unavailable: 'no FreeStorageSpace datapoints in the window' });
  });

  it('parseSourceUrl: password from the URL or the environment, never in the redacted form', () => {
    const u = parseSourceUrl('postgres://dms:s%40cret@db.example.com:5433/orders?sslmode=require', {});
    expect(u).toMatchObject({ family: 'postgres', host: 'db.example.com', port: 5433, user: 'dms', password: 's@cret', database: 'orders', sslmode: 'require', redacted: 'postgres://dms@db.example.com:5433/orders' });
    expect(parseSourceUrl('postgres://dms@h/db', { PGPASSWORD: 'envpw' }).password).toBe('envpw');
    expect(parseSourceUrl('mysql://root@h', { MYSQL_PWD: 'mpw', PGPASSWORD: 'no' })).toMatchObject({ family: 'mysql', port: 3306, password: 'mpw', redacted: 'mysql://root@h' });
  });

  it.each([
    ['oracle://u:hunter2@h/db', /unsupported scheme 'oracle'/],
    ['not a url hunter2', /not a URL/],
    ['postgres://:hunter2@h/db', /no user name/],
    ['postgres://u:hunter2@h/db?sslmode=maybe', /sslmode must be one of/],
    ['postgres://u:hunter2@h/db?password=x', /unknown parameter 'password'/],
  ])('parseSourceUrl(%s) is a usage error naming --source-url, without the password', (raw, message) => {
    let err: Error | undefined;
    try {
      parseSourceUrl(raw, {});
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toMatch(/^--source-url: /);
    expect(err?.message).toMatch(message);
    expect(err?.message).not.toContain('hunter2');
  });

  it('scrubSecret, dmsNameToLike, engineInfo, formatBytes', () => {
    expect(scrubSecret('bad p@ss and p%40ss', 'p@ss')).toBe('bad *** and ***');
    expect(dmsNameToLike('order_items%')).toBe('order\\_items%');
    expect(engineInfo('aurora-postgresql')).toEqual({ family: 'postgres', aurora: true, mariadb: false });
    expect(engineInfo('mariadb')).toEqual({ family: 'mysql', aurora: false, mariadb: true });
    expect([0, 512, 3.2 * 1024, 48 * 1024 ** 2, 1.5 * 1024 ** 3].map(formatBytes)).toEqual(['0 B', '512 B', '3.20 KiB', '48.0 MiB', '1.50 GiB']);
  });
});
