/** Human rendering of a lag report: one table row per shard, the stages, then one overall line; and --alarm's result. */
import type { ChalkInstance } from 'chalk';
import { STAGE_LABELS, STAGE_NAMES, type LagReport } from '../core/lag-model.js';
import type { LagStatus } from '../core/lag-status.js';
import { formatDurationMs } from '../core/units.js';
import type { LagAlarmResult } from '../services/lag-alarms.js';
import type { Output } from './output.js';
import { renderTable } from './table.js';

/** One report: the JSON document with --json, else the table and the overall line. */
export function printLagReport(out: Output, report: LagReport): void {
  if (out.json) out.document(report);
  else out.result(renderLagReport(report, out.color));
}

/** --alarm: each definition (--dry-run) or what was created or updated. */
export function printLagAlarms(out: Output, result: LagAlarmResult): void {
  if (out.json) out.document(result);
  else if (result.dryRun) for (const d of result.alarms) out.result(`would put alarm ${d.AlarmName}\n${JSON.stringify(d, null, 2)}`);
  else for (const a of result.alarms) out.result(`${a.action === 'create' ? 'created' : 'updated'} ${a.name}`);
}

export function statusColor(status: LagStatus, color: ChalkInstance): string {
  switch (status) {
    case 'OK':
      return color.green(status);
    case 'WARN':
      return color.yellow(status);
    default:
      return color.red.bold(status);
  }
}

const short = (id: string) => id.replace(/^shardId-0*/, 'shardId-…');

export function renderLagReport(report: LagReport, color: ChalkInstance): string {
  const out: string[] = [];
  if (report.shards.length) {
    const rows = report.shards.map((s) => [
      s.shardId,
      s.parentShardIds.map(short).join(',') || '-',
      s.owner ?? '-',
      s.checkpointAgeMs !== undefined ? formatDurationMs(s.checkpointAgeMs) : s.checkpoint === 'SHARD_END' ? 'SHARD_END' : (s.checkpoint ?? '-'),
      formatDurationMs(s.lagMs),
      s.recordsBehind === undefined ? '-' : `${s.recordsBehind}${s.recordsBehindExact ? '' : '+'}`,
      statusColor(s.status, color),
      s.status === 'OK' && !s.note ? '' : [s.status === 'OK' ? undefined : s.reason, s.note].filter(Boolean).join('; '),
    ]);
    out.push(renderTable(['shard', 'parent', 'owner', 'checkpoint age', 'lag', 'behind', 'status', 'why'], rows, { align: ['left', 'left', 'left', 'right', 'right', 'right', 'left', 'left'] }));
  }
  if (report.aggregate) {
    const a = report.aggregate;
    out.push(`${a.scope === 'consumer' ? 'consumer' : 'stream'} ${a.metric}: ${formatDurationMs(a.lagMs)} ${statusColor(a.status, color)} — ${a.reason}`);
  }
  if (report.throttling) out.push(`throttling over the window: read ${report.throttling.readThrottledSum}, write ${report.throttling.writeThrottledSum}`);
  const stages = STAGE_NAMES.filter((n) => report.stages[n]);
  // The consumer stage alone repeats the table; the line earns its place once DMS or Firehose is in.
  if (stages.length > 1) {
    const parts = stages.map((n) => {
      const text = `${STAGE_LABELS[n]} ${formatDurationMs(report.stages[n]!.lagMs)}`;
      return n === report.stages.slowest && stages.length > 1 ? color.bold(`${text} (slowest)`) : text;
    });
    out.push(`stages: ${parts.join(', ')}${report.stages.endToEndMs !== undefined ? `; end to end ≈ ${formatDurationMs(report.stages.endToEndMs)}` : ''}`);
  }
  for (const n of report.notes) out.push(color.dim(`note: ${n}`));
  out.push(
    `overall: ${statusColor(report.status, color)}  max lag ${formatDurationMs(report.maxLagMs)} (threshold ${formatDurationMs(report.thresholdMs)}, window ${formatDurationMs(report.windowMs)})  ${report.reason}`,
  );
  return out.join('\n');
}
