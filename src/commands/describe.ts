/** `cdcpipe describe <stream>`: the stream's summary, its shards with parents and key-space share, EFO consumers and tags. */
import type { Command } from 'commander';
import { action, examples } from './action.js';
import { renderDescribe } from '../render/describe.js';

interface DescribeFlags {
  open?: boolean;
  hashKeys?: boolean;
}

export function register(program: Command): void {
  program
    .command('describe')
    .description("one stream in full: summary, every shard (parents, open or closed, share of the key space), EFO consumers and tags")
    .argument('<stream>', 'Kinesis data stream name')
    .option('--open', 'only the open shards (the ones reshard --split and --merge take)')
    .option('--hash-keys', "add each shard's starting and ending hash key to the table (always in --json)")
    .addHelpText(
      'after',
      examples(
        'cdcpipe describe orders-cdc',
        'cdcpipe describe orders-cdc --open --hash-keys',
        "cdcpipe describe orders-cdc --json | jq -r '.shards[] | select(.open) | .shardId'",
      ),
    )
    .action(
      action<DescribeFlags>(async (ctx, args, flags) => {
        const { describeStreamDetails } = await import('../services/describe.js');
        const result = await describeStreamDetails({ stream: args[0]!, openOnly: Boolean(flags.open) }, await ctx.aws(), ctx.host);
        renderDescribe(ctx.out, result, { hashKeys: Boolean(flags.hashKeys) });
      }),
    );
}
