/** `cdcpipe reshard <stream>`: flags and validation; the work is in src/aws/reshard.ts (loaded lazily). */
import type { Command } from 'commander';
import { action, examples } from './action.js';
import type { Context } from '../context.js';
import { AbortError, UsageError } from '../errors.js';
import { parseHashKey } from '../core/hash-range.js';
import { MAX_SHARDS_PER_UPDATE, PARTITION_KEY_MAX_CHARS, UPDATE_SHARD_COUNT_CALLS_PER_24H } from '../core/limits.js';
import { parseDurationFlag, parseNumberFlag } from '../core/units.js';
import { renderTable } from '../render/table.js';
import type { ReshardMode, ReshardResult, ShardRow } from '../aws/reshard.js';

interface ReshardFlags {
  to?: string;
  switchToProvisioned?: boolean;
  budgetUsed?: string;
  split?: string;
  at?: string;
  atKey?: string;
  merge?: string[];
  rebalance?: boolean;
  auto?: boolean;
  targetUtilization?: string;
  sample?: string;
  window?: string;
  dryRun?: boolean;
  yes?: boolean;
}

export function register(program: Command): void {
  program
    .command('reshard')
    .description("change a stream's shard count, split, merge, rebalance or auto-scale shards within AWS's resharding limits; plans every call first")
    .argument('<stream>', 'Kinesis data stream name')
    .option('--to <n>', 'UpdateShardCount (UNIFORM_SCALING) to n open shards in the fewest ×2/÷2 steps, within the 10-calls-per-24-h budget')
    .option('--switch-to-provisioned', 'with --to on an on-demand stream: switch it to provisioned mode first')
    .option('--budget-used <n>', `with --to: UpdateShardCount calls already made in the last 24 h (0..${UPDATE_SHARD_COUNT_CALLS_PER_24H}), instead of the estimate from the shard map`)
    .option('--split <shardId>', 'SplitShard this open shard (at the middle of its range unless --at/--at-key)')
    .option('--at <hashKey>', 'with --split: the new starting hash key (decimal, 0..2^128-1)')
    .option('--at-key <partitionKey>', 'with --split: split where this partition key hashes to (MD5)')
    .option('--merge <shards...>', 'MergeShards two open, adjacent shards: --merge <shardA> <shardB>')
    .option('--rebalance', 'make every open shard an equal share of the key space (±1 %) with the fewest SplitShard/MergeShards calls; re-run to resume')
    .option('--auto', 'split hot shards at their load median and merge adjacent cold pairs')
    .option('--target-utilization <ratio>', 'with --auto: a shard is hot above this share of its write limits (0 < r ≤ 1)', '0.8')
    .option('--sample <duration>', 'with --auto: measure partition-key load by reading the last <duration> of records (when enhanced monitoring is off)')
    .option('--window <duration>', 'with --auto: CloudWatch look-back for the peak minute of each shard', '1h')
    .option('--dry-run', 'print the plan and the before/after shard map; change nothing')
    .option('-y, --yes', 'run without asking (required without a terminal)')
    .addHelpText(
      'after',
      examples(
        'cdcpipe reshard orders --to 10 --dry-run',
        'cdcpipe reshard orders --to 10 --yes && cdcpipe reshard orders --rebalance --yes',
        'cdcpipe reshard orders --split shardId-000000000003 --at-key customer-42',
        'cdcpipe reshard orders --merge shardId-000000000004 shardId-000000000005',
        'cdcpipe reshard orders --auto --sample 5m --dry-run',
        'cdcpipe reshard orders --to 4 --switch-to-provisioned --json --yes',
      ),
    )
    .action(
      action<ReshardFlags>(async (ctx, args, flags) => {
        const stream = args[0]!;
        const mode = parseMode(flags);
        const stopRaw = ctx.env.CDCPIPE_TEST_STOP_AFTER_CALLS;
        const { runReshard } = await import('../aws/reshard.js');
        const aws = await ctx.aws();
        const result = await runReshard(
          {
            kinesis: await aws.kinesisSdk(),
            cloudwatch: () => aws.cloudwatchSdk(),
            info: (t) => ctx.out.info(t),
            warn: (t) => ctx.out.warn(t),
            spinner: (t) => ctx.out.spinner(t),
            confirm: (plan) => confirm(ctx, plan, Boolean(flags.yes)),
          },
          { stream, mode, dryRun: Boolean(flags.dryRun), now: new Date(), ...(stopRaw ? { stopAfterCalls: Number(stopRaw) } : {}) },
        );
        render(ctx, result);
      }),
    );
}

function parseMode(f: ReshardFlags): ReshardMode {
  const chosen = (['to', 'split', 'merge', 'rebalance', 'auto'] as const).filter((k) => f[k] !== undefined && f[k] !== false);
  if (chosen.length !== 1) {
    throw new UsageError(`reshard: expected exactly one of --to, --split, --merge, --rebalance, --auto${chosen.length ? `, got ${chosen.map((c) => `--${c}`).join(' and ')}` : ''}`);
  }
  const only = (flag: string, present: unknown, owner: string) => {
    if (present !== undefined && present !== false && chosen[0] !== owner) throw new UsageError(`${flag} works only with --${owner}`);
  };
  only('--switch-to-provisioned', f.switchToProvisioned, 'to');
  only('--budget-used', f.budgetUsed, 'to');
  only('--at', f.at, 'split');
  only('--at-key', f.atKey, 'split');
  only('--sample', f.sample, 'auto');
  if (chosen[0] !== 'auto' && f.targetUtilization !== '0.8') only('--target-utilization', f.targetUtilization, 'auto');
  if (chosen[0] !== 'auto' && f.window !== '1h') only('--window', f.window, 'auto');

  switch (chosen[0]!) {
    case 'to':
      return {
        kind: 'to',
        target: parseNumberFlag('--to', f.to!, { min: 1, max: MAX_SHARDS_PER_UPDATE, integer: true }),
        switchToProvisioned: Boolean(f.switchToProvisioned),
        ...(f.budgetUsed !== undefined ? { budgetUsed: parseNumberFlag('--budget-used', f.budgetUsed, { min: 0, max: UPDATE_SHARD_COUNT_CALLS_PER_24H, integer: true }) } : {}),
      };
    case 'split': {
      if (f.at !== undefined && f.atKey !== undefined) throw new UsageError('--split: give --at <hashKey> or --at-key <partitionKey>, not both');
      if (!/^shardId-\d+$/.test(f.split!)) throw new UsageError(`--split: expected a shard id such as shardId-000000000003, got '${f.split}'`);
      let at: bigint | undefined;
      if (f.at !== undefined) {
        const parsed = parseHashKey(f.at);
        if (parsed === null) throw new UsageError(`--at: expected a decimal hash key 0..340282366920938463463374607431768211455, got '${f.at}'`);
        at = parsed;
      }
      if (f.atKey !== undefined && (f.atKey.length < 1 || f.atKey.length > PARTITION_KEY_MAX_CHARS)) throw new UsageError(`--at-key: expected a partition key of 1..${PARTITION_KEY_MAX_CHARS} characters`);
      return { kind: 'split', shardId: f.split!, ...(at !== undefined ? { at } : {}), ...(f.atKey !== undefined ? { atKey: f.atKey } : {}) };
    }
    case 'merge': {
      const shards = f.merge!;
      if (shards.length !== 2) throw new UsageError(`--merge: expected two shard ids (--merge <shardA> <shardB>), got ${shards.length}`);
      return { kind: 'merge', shardA: shards[0]!, shardB: shards[1]! };
    }
    case 'rebalance':
      return { kind: 'rebalance' };
    case 'auto':
      return {
        kind: 'auto',
        targetUtilization: parseNumberFlag('--target-utilization', f.targetUtilization ?? '0.8', { min: 0, minExclusive: true, max: 1 }),
        windowMs: parseDurationFlag('--window', f.window ?? '1h', { minMs: 60_000 }),
        ...(f.sample !== undefined ? { sampleMs: parseDurationFlag('--sample', f.sample, { minMs: 1000 }) } : {}),
      };
  }
}

/** Shows the plan on stderr and asks; without a terminal only --yes lets it run (STYLE.md 6). */
async function confirm(ctx: Context, plan: ReshardResult, yes: boolean): Promise<void> {
  if (!ctx.out.json) ctx.out.info(planText(ctx, plan));
  if (yes) return;
  if (!ctx.out.canPrompt) throw new UsageError(`reshard: ${plan.steps.length} change(s) need confirmation and there is no terminal to ask on: pass --yes (or --dry-run to only see the plan)`);
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`Run these ${plan.steps.length} call(s) on '${plan.stream}'? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new AbortError();
  } finally {
    rl.close();
  }
}

function render(ctx: Context, r: ReshardResult): void {
  if (ctx.out.json) {
    const { stream, dryRun, mode, before, after, steps, calls, uneven, budget, utilization, warnings, complete } = r;
    ctx.out.document({ stream, dryRun, mode, before, after, steps, calls, uneven, ...(budget ? { budget } : {}), ...(utilization ? { utilization } : {}), warnings, complete });
    return;
  }
  if (r.dryRun) {
    ctx.out.result(planText(ctx, r));
  } else {
    const done = r.steps.filter((s) => s.status !== 'planned').length;
    ctx.out.result(`${r.stream}: ${done} call(s) made; ${r.after.length} open shards now`);
    ctx.out.result(mapTable('after', r.after));
  }
  if (r.uneven.length) {
    ctx.out.result(
      ctx.out.color.yellow(`${r.uneven.length} of ${r.after.length} shards are more than 1 % off an even share (${(100 / r.after.length).toFixed(2)} %)`) +
        (r.mode === 'rebalance' && !r.dryRun ? '' : `: run \`cdcpipe reshard ${r.stream} --rebalance\` to even them out`),
    );
  }
  ctx.out.result(`AWS calls: ${Object.entries(r.calls).map(([op, n]) => `${op} ${n}`).join(', ') || 'none'}`);
}

function planText(ctx: Context, r: ReshardResult): string {
  const c = ctx.out.color;
  const lines = [c.bold(`${r.stream}: ${r.mode} — ${r.steps.length} call(s) planned${r.dryRun ? ' (dry run: nothing will change)' : ''}`)];
  if (r.budget) lines.push(`UpdateShardCount budget: ${r.budget.spent} of ${r.budget.limit} counted as spent in the last 24 h (${r.budget.method}); this plan uses ${r.budget.planned}`);
  if (r.utilization) {
    const u = r.utilization;
    lines.push(`load: ${u.source}; target utilization ${pctOf(u.targetUtilization)}`);
    lines.push(`utilization: max ${pctOf(u.before.max)} → ${pctOf(u.after.max)}, mean ${pctOf(u.before.mean)} → ${pctOf(u.after.mean)}`);
  }
  lines.push(mapTable('before', r.before));
  r.steps.forEach((s, i) => lines.push(`  ${i + 1}. ${s.call} ${s.description}`));
  lines.push(mapTable(r.dryRun ? 'after (predicted)' : 'after (planned)', r.after));
  return lines.join('\n');
}

function mapTable(title: string, rows: ShardRow[]): string {
  const withUtil = rows.some((r) => r.utilization !== undefined);
  const head = ['shard', 'starting hash key', 'ending hash key', 'key space', ...(withUtil ? ['utilization'] : [])];
  const body = rows.map((r) => [r.shardId ?? '(new)', r.startingHashKey, r.endingHashKey, `${r.keySpacePct.toFixed(2)} %`, ...(withUtil ? [pctOf(r.utilization ?? 0)] : [])]);
  return `${title}:\n${renderTable(head, body, { align: ['left', 'right', 'right', 'right', 'right'] })}`;
}

function pctOf(ratio: number): string {
  return `${(ratio * 100).toFixed(1)} %`;
}
