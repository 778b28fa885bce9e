/** `cdcpipe plan`: shards and capacity mode for a load, naming the binding limit. No AWS calls. */
import type { Command } from 'commander';
import { action, examples } from './action.js';
import { addLoadOptions, parseLoadFlags, type LoadFlags } from './capacity-options.js';
import { planCapacity, planMonthlyCost } from '../core/capacity.js';
import { DEFAULT_PRICE_REGION, loadBundledPriceTable, resolvePriceRegion, unknownPriceTable } from '../prices/price-table.js';
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
        // The Kinesis cost lines use the region's bundled prices; `cost` prices the whole pipeline. Sizing
        // needs no price: a region without a bundled table is sized anyway and its cost left out.
        const { region, warning } = resolvePriceRegion(ctx.global.region, ctx.env, { otherSource: true });
        if (warning) ctx.host.warn(warning);
        const bundled = loadBundledPriceTable(region);
        const table = bundled ?? unknownPriceTable(loadBundledPriceTable(DEFAULT_PRICE_REGION)!, region);
        // The capacity-mode comparison is a ratio of prices: without the region's, us-east-1's decide it.
        const plan = planCapacity(input, (bundled ?? loadBundledPriceTable(DEFAULT_PRICE_REGION)!).kinesis);
        const cost = planMonthlyCost(plan, table);
        if (!bundled) plan.mode.reason += ` (at ${DEFAULT_PRICE_REGION} prices: none are bundled for ${region})`;
        if (!bundled) cost.missing = [`no bundled price table for ${region}: the monthly cost is left out (\`cdcpipe cost --region ${region} --live\` prices it); the capacity mode is chosen on ${DEFAULT_PRICE_REGION} prices`];
        printPlan(ctx.out, { plan, cost, table, region });
      }),
    );
}
