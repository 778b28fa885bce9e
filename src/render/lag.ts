/** Human rendering of a lag report: one table row per shard, the stages, then one overall line; and --alarm's result. */
import type { ChalkInstance } from 'chalk';
import { STAGE_LABELS, STAGE_NAMES, type LagReport } from '../core/lag-model.js';
import type { LagStatus } from '../core/lag-status.js';
import { formatDurationMs } from '../core/units.js';
import type { LagAlarmResult } from '../services/lag-alarms.js';
import type { Output } from './output.js';
import { renderTable } from './table.js';
import { wrapText } from './wrap.js';

/** One report: the JSON document with --json, else the table and the overall line. */
export function printLagReport(out: Output, report: LagReport): void {
  if (out.json) out.document(report);
  else out.result(renderLagReport(report, out.color, out.width));
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

/**
 * Shard ids by the shortest suffix (at least `minLength` characters) that still tells every id in
 * `ids` apart: `shardId-000000000003` → `…0003`. An id no longer than the suffix stays whole.
 */
export function shortShardIds(ids: readonly string[], minLength = 4): Map<string, string> {
  const distinct = [...new Set(ids)];
  const longest = Math.max(0, ...distinct.map((id) => id.length));
  let length = minLength;
  while (length < longest && new Set(distinct.map((id) => id.slice(-length))).size < distinct.length) length++;
  return new Map(distinct.map((id) => [id, id.length > length ? `…${id.slice(-length)}` : id]));
}

/** `width`: the terminal's columns to fit (Output.width); undefined prints every value in full. */
export function renderLagReport(report: LagReport, color: ChalkInstance, width?: number): string {
  const out: string[] = [];
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
  const prose = out.map((line) => wrapText(line, width, '  '));
  return (report.shards.length ? [shardTable(report, color, width), ...prose] : prose).join('\n');
}

function shardTable(report: LagReport, color: ChalkInstance, width: number | undefined): string {
  // The parent column shows parents by the digits that tell them apart; the shard column, --json
  // and the parents' own rows carry the full ids.
  const parent = shortShardIds(report.shards.flatMap((s) => s.parentShardIds));
  const rows = report.shards.map((s) => [
    s.shardId,
    s.parentShardIds.map((id) => parent.get(id)!).join(',') || '-',
    s.owner ?? '-',
    s.checkpointAgeMs !== undefined ? formatDurationMs(s.checkpointAgeMs) : s.checkpoint === 'SHARD_END' ? 'SHARD_END' : (s.checkpoint ?? '-'),
    formatDurationMs(s.lagMs),
    s.recordsBehind === undefined ? '-' : `${s.recordsBehind}${s.recordsBehindExact ? '' : '+'}`,
    statusColor(s.status, color),
    s.status === 'OK' && !s.note ? '' : [s.status === 'OK' ? undefined : s.reason, s.note].filter(Boolean).join('; '),
  ]);
  // The reason wraps first, then a checkpoint shown as a sequence number (56 digits) and the owner.
  // The parent goes first (it matters only around a reshard, and --json has it), then the
  // checkpoint age (the lag column says how far behind; the age only how long since the last commit).
  const fit = { width, shrink: { why: 20, 'checkpoint age': 12, owner: 10 }, drop: ['parent', 'checkpoint age'] };
  return renderTable(['shard', 'parent', 'owner', 'checkpoint age', 'lag', 'behind', 'status', 'why'], rows, { align: ['left', 'left', 'left', 'right', 'right', 'right', 'left', 'left'], ...fit });
}
