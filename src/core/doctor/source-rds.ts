/**
 * The source-database checks `doctor` makes from the RDS API: what a DB instance or Aurora cluster
 * and its parameter group say, against what DMS change data capture needs (DMS user guide, "Using an
 * AWS-managed MySQL-compatible database as a source" and "Working with AWS-managed PostgreSQL
 * databases as a DMS source"). Pure: findings from observed values.
 *
 * A parameter the group does not list holds the engine's default. The defaults that matter here:
 * - binlog_format: MIXED on RDS for MySQL and MariaDB (the RDS guide, "Configuring RDS for MySQL
 *   binary logging", recommends mixed); OFF on Aurora MySQL, where binary logging is off until the
 *   cluster parameter group sets binlog_format.
 * - binlog_row_image FULL, binlog_checksum CRC32 (MySQL and MariaDB defaults).
 * - log_slave_updates / log_replica_updates: ON from MySQL 8.0, OFF in 5.7 and MariaDB.
 * - rds.logical_replication 0; wal_sender_timeout 60 s in PostgreSQL (RDS: 30 s), both acceptable;
 *   max_replication_slots and max_wal_senders 10 in PostgreSQL (RDS may set more: taken as 10, the floor).
 */
import { finding, type Finding } from './finding.js';
import { engineInfo, SOURCE_LINKS } from './source-common.js';

export interface RdsParameter {
  value?: string;
  /** static | dynamic */
  applyType?: string;
  /** immediate | pending-reboot */
  applyMethod?: string;
  /** user | system | engine-default */
  source?: string;
}

export interface ObservedRdsSource {
  /** A DB instance, or an Aurora cluster (whose cluster parameter group holds the CDC parameters). */
  kind: 'instance' | 'cluster';
  id: string;
  engine: string;
  engineVersion?: string;
  backupRetentionPeriod?: number;
  /** The instance this one replicates from (a read replica). */
  readReplicaOf?: string;
  parameterGroup: string;
  /** in-sync | pending-reboot | applying | failed-to-apply | pending-database-upgrade */
  applyStatus?: string;
  /** What to reboot when the group is pending-reboot: the instance, or the cluster members that wait. */
  rebootTargets: string[];
  parameters: ReadonlyMap<string, RdsParameter>;
}

/** The parameters the checks read: a pending reboot that holds one of them back is an error, not a warning. */
const CDC_PARAMETERS = new Set([
  'binlog_format',
  'binlog_row_image',
  'binlog_checksum',
  'log_slave_updates',
  'log_replica_updates',
  'rds.logical_replication',
  'wal_sender_timeout',
  'max_replication_slots',
  'max_wal_senders',
]);

export function rdsSourceFindings(src: ObservedRdsSource, taskCount?: number): Finding[] {
  const info = engineInfo(src.engine);
  if (info.family === 'other') {
    return [finding({ stage: 'source', severity: 'skipped', id: 'source.engine', resource: src.id, evidence: `engine ${src.engine}: doctor checks MySQL, MariaDB and PostgreSQL sources (and their Aurora editions)` })];
  }
  const out = [pendingReboot(src)].filter((f): f is Finding => f !== undefined);
  if (info.family === 'mysql') out.push(...mysqlRules(src, info.aurora, info.mariadb));
  else out.push(...postgresRules(src, taskCount));
  return out;
}

/** The command that sets one parameter in the group (a default group cannot be changed: it says so). */
export function setParameterFix(src: ObservedRdsSource, name: string, value: string, applyMethod: 'immediate' | 'pending-reboot'): string {
  const cluster = src.kind === 'cluster';
  const groupFlag = cluster ? '--db-cluster-parameter-group-name' : '--db-parameter-group-name';
  const set = `aws rds ${cluster ? 'modify-db-cluster-parameter-group' : 'modify-db-parameter-group'} ${groupFlag} ${src.parameterGroup} --parameters "ParameterName=${name},ParameterValue=${value},ApplyMethod=${applyMethod}"`;
  const reboot = applyMethod === 'pending-reboot' ? `, then ${rebootCommand(src)}` : '';
  if (!src.parameterGroup.startsWith('default.')) return `${set}${reboot}`;
  const create = cluster ? 'aws rds create-db-cluster-parameter-group' : 'aws rds create-db-parameter-group';
  const attach = cluster
    ? `aws rds modify-db-cluster --db-cluster-identifier ${src.id} --db-cluster-parameter-group-name <new-group>`
    : `aws rds modify-db-instance --db-instance-identifier ${src.id} --db-parameter-group-name <new-group>`;
  return `${src.parameterGroup} is a default parameter group and cannot be changed: ${create} (same family), attach it (${attach}), set ${name}=${value} in it${reboot || `, then ${rebootCommand(src)}`}`;
}

function rebootCommand(src: ObservedRdsSource): string {
  const targets = src.rebootTargets.length ? src.rebootTargets : [src.kind === 'cluster' ? '<writer instance>' : src.id];
  return targets.map((t) => `aws rds reboot-db-instance --db-instance-identifier ${t}`).join('; ');
}

function pendingReboot(src: ObservedRdsSource): Finding | undefined {
  const status = src.applyStatus ?? 'in-sync';
  const resource = src.id;
  const id = 'source.parameter-group-status';
  const link = SOURCE_LINKS.parameterGroups;
  if (status === 'in-sync') return finding({ stage: 'source', severity: 'ok', id, resource, evidence: `parameter group ${src.parameterGroup} is in-sync` });
  if (status !== 'pending-reboot') {
    return finding({ stage: 'source', severity: status === 'failed-to-apply' ? 'error' : 'warn', id, resource, evidence: `parameter group ${src.parameterGroup} is ${status}`, link });
  }
  // A static parameter set by the user applies only at the next reboot: those are the ones that wait.
  const waiting = [...src.parameters.entries()].filter(([, p]) => p.source === 'user' && (p.applyType === 'static' || p.applyMethod === 'pending-reboot'));
  const named = waiting.map(([n, p]) => `${n}=${p.value ?? ''}`);
  const holdsCdc = waiting.some(([n]) => CDC_PARAMETERS.has(n));
  return finding({
    stage: 'source',
    severity: holdsCdc ? 'error' : 'warn',
    id,
    resource,
    evidence: `parameter group ${src.parameterGroup} is pending-reboot: ${named.length ? `waiting: ${named.join(', ')}` : 'no static parameter set by the user is listed (which change waits is not shown)'}; the values checked here are not in effect until then`,
    fix: rebootCommand(src),
    link,
  });
}

const upper = (v: string | undefined) => v?.trim().toUpperCase();
const isOn = (v: string | undefined) => ['1', 'ON', 'TRUE'].includes(upper(v) ?? '');

/** `binlog_format = MIXED in parameter group g`, or `… not set in parameter group g: the engine default MIXED applies`. */
function seen(src: ObservedRdsSource, name: string, fallback: string): { value: string; text: string } {
  const p = src.parameters.get(name);
  if (p?.value !== undefined && p.value !== '') return { value: p.value, text: `${name} = ${p.value} in parameter group ${src.parameterGroup}` };
  return { value: fallback, text: `${name} not set in parameter group ${src.parameterGroup}: the engine default ${fallback} applies` };
}

function mysqlRules(src: ObservedRdsSource, aurora: boolean, mariadb: boolean): Finding[] {
  const out: Finding[] = [];
  const link = SOURCE_LINKS.mysqlManaged;
  const resource = src.id;
  // Aurora's binlog_format is a cluster parameter that applies at reboot; RDS's is dynamic.
  const method = aurora ? 'pending-reboot' : 'immediate';
  if (!aurora) {
    const days = src.backupRetentionPeriod ?? 0;
    out.push(
      days > 0
        ? finding({ stage: 'source', severity: 'ok', id: 'source.backups', resource, evidence: `automated backups on (BackupRetentionPeriod ${days} days): binary logging is on` })
        : finding({
            stage: 'source',
            severity: 'error',
            id: 'source.backups',
            resource,
            evidence: 'BackupRetentionPeriod = 0: automated backups are off, so RDS turns binary logging off',
            fix: `aws rds modify-db-instance --db-instance-identifier ${src.id} --backup-retention-period 1 --apply-immediately`,
            link: SOURCE_LINKS.rdsBinlog,
          }),
    );
  }
  const format = seen(src, 'binlog_format', aurora ? 'OFF' : 'MIXED');
  out.push(
    upper(format.value) === 'ROW'
      ? finding({ stage: 'source', severity: 'ok', id: 'source.binlog-format', resource, evidence: format.text })
      : finding({
          stage: 'source',
          severity: 'error',
          id: 'source.binlog-format',
          resource,
          evidence: `${format.text}${upper(format.value) === 'OFF' ? ' (binary logging off)' : ''}; DMS change capture needs ROW`,
          fix: setParameterFix(src, 'binlog_format', 'ROW', method),
          link,
        }),
  );
  const image = seen(src, 'binlog_row_image', 'FULL');
  out.push(
    upper(image.value) === 'FULL'
      ? finding({ stage: 'source', severity: 'ok', id: 'source.binlog-row-image', resource, evidence: image.text })
      : finding({ stage: 'source', severity: 'error', id: 'source.binlog-row-image', resource, evidence: `${image.text}; DMS needs FULL`, fix: setParameterFix(src, 'binlog_row_image', 'FULL', method), link }),
  );
  const checksum = seen(src, 'binlog_checksum', 'CRC32');
  out.push(
    upper(checksum.value) === 'NONE'
      ? finding({ stage: 'source', severity: 'ok', id: 'source.binlog-checksum', resource, evidence: checksum.text })
      : finding({
          stage: 'source',
          severity: 'warn',
          id: 'source.binlog-checksum',
          resource,
          evidence: `${checksum.text}; the DMS guide asks for NONE on older DMS engine versions (check the guide for the replication instance's version)`,
          fix: setParameterFix(src, 'binlog_checksum', 'NONE', method),
          link,
        }),
  );
  if (src.readReplicaOf) out.push(replicaUpdates(src, mariadb));
  return out;
}

function replicaUpdates(src: ObservedRdsSource, mariadb: boolean): Finding {
  const major = Number(/^(\d+)/.exec(src.engineVersion ?? '')?.[1] ?? 0);
  const name = src.parameters.has('log_replica_updates') ? 'log_replica_updates' : 'log_slave_updates';
  const v = seen(src, name, !mariadb && major >= 8 ? 'ON' : 'OFF');
  const resource = src.id;
  return isOn(v.value)
    ? finding({ stage: 'source', severity: 'ok', id: 'source.log-slave-updates', resource, evidence: `read replica of ${src.readReplicaOf}: ${v.text}` })
    : finding({
        stage: 'source',
        severity: 'error',
        id: 'source.log-slave-updates',
        resource,
        evidence: `read replica of ${src.readReplicaOf}: ${v.text}; a replica source must write the changes it replays to its own binary log`,
        fix: setParameterFix(src, name, '1', 'pending-reboot'),
        link: SOURCE_LINKS.mysqlManaged,
      });
}

function postgresRules(src: ObservedRdsSource, taskCount: number | undefined): Finding[] {
  const out: Finding[] = [];
  const link = SOURCE_LINKS.postgresManaged;
  const resource = src.id;
  const logical = seen(src, 'rds.logical_replication', '0');
  out.push(
    isOn(logical.value)
      ? finding({ stage: 'source', severity: 'ok', id: 'source.logical-replication', resource, evidence: logical.text })
      : finding({
          stage: 'source',
          severity: 'error',
          id: 'source.logical-replication',
          resource,
          evidence: `${logical.text}; DMS change capture needs 1 (it sets wal_level=logical)`,
          fix: setParameterFix(src, 'rds.logical_replication', '1', 'pending-reboot'),
          link,
        }),
  );
  const timeout = src.parameters.get('wal_sender_timeout')?.value;
  const ms = timeout === undefined || timeout === '' ? undefined : Number(timeout);
  if (ms === undefined) {
    out.push(finding({ stage: 'source', severity: 'ok', id: 'source.wal-sender-timeout', resource, evidence: `wal_sender_timeout not set in parameter group ${src.parameterGroup}: the engine default (30-60 s) applies` }));
  } else if (!Number.isFinite(ms)) {
    out.push(finding({ stage: 'source', severity: 'skipped', id: 'source.wal-sender-timeout', resource, evidence: `wal_sender_timeout = ${timeout}: not a number of milliseconds, not evaluated` }));
  } else {
    out.push(
      ms === 0 || ms >= 10_000
        ? finding({ stage: 'source', severity: 'ok', id: 'source.wal-sender-timeout', resource, evidence: `wal_sender_timeout = ${ms} ms in parameter group ${src.parameterGroup}` })
        : finding({
            stage: 'source',
            severity: 'error',
            id: 'source.wal-sender-timeout',
            resource,
            evidence: `wal_sender_timeout = ${ms} ms in parameter group ${src.parameterGroup}; DMS needs 0 (no timeout) or at least 10000 ms`,
            fix: setParameterFix(src, 'wal_sender_timeout', '10000', 'immediate'),
            link,
          }),
    );
  }
  out.push(capacity(src, 'max_replication_slots', 'source.replication-slots', 'replication slot', taskCount));
  out.push(capacity(src, 'max_wal_senders', 'source.wal-senders', 'WAL sender', taskCount));
  return out;
}

/** Each DMS task on the source holds one logical replication slot and one WAL sender. */
function capacity(src: ObservedRdsSource, name: string, id: string, what: string, taskCount: number | undefined): Finding {
  const raw = src.parameters.get(name)?.value;
  const resource = src.id;
  const set = raw !== undefined && raw !== '';
  const n = set ? Number(raw) : 10;
  const where = set ? `${name} = ${raw} in parameter group ${src.parameterGroup}` : `${name} not set in parameter group ${src.parameterGroup}: the engine default (at least 10) applies`;
  if (!Number.isInteger(n)) return finding({ stage: 'source', severity: 'skipped', id, resource, evidence: `${where}: a formula, not evaluated` });
  if (taskCount === undefined) return finding({ stage: 'source', severity: 'ok', id, resource, evidence: `${where} (number of DMS tasks on this source not known)` });
  const need = `${taskCount} DMS task${taskCount === 1 ? '' : 's'} on this source need${taskCount === 1 ? 's' : ''} ${taskCount} ${what}${taskCount === 1 ? '' : 's'}`;
  if (n >= taskCount) return finding({ stage: 'source', severity: 'ok', id, resource, evidence: `${where}; ${need}` });
  return finding({
    stage: 'source',
    severity: 'error',
    id,
    resource,
    evidence: `${where}; ${need}`,
    fix: setParameterFix(src, name, String(Math.max(taskCount + 2, 10)), 'pending-reboot'),
    link: SOURCE_LINKS.postgresManaged,
  });
}
