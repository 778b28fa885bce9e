/** `cdcpipe plan`: shards and capacity mode for a load, naming the binding limit. No AWS calls. */
import type { Command } from 'commander';
import { action, examples } from './action.js';
import { addLoadOptions, parseLoadFlags, type LoadFlags } from './capacity-options.js';
import { planCapacity, planMonthlyCost } from '../core/capacity.js';
import { loadBundledPriceTable, resolvePriceRegion } from '../prices/price-table.js';
import { printPlan } from '../render/plan.js';

export function register(program: Command): void {
  addLoadOptions(
    program.command('plan').description('size a stream (shards, capacity mode) for a load and name the binding limit; no AWS calls'),
  )
    .addHelpText(
      'after',
      examples(
        'cdcpipe plan --rps 100 --kb 4',
        'cdcpipe plan --rps 1000 --kb 4 --consumers 3 --json',
        'cdcpipe plan --rps 3000 --kb 0.1 --peak 2 --skew 0.3 --region eu-west-1',
      ),
    )
    .action(
      action<LoadFlags>(async (ctx, _args, opts) => {
        const input = parseLoadFlags(opts);
        // The Kinesis cost lines use the region's bundled prices; `cost` prices the whole pipeline.
        const { region, warning } = resolvePriceRegion(ctx.global.region, ctx.env);
        if (warning) ctx.host.warn(warning);
        const table = loadBundledPriceTable(region)!;
        const plan = planCapacity(input, table.kinesis);
        printPlan(ctx.out, { plan, cost: planMonthlyCost(plan, table), table, region });
      }),
    );
}
