/**
 * doctor's DMS stage, pure: the task (status, stop reason, last failure, tables errored, settings that
 * do not work with a Kinesis target), its endpoints' connection tests, the tables in an error state,
 * and which side of the task is slow (CDCLatencySource against CDCLatencyTarget).
 */
import type { DmsTaskDimensions } from '../lag-metrics.js';
import type { MetricSeries, MetricSpec } from '../metric-spec.js';
import { parseJsonOrUndefined } from '../provision/model.js';
import type { ObservedTask } from '../provision/dms-task.js';
import { findBatchApplyEnabled } from '../pipeline-schema.js';
import { formatDurationMs } from '../units.js';
import { finding, type Finding } from './finding.js';
import { LINKS } from './links.js';
import { lastOf, maxOf } from './series.js';

/** Stop reasons that mean the task stopped on its own, as asked (not a failure). */
const NORMAL_STOPS = /FULL_LOAD_ONLY_FINISHED|STOPPED_AFTER_FULL_LOAD|STOPPED_AFTER_CACHED_EVENTS|NORMAL/;

/** Status, stop reason, last failure, TablesErrored and risky settings (the `check` of the task's ResourceModel). */
export function checkTask(t: ObservedTask): Finding[] {
  const base = { stage: 'dms' as const, resource: t.identifier ?? t.arn, link: LINKS.dmsTaskStatus };
  const out: Finding[] = [];
  const status = t.status;
  const stop = t.stopReason ? `, StopReason = ${t.stopReason}` : '';
  const failure = t.lastFailureMessage ? `, LastFailureMessage = ${t.lastFailureMessage}` : '';
  const evidence = `Status = ${status}${stop}${failure}`;
  const resume = `aws dms start-replication-task --replication-task-arn ${t.arn} --start-replication-task-type resume-processing`;
  if (status === 'failed' || status === 'failed-move' || /FATAL_ERROR|LOW_MEMORY|LOW_DISK/.test(t.stopReason ?? '')) {
    out.push(finding({ ...base, id: 'dms.task-status', severity: 'error', evidence, fix: `fix the cause in the task log (CloudWatch Logs dms-tasks-<instance>), then ${resume}` }));
  } else if (status === 'stopped') {
    const normal = NORMAL_STOPS.test(t.stopReason ?? '') && t.migrationType === 'full-load';
    out.push(finding({ ...base, id: 'dms.task-status', severity: normal ? 'ok' : 'error', evidence: `${evidence}: no changes are captured`, ...(normal ? {} : { fix: resume }) }));
  } else if (status === 'running') {
    out.push(finding({ ...base, id: 'dms.task-status', severity: t.lastFailureMessage ? 'warn' : 'ok', evidence, ...(t.lastFailureMessage ? { fix: 'the task recovered from the failure above; read the task log for a recurring cause' } : {}) }));
  } else if (status === 'ready') {
    out.push(finding({ ...base, id: 'dms.task-status', severity: 'warn', evidence: `${evidence}: created but never started`, fix: `cdcpipe provision (dms.task.start: true) or aws dms start-replication-task --replication-task-arn ${t.arn} --start-replication-task-type start-replication` }));
  } else {
    out.push(finding({ ...base, id: 'dms.task-status', severity: 'warn', evidence: `${evidence}: in transition`, fix: 'run doctor again when the task has settled' }));
  }

  const errored = t.tablesErrored ?? 0;
  out.push(
    finding({
      ...base,
      id: 'dms.tables-errored',
      severity: errored > 0 ? 'error' : 'ok',
      evidence: `ReplicationTaskStats.TablesErrored = ${errored}`,
      ...(errored > 0 ? { fix: `aws dms reload-tables --replication-task-arn ${t.arn} --tables-to-reload SchemaName=<schema>,TableName=<table> after fixing the cause (see dms.table-errors)` } : {}),
      link: LINKS.dmsTableState,
    }),
  );

  const settings = parseJsonOrUndefined(t.settings) as { TargetMetadata?: Record<string, unknown> } | undefined;
  const batch = findBatchApplyEnabled(settings);
  out.push(
    finding({
      ...base,
      id: 'dms.batch-apply',
      severity: batch ? 'error' : 'ok',
      evidence: batch ? `${batch.join('.')} = true, which a Kinesis target does not support` : 'BatchApplyEnabled is off',
      ...(batch ? { fix: `aws dms modify-replication-task --replication-task-arn ${t.arn} --replication-task-settings '{"TargetMetadata":{"BatchApplyEnabled":false}}' (stop the task first)` } : {}),
      link: LINKS.dmsKinesisTarget,
    }),
  );
  const tm = settings?.TargetMetadata ?? {};
  if (tm.SupportLobs !== false && tm.LimitedSizeLobMode === true && tm.FullLobMode !== true) {
    const kb = typeof tm.LobMaxSize === 'number' ? tm.LobMaxSize : 32;
    out.push(
      finding({
        ...base,
        id: 'dms.lob-mode',
        severity: 'warn',
        evidence: `limited LOB mode: LOB columns larger than LobMaxSize = ${kb} KB are truncated to ${kb} KB in the records`,
        fix: `raise TargetMetadata.LobMaxSize above the largest LOB (SELECT max(octet_length(<col>)) …), or set TargetMetadata.FullLobMode=true, LimitedSizeLobMode=false`,
        link: LINKS.dmsLobSettings,
      }),
    );
  } else {
    out.push(finding({ ...base, id: 'dms.lob-mode', severity: 'ok', evidence: tm.SupportLobs === false ? 'LOB columns are left out (SupportLobs = false)' : tm.FullLobMode === true ? 'full LOB mode: no truncation' : 'no limited LOB mode', link: LINKS.dmsLobSettings }));
  }
  return out;
}

export interface EndpointConnection {
  endpointArn: string;
  /** The endpoint's identifier, for messages. */
  endpointId: string;
  role: 'source' | 'target';
  /** DescribeConnections: successful | testing | failed | deleting; undefined when never tested. */
  status?: string;
  lastFailureMessage?: string;
}

export function connectionFindings(conns: readonly EndpointConnection[], replicationInstanceArn: string | undefined): Finding[] {
  return conns.map((c) => {
    const base = { stage: 'dms' as const, id: `dms.${c.role}-connection`, resource: c.endpointId, link: LINKS.dmsConnections };
    const test = `aws dms test-connection --replication-instance-arn ${replicationInstanceArn ?? '<instance-arn>'} --endpoint-arn ${c.endpointArn}${c.role === 'target' ? ' (or cdcpipe provision --test-connection)' : ''}`;
    if (c.status === 'successful') return finding({ ...base, severity: 'ok', evidence: 'connection test successful' });
    if (c.status === 'failed') return finding({ ...base, severity: 'error', evidence: `connection test failed: ${c.lastFailureMessage ?? 'no LastFailureMessage'}`, fix: `fix the cause (security groups, credentials, ${c.role === 'target' ? 'the role\'s kinesis:PutRecords' : 'the source\'s network access'}), then ${test}` });
    if (c.status === 'testing') return finding({ ...base, severity: 'warn', evidence: 'connection test still running', fix: 'run doctor again in a minute' });
    return finding({ ...base, severity: 'warn', evidence: c.status ? `connection status ${c.status}` : 'no connection test recorded from the task\'s replication instance', fix: test });
  });
}

export interface TableStat {
  schema: string;
  table: string;
  state: string;
}

/** Tables in an error state (DescribeTableStatistics TableState "Table error" / "Error"). */
export function tableErrorFindings(task: string, taskArn: string, stats: readonly TableStat[]): Finding[] {
  const bad = stats.filter((s) => /error/i.test(s.state));
  const base = { stage: 'dms' as const, id: 'dms.table-errors', link: LINKS.dmsTableState };
  if (!bad.length) return [finding({ ...base, resource: task, severity: 'ok', evidence: `${stats.length} tables, none in an error state` })];
  return bad.map((s) =>
    finding({
      ...base,
      resource: `${task}/${s.schema}.${s.table}`,
      severity: 'error',
      evidence: `TableState = ${s.state}`,
      fix: `read the task log for ${s.schema}.${s.table}, fix it, then aws dms reload-tables --replication-task-arn ${taskArn} --tables-to-reload SchemaName=${s.schema},TableName=${s.table}`,
    }),
  );
}

/** CDCLatencySource and CDCLatencyTarget, ids dmsLatSource / dmsLatTarget. */
export function dmsLatencySpecs(d: DmsTaskDimensions): MetricSpec[] {
  const dimensions = { ReplicationInstanceIdentifier: d.instanceDimension, ReplicationTaskIdentifier: d.taskDimension };
  return [
    { id: 'dmsLatSource', namespace: 'AWS/DMS', metricName: 'CDCLatencySource', dimensions, stat: 'Maximum' },
    { id: 'dmsLatTarget', namespace: 'AWS/DMS', metricName: 'CDCLatencyTarget', dimensions, stat: 'Maximum' },
  ];
}

/**
 * Which side is slow. CDCLatencySource is the gap between the source's last commit and DMS reading it;
 * CDCLatencyTarget the gap to the change being written to Kinesis, so it includes the source's. When
 * the source latency is most of the target's, the source side (the database's log, the network, the
 * instance reading it) is slow; otherwise the apply side (writing to the stream) is.
 */
export function latencyFinding(task: string, series: ReadonlyMap<string, MetricSeries>, thresholdS: number, stream: string): Finding {
  const src = series.get('dmsLatSource');
  const tgt = series.get('dmsLatTarget');
  const base = { stage: 'dms' as const, id: 'dms.cdc-latency', resource: task, link: LINKS.dmsLatency };
  if (!src?.values.length && !tgt?.values.length) return finding({ ...base, severity: 'skipped', evidence: 'no CDCLatencySource/CDCLatencyTarget datapoints in the window (has CDC run?)' });
  const s = lastOf(src) ?? 0;
  const t = Math.max(lastOf(tgt) ?? 0, s);
  const worst = Math.max(maxOf(src), maxOf(tgt));
  const fmt = (sec: number) => formatDurationMs(sec * 1000);
  const evidence = `CDCLatencySource ${fmt(s)}, CDCLatencyTarget ${fmt(t)} (max ${fmt(worst)} in the window)`;
  if (t <= thresholdS) return finding({ ...base, severity: 'ok', evidence: `${evidence}, within ${fmt(thresholdS)}` });
  const sourceSlow = s >= 0.8 * t;
  return finding({
    ...base,
    severity: 'warn',
    evidence: `${evidence}: the ${sourceSlow ? 'source side (reading the database log) ' : 'target side (writing to Kinesis) '}is slow`,
    fix: sourceSlow
      ? 'check the source: long-running transactions, log retention, the replication instance\'s CPU and network (CloudWatch CPUUtilization, NetworkReceiveThroughput)'
      : `check the stream: cdcpipe doctor --only stream (write throttling), raise TargetMetadata.ParallelApplyThreads / ParallelApplyBufferSize, or add shards to ${stream}`,
  });
}

/** The schema/table pairs the task's selection rules include (wildcards kept as written). */
export function includedTables(tableMappings: string | undefined): { schema: string; table: string }[] {
  const doc = parseJsonOrUndefined(tableMappings) as { rules?: { 'rule-type'?: string; 'rule-action'?: string; 'object-locator'?: { 'schema-name'?: string; 'table-name'?: string } }[] } | undefined;
  return (doc?.rules ?? [])
    .filter((r) => r['rule-type'] === 'selection' && r['rule-action'] === 'include' && r['object-locator']?.['schema-name'])
    .map((r) => ({ schema: r['object-locator']!['schema-name']!, table: r['object-locator']!['table-name'] ?? '%' }));
}
