/**
 * The source-database checks `doctor` makes over SQL (`--source-url`): what the server itself reports,
 * which the RDS API cannot show (live settings, replication slots and the WAL they hold, binlog
 * retention, tables without a primary key). Pure: findings from observed values; the reads are in
 * src/io/source-sql.ts.
 */
import type { MetricSeries } from '../metric-spec.js';
import { formatDurationMs } from '../units.js';
import { finding, type Finding } from './finding.js';
import { formatBytes, SOURCE_LINKS } from './source-common.js';

export interface TableRef {
  schema: string;
  table: string;
}

export interface ReplicationSlot {
  name: string;
  plugin?: string;
  type: string;
  active: boolean;
  /** WAL between the server's current position and the slot's restart_lsn; null when the slot has none. */
  retainedBytes: number | null;
  /** reserved | extended | unreserved | lost (PostgreSQL 13+). */
  walStatus?: string;
}

export interface ObservedPostgres {
  /** host:port, as findings name it. */
  server: string;
  walLevel: string;
  slots: ReplicationSlot[];
  /** Tables in the task's include rules with no primary key and REPLICA IDENTITY DEFAULT. */
  tablesWithoutKey: TableRef[];
}

/** What CloudWatch's FreeStorageSpace says over the window: how much is free, and how fast it goes. */
export type StorageTrend = { freeBytes: number; fallingBytesPerMs: number; points: number } | { unavailable: string };

export interface ObservedMysql {
  server: string;
  version: string;
  mariadb: boolean;
  /** mysql.rds_show_configuration exists: an RDS or Aurora server. */
  rds: boolean;
  logBin: boolean;
  binlogFormat: string;
  binlogRowImage: string;
  /** RDS: `binlog retention hours` (null: not set); elsewhere the expiry variables the server has. */
  retention: { kind: 'rds'; hours: number | null } | { kind: 'server'; expireSeconds?: number; expireDays?: number };
  tablesWithoutKey: TableRef[];
}

/** At most this many tables are named one by one; the rest are counted in one more finding. */
export const MAX_TABLE_FINDINGS = 25;

/** The trend from a FreeStorageSpace series: least-squares slope over the points (positive = falling). */
export function storageTrend(series: MetricSeries | undefined, why = 'no FreeStorageSpace datapoints in the window'): StorageTrend {
  const n = series?.values.length ?? 0;
  if (!series || n === 0) return { unavailable: why };
  const freeBytes = series.values[n - 1]!;
  if (n < 2) return { freeBytes, fallingBytesPerMs: 0, points: n };
  const t0 = series.timestampsMs[0]!;
  const xs = series.timestampsMs.map((t) => t - t0);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = series.values.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * (series.values[i]! - my);
    den += (x - mx) ** 2;
  });
  return { freeBytes, fallingBytesPerMs: den === 0 ? 0 : -num / den, points: n };
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;
const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;
const backtick = (s: string) => `\`${s.replace(/`/g, '``')}\``;

export function postgresFindings(obs: ObservedPostgres, storage: StorageTrend, windowMs: number): Finding[] {
  const out: Finding[] = [];
  const resource = obs.server;
  out.push(
    obs.walLevel === 'logical'
      ? finding({ stage: 'source', severity: 'ok', id: 'source.wal-level', resource, evidence: 'wal_level = logical' })
      : finding({
          stage: 'source',
          severity: 'error',
          id: 'source.wal-level',
          resource,
          evidence: `wal_level = ${obs.walLevel}; DMS change capture needs logical`,
          fix: 'on RDS/Aurora set rds.logical_replication=1 in the parameter group and reboot; elsewhere ALTER SYSTEM SET wal_level = logical; then restart the server',
          link: SOURCE_LINKS.postgresSelfManaged,
        }),
  );
  out.push(...slotFindings(obs, storage, windowMs));
  out.push(
    ...tableFindings(obs.tablesWithoutKey, resource, 'error', 'no primary key and REPLICA IDENTITY DEFAULT: its UPDATEs and DELETEs are not captured', (t) => `ALTER TABLE ${quoteIdent(t.schema)}.${quoteIdent(t.table)} REPLICA IDENTITY FULL; -- or add a primary key`, SOURCE_LINKS.postgresLimitations),
  );
  return out;
}

function slotFindings(obs: ObservedPostgres, storage: StorageTrend, windowMs: number): Finding[] {
  const inactive = obs.slots.filter((s) => !s.active);
  const id = 'source.inactive-slot';
  if (inactive.length === 0) {
    return [finding({ stage: 'source', severity: 'ok', id, resource: obs.server, evidence: `no inactive replication slot (${obs.slots.length} slot${obs.slots.length === 1 ? '' : 's'}, all active)` })];
  }
  const totalRetained = inactive.reduce((a, s) => a + (s.retainedBytes ?? 0), 0);
  const horizonMs = windowMs * 24;
  let disk: string;
  let fills = false;
  if ('unavailable' in storage) disk = `FreeStorageSpace not read (${storage.unavailable})`;
  else if (storage.fallingBytesPerMs <= 0) disk = `${formatBytes(storage.freeBytes)} free, not falling over the window`;
  else {
    const fillMs = storage.freeBytes / storage.fallingBytesPerMs;
    fills = fillMs <= horizonMs;
    disk = `${formatBytes(storage.freeBytes)} free, falling ${formatBytes(storage.fallingBytesPerMs * 3_600_000)}/h: the disk fills in ${formatDurationMs(fillMs)}${fills ? ` (within ${formatDurationMs(horizonMs)}, 24 × the window)` : ''}`;
  }
  return inactive.map((s) => {
    const lost = s.walStatus === 'lost';
    return finding({
      stage: 'source',
      severity: lost || fills ? 'error' : 'warn',
      id,
      resource: `${obs.server}/${s.name}`,
      evidence: lost
        ? `replication slot ${s.name} (${s.type}${s.plugin ? `, ${s.plugin}` : ''}) is inactive and lost (wal_status = lost): the WAL it needed is gone; a task reading it must be reloaded`
        : `replication slot ${s.name} (${s.type}${s.plugin ? `, ${s.plugin}` : ''}) is inactive and retains ${s.retainedBytes === null ? 'no WAL yet' : formatBytes(s.retainedBytes)} of WAL${inactive.length > 1 ? ` (${formatBytes(totalRetained)} over ${inactive.length} inactive slots)` : ''}; ${disk}`,
      fix: `resume the DMS task that reads slot ${s.name}, or, if none does: SELECT pg_drop_replication_slot(${quoteLiteral(s.name)});`,
      link: SOURCE_LINKS.postgresSlots,
    });
  });
}

function tableFindings(tables: TableRef[], server: string, severity: 'error' | 'warn', why: string, fix: (t: TableRef) => string, link: string): Finding[] {
  const id = 'source.primary-key';
  if (tables.length === 0) return [finding({ stage: 'source', severity: 'ok', id, resource: server, evidence: 'every included table has a primary key (or a replica identity)' })];
  const shown = tables.slice(0, MAX_TABLE_FINDINGS).map((t) => finding({ stage: 'source', severity, id, resource: `${t.schema}.${t.table}`, evidence: `table ${t.schema}.${t.table} has ${why}`, fix: fix(t), link }));
  if (tables.length > MAX_TABLE_FINDINGS) {
    const rest = tables.length - MAX_TABLE_FINDINGS;
    shown.push(finding({ stage: 'source', severity, id, resource: server, evidence: `${rest} more table${rest === 1 ? '' : 's'} without a primary key`, fix: 'see the tables listed above; the same fix applies', link }));
  }
  return shown;
}

const HOUR_S = 3600;

export function mysqlFindings(obs: ObservedMysql): Finding[] {
  const out: Finding[] = [];
  const resource = obs.server;
  const link = obs.rds ? SOURCE_LINKS.mysqlManaged : SOURCE_LINKS.mysqlSelfManaged;
  const persist = obs.rds ? 'set it in the DB parameter group (Aurora: the cluster parameter group)' : 'and put it under [mysqld] in the server option file so it survives a restart';
  out.push(
    obs.logBin
      ? finding({ stage: 'source', severity: 'ok', id: 'source.log-bin', resource, evidence: 'log_bin = ON' })
      : finding({
          stage: 'source',
          severity: 'error',
          id: 'source.log-bin',
          resource,
          evidence: 'log_bin = OFF: the server writes no binary log, so there is nothing to capture',
          fix: obs.rds ? 'turn on automated backups (aws rds modify-db-instance --backup-retention-period 1 --apply-immediately); Aurora: set binlog_format in the cluster parameter group' : 'start the server with log_bin (and a server_id ≥ 1) in the [mysqld] option file',
          link,
        }),
  );
  const format = obs.binlogFormat.toUpperCase();
  out.push(
    format === 'ROW'
      ? finding({ stage: 'source', severity: 'ok', id: 'source.binlog-format', resource, evidence: 'binlog_format = ROW' })
      : finding({ stage: 'source', severity: 'error', id: 'source.binlog-format', resource, evidence: `binlog_format = ${format}; DMS change capture needs ROW`, fix: obs.rds ? `binlog_format=ROW: ${persist}` : `SET GLOBAL binlog_format = 'ROW'; ${persist}`, link }),
  );
  const image = obs.binlogRowImage.toUpperCase();
  out.push(
    image === 'FULL'
      ? finding({ stage: 'source', severity: 'ok', id: 'source.binlog-row-image', resource, evidence: 'binlog_row_image = FULL' })
      : finding({ stage: 'source', severity: 'error', id: 'source.binlog-row-image', resource, evidence: `binlog_row_image = ${image}; DMS needs FULL`, fix: obs.rds ? `binlog_row_image=FULL: ${persist}` : `SET GLOBAL binlog_row_image = 'FULL'; ${persist}`, link }),
  );
  out.push(retentionFinding(obs));
  out.push(...tableFindings(obs.tablesWithoutKey, resource, 'warn', 'no primary key: DMS cannot key its changes (partition key, LOB lookups) and updates on it are costly', (t) => `ALTER TABLE ${backtick(t.schema)}.${backtick(t.table)} ADD PRIMARY KEY (<columns>);`, SOURCE_LINKS.mysqlLimitations));
  return out;
}

function retentionFinding(obs: ObservedMysql): Finding {
  const id = 'source.binlog-retention';
  const resource = obs.server;
  const r = obs.retention;
  if (r.kind === 'rds') {
    const link = SOURCE_LINKS.rdsBinlogRetention;
    const fix = "CALL mysql.rds_set_configuration('binlog retention hours', 24);";
    if (r.hours === null) return finding({ stage: 'source', severity: 'error', id, resource, evidence: 'binlog retention hours = NULL: RDS removes binary logs as soon as it can, so a stopped task cannot resume', fix, link });
    if (r.hours < 24) return finding({ stage: 'source', severity: 'error', id, resource, evidence: `binlog retention hours = ${r.hours}; keep at least 24 h so a stopped task can resume`, fix, link });
    return finding({ stage: 'source', severity: 'ok', id, resource, evidence: `binlog retention hours = ${r.hours}` });
  }
  const link = SOURCE_LINKS.mysqlSelfManaged;
  const seconds = r.expireSeconds ? r.expireSeconds : r.expireDays ? r.expireDays * 86_400 : 0;
  const what = r.expireSeconds ? `binlog_expire_logs_seconds = ${r.expireSeconds}` : `expire_logs_days = ${r.expireDays ?? 0}${r.expireSeconds === 0 ? ', binlog_expire_logs_seconds = 0' : ''}`;
  if (seconds === 0) return finding({ stage: 'source', severity: 'ok', id, resource, evidence: `${what}: binary logs are never removed automatically` });
  if (seconds >= 24 * HOUR_S) return finding({ stage: 'source', severity: 'ok', id, resource, evidence: `${what} (${formatDurationMs(seconds * 1000)})` });
  const fix = r.expireSeconds !== undefined ? 'SET GLOBAL binlog_expire_logs_seconds = 86400; and the same in the [mysqld] option file' : 'SET GLOBAL expire_logs_days = 1; and the same in the [mysqld] option file';
  return finding({ stage: 'source', severity: 'error', id, resource, evidence: `${what}: binary logs are kept ${formatDurationMs(seconds * 1000)}; keep at least 24 h so a stopped task can resume`, fix, link });
}
