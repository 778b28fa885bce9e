/** `cdcpipe reshard <stream>`: flags → mode (src/core/reshard-mode.ts) → the service (loaded lazily) → render. */
import type { Command } from 'commander';
import { action, examples } from './action.js';
import { streamFromVariadic } from './positional.js';
import { UPDATE_SHARD_COUNT_CALLS_PER_24H } from '../core/limits.js';
import { parseReshardMode, type ReshardFlags } from '../core/reshard-mode.js';
import { planText, renderReshard } from '../render/reshard.js';

export function register(program: Command): void {
  program
    .command('reshard')
    .description("change a stream's shard count, split, merge, rebalance or auto-scale shards within AWS's resharding limits; plans every call first")
    .argument('[stream]', 'Kinesis data stream name')
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
        // `--merge A B orders-cdc`: the variadic flag took the stream name as a third shard.
        const { stream, values: merge } = streamFromVariadic(args[0], flags.merge, () => true, 2);
        const mode = parseReshardMode({ ...flags, ...(merge ? { merge } : {}) });
        const stopRaw = ctx.env.CDCPIPE_TEST_STOP_AFTER_CALLS;
        const { runReshard } = await import('../services/reshard.js');
        const aws = await ctx.aws();
        const result = await runReshard(
          {
            stream,
            mode,
            dryRun: Boolean(flags.dryRun),
            now: new Date(),
            yes: Boolean(flags.yes),
            ...(ctx.out.json ? {} : { planText: (plan) => planText(ctx.out, plan) }),
            ...(stopRaw ? { stopAfterCalls: Number(stopRaw) } : {}),
          },
          { kinesis: () => aws.kinesisApi(), cloudwatch: () => aws.cloudwatchApi() },
          ctx.host,
        );
        renderReshard(ctx.out, result);
      }),
    );
}
