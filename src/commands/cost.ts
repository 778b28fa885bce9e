/** `cdcpipe cost`: monthly cost of the whole pipeline, line by line, provisioned vs on-demand. */
import { Option, type Command } from 'commander';
import { action, examples } from './action.js';
import { addLoadOptions, parseLoadFlags, type LoadFlags } from './capacity-options.js';
import { DMS_SERVERLESS_MAX_DCU, SHARD_LEVEL_METRICS_MAX } from '../core/limits.js';
import type { CapacityMode } from '../core/pricing.js';
import { parseEnumFlag, parseNumberFlag } from '../core/units.js';
import { UsageError } from '../errors.js';
import { printCost } from '../render/cost.js';
import { estimatePipelineCost, type CostOptions } from '../services/cost.js';
import type { Context } from '../context.js';

interface CostFlags extends LoadFlags {
  mode: string;
  shards?: string;
  firehose: boolean;
  formatConversion?: boolean;
  dmsInstance?: string;
  dmsServerlessDcu?: string;
  dmsStorageGb?: string;
  multiAz?: boolean;
  alarms: string;
  shardLevelMetrics: string;
  prices?: string;
  live?: boolean;
}

const MODES = ['both', 'provisioned', 'on-demand'] as const;

export function register(program: Command): void {
  addLoadOptions(program.command('cost').description('monthly cost of the pipeline, line by line, provisioned vs on-demand; bundled prices, --live from the AWS Price List API'))
    .option('--mode <mode>', `capacity modes to price: ${MODES.join(' | ')}`, 'both')
    .option('--shards <n>', 'provisioned shard count (default: the plan’s recommended count)')
    .option('--firehose', 'include a Firehose delivery stream to S3 (default)', true)
    .option('--no-firehose', 'leave Firehose and S3 out')
    .option('--format-conversion', 'Firehose converts records to Parquet/ORC')
    .addOption(new Option('--dms-instance <class>', 'DMS replication instance class, e.g. dms.t3.medium').conflicts('dmsServerlessDcu'))
    .option('--dms-serverless-dcu <n>', `DMS Serverless capacity in DCUs, 1..${DMS_SERVERLESS_MAX_DCU} (average over the month)`)
    .option('--dms-storage-gb <n>', 'DMS instance storage in GB (only what exceeds the included storage is billed)')
    .option('--multi-az', 'DMS in a Multi-AZ deployment (doubles its price)')
    .option('--alarms <n>', 'standard CloudWatch alarms', '0')
    .option('--shard-level-metrics <n>', `shard-level metrics enabled per shard, 0..${SHARD_LEVEL_METRICS_MAX}`, '0')
    .option('--prices <file>', 'price table JSON in the format of data/prices/us-east-1.json')
    .option('--live', 'read prices from the AWS Price List API (falls back to the bundled table with a warning)')
    .addHelpText(
      'after',
      examples(
        'cdcpipe cost --rps 100 --kb 4',
        'cdcpipe cost --rps 1000 --kb 4 --mode provisioned --dms-instance dms.c5.large --multi-az --alarms 4 --json',
        'cdcpipe cost --rps 100 --kb 4 --region eu-west-1 --live',
      ),
    )
    .action(
      action<CostFlags>(async (ctx, _args, opts) => {
        const options = costOptions(ctx, opts);
        // The Pricing client (and with it the AWS SDK) is built only if --live asks for it.
        const result = await estimatePipelineCost(options, { pricing: async () => (await ctx.aws()).pricing() }, ctx.host);
        printCost(ctx.out, result);
      }),
    );
}

/** Flags → options; each error names its flag. The DMS flags are checked later, against the price table. */
function costOptions(ctx: Context, opts: CostFlags): CostOptions {
  const load = parseLoadFlags(opts);
  const mode = parseEnumFlag('--mode', opts.mode, MODES);
  const modes: CapacityMode[] = mode === 'both' ? ['provisioned', 'on-demand'] : [mode];
  const shards = opts.shards === undefined ? undefined : parseNumberFlag('--shards', opts.shards, { min: 1, integer: true });
  const alarms = parseNumberFlag('--alarms', opts.alarms, { min: 0, integer: true });
  const shardLevelMetrics = parseNumberFlag('--shard-level-metrics', opts.shardLevelMetrics, { min: 0, max: SHARD_LEVEL_METRICS_MAX, integer: true });
  if (opts.live && opts.prices !== undefined) throw new UsageError('--live: cannot be combined with --prices; choose one price source');
  if (opts.multiAz && !opts.dmsInstance && !opts.dmsServerlessDcu) throw new UsageError('--multi-az: applies to DMS; pass --dms-instance <class> or --dms-serverless-dcu <n> too');
  if (opts.dmsStorageGb !== undefined && !opts.dmsInstance) throw new UsageError('--dms-storage-gb: applies to a DMS instance; pass --dms-instance <class> too');
  if (opts.formatConversion && !opts.firehose) throw new UsageError('--format-conversion: is a Firehose feature; drop --no-firehose or --format-conversion');
  return {
    load,
    modes,
    shards,
    firehose: opts.firehose,
    formatConversion: Boolean(opts.formatConversion),
    dms: { instance: opts.dmsInstance, serverlessDcu: opts.dmsServerlessDcu, storageGb: opts.dmsStorageGb, multiAz: Boolean(opts.multiAz) },
    alarms,
    shardLevelMetrics,
    prices: { file: opts.prices, live: Boolean(opts.live), region: ctx.global.region, env: ctx.env },
  };
}
