/** `cdcpipe ls`: every Kinesis data stream of the account and region, with mode, open shards, status, retention and encryption. */
import type { Command } from 'commander';
import { action, examples } from './action.js';
import { renderLs } from '../render/ls.js';

export function register(program: Command): void {
  program
    .command('ls')
    .description('list the Kinesis data streams of the account and region: mode, open shards, status, retention, encryption')
    .addHelpText('after', examples('cdcpipe ls', 'cdcpipe ls --region eu-west-1 --json', 'cdcpipe ls --local'))
    .action(
      action(async (ctx) => {
        const { listStreamsInfo } = await import('../services/ls.js');
        renderLs(ctx.out, await listStreamsInfo({}, await ctx.aws(), ctx.host));
      }),
    );
}
