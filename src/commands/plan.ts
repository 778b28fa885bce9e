import type { Command } from 'commander';
import { action, examples } from './action.js';

export function register(program: Command): void {
  program
    .command('plan')
    .description('size a stream (shards, capacity mode) for a load and name the binding limit; no AWS calls')
    .requiredOption('--rps <n>', 'records per second')
    .requiredOption('--kb <n>', 'KiB per record')
    .addHelpText('after', examples('cdcpipe plan --rps 100 --kb 4'))
    .action(
      action(async (ctx, _args, opts) => {
        ctx.out.result(JSON.stringify(opts));
      }),
    );
}
