/** `cdcpipe reshard`'s output: the plan with its before/after shard maps, the outcome, or the JSON document. */
import type { ReshardResult, ShardRow } from '../services/reshard.js';
import type { Output } from './output.js';
import { renderTable } from './table.js';
import { wrapText } from './wrap.js';

export function renderReshard(out: Output, r: ReshardResult): void {
  if (out.json) {
    const { stream, dryRun, mode, before, after, steps, calls, uneven, budget, utilization, warnings, complete } = r;
    out.document({ stream, dryRun, mode, before, after, steps, calls, uneven, ...(budget ? { budget } : {}), ...(utilization ? { utilization } : {}), warnings, complete });
    return;
  }
  if (r.dryRun) {
    out.result(planText(out, r));
  } else {
    const done = r.steps.filter((s) => s.status !== 'planned').length;
    out.result(`${r.stream}: ${done} call(s) made; ${r.after.length} open shards now`);
    out.result(mapTable('after', r.after, out.width));
  }
  if (r.uneven.length) {
    out.result(
      out.color.yellow(`${r.uneven.length} of ${r.after.length} shards are more than 1 % off an even share (${(100 / r.after.length).toFixed(2)} %)`) +
        (r.mode === 'rebalance' && !r.dryRun ? '' : `: run \`cdcpipe reshard ${r.stream} --rebalance\` to even them out`),
    );
  }
  out.result(`AWS calls: ${Object.entries(r.calls).map(([op, n]) => `${op} ${n}`).join(', ') || 'none'}`);
}

/** The plan: the budget or load it rests on, the map before, each call, the map after. */
export function planText(out: Output, r: ReshardResult): string {
  const c = out.color;
  const lines = [c.bold(`${r.stream}: ${r.mode} — ${r.steps.length} call(s) planned${r.dryRun ? ' (dry run: nothing will change)' : ''}`)];
  if (r.budget) lines.push(wrapText(`UpdateShardCount budget: ${r.budget.spent} of ${r.budget.limit} counted as spent in the last 24 h (${r.budget.method}); this plan uses ${r.budget.planned}`, out.width, '  '));
  if (r.utilization) {
    const u = r.utilization;
    lines.push(`load: ${u.source}; target utilization ${pctOf(u.targetUtilization)}`);
    lines.push(`utilization: max ${pctOf(u.before.max)} → ${pctOf(u.after.max)}, mean ${pctOf(u.before.mean)} → ${pctOf(u.after.mean)}`);
  }
  lines.push(mapTable('before', r.before, out.width));
  r.steps.forEach((s, i) => lines.push(wrapText(`  ${i + 1}. ${s.call} ${s.description}`, out.width, '     ')));
  lines.push(mapTable(r.dryRun ? 'after (predicted)' : 'after (planned)', r.after, out.width));
  return lines.join('\n');
}

function mapTable(title: string, rows: ShardRow[], width: number | undefined): string {
  const withUtil = rows.some((r) => r.utilization !== undefined);
  const head = ['shard', 'starting hash key', 'ending hash key', 'key space', ...(withUtil ? ['utilization'] : [])];
  const body = rows.map((r) => [r.shardId ?? '(new)', r.startingHashKey, r.endingHashKey, `${r.keySpacePct.toFixed(2)} %`, ...(withUtil ? [pctOf(r.utilization ?? 0)] : [])]);
  // A hash key cut across two lines is noise; the starting keys go instead: in a map of open shards
  // each one is the ending key above it plus one.
  return `${title}:\n${renderTable(head, body, { align: ['left', 'right', 'right', 'right', 'right'], width, drop: ['starting hash key'] })}`;
}

function pctOf(ratio: number): string {
  return `${(ratio * 100).toFixed(1)} %`;
}
