/** `cdcpipe cost`: monthly cost of the whole pipeline, line by line, provisioned vs on-demand. */
import { Option, type Command } from 'commander';
import { action, examples } from './action.js';
import { addLoadOptions, parseLoadFlags, type LoadFlags } from './capacity-options.js';
import { planCapacity } from '../core/capacity.js';
import { estimateCost, type CapacityMode, type CostEstimate, type CostLine, type DmsOption, type PriceTable } from '../core/pricing.js';
import { parseEnumFlag, parseNumberFlag, formatNumber } from '../core/units.js';
import { AwsCallError, UsageError } from '../errors.js';
import { loadBundledPriceTable, loadPriceFile, resolvePriceRegion, unknownPriceTable, unconfirmedUsed } from '../prices/price-table.js';
import type { Context } from '../context.js';
import { renderTable, usd } from '../render/table.js';

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
/** Shard-level metrics Kinesis offers (EnableEnhancedMonitoring): IncomingBytes … WriteProvisionedThroughputExceeded. */
const SHARD_LEVEL_METRICS_MAX = 7;
/** DMS Serverless capacity ranges from 1 to 384 DCUs. */
const DMS_MAX_DCU = 384;

export function register(program: Command): void {
  addLoadOptions(program.command('cost').description('monthly cost of the pipeline, line by line, provisioned vs on-demand; bundled prices, --live from the AWS Price List API'))
    .option('--mode <mode>', `capacity modes to price: ${MODES.join(' | ')}`, 'both')
    .option('--shards <n>', 'provisioned shard count (default: the plan’s recommended count)')
    .option('--firehose', 'include a Firehose delivery stream to S3 (default)', true)
    .option('--no-firehose', 'leave Firehose and S3 out')
    .option('--format-conversion', 'Firehose converts records to Parquet/ORC')
    .addOption(new Option('--dms-instance <class>', 'DMS replication instance class, e.g. dms.t3.medium').conflicts('dmsServerlessDcu'))
    .option('--dms-serverless-dcu <n>', `DMS Serverless capacity in DCUs, 1..${DMS_MAX_DCU} (average over the month)`)
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
    .action(action<CostFlags>(async (ctx, _args, opts) => runCost(ctx, opts)));
}

async function runCost(ctx: Context, opts: CostFlags): Promise<void> {
  const load = parseLoadFlags(opts);
  const mode = parseEnumFlag('--mode', opts.mode, MODES);
  const modes: CapacityMode[] = mode === 'both' ? ['provisioned', 'on-demand'] : [mode];
  const shardsFlag = opts.shards === undefined ? undefined : parseNumberFlag('--shards', opts.shards, { min: 1, integer: true });
  const alarms = parseNumberFlag('--alarms', opts.alarms, { min: 0, integer: true });
  const shardLevelMetrics = parseNumberFlag('--shard-level-metrics', opts.shardLevelMetrics, { min: 0, max: SHARD_LEVEL_METRICS_MAX, integer: true });
  if (opts.live && opts.prices !== undefined) throw new UsageError('--live: cannot be combined with --prices; choose one price source');
  if (opts.multiAz && !opts.dmsInstance && !opts.dmsServerlessDcu) throw new UsageError('--multi-az: applies to DMS; pass --dms-instance <class> or --dms-serverless-dcu <n> too');
  if (opts.dmsStorageGb !== undefined && !opts.dmsInstance) throw new UsageError('--dms-storage-gb: applies to a DMS instance; pass --dms-instance <class> too');
  if (opts.formatConversion && !opts.firehose) throw new UsageError('--format-conversion: is a Firehose feature; drop --no-firehose or --format-conversion');

  const { table, source } = await priceTable(ctx, opts);
  const dms = dmsOption(opts, table);

  const plan = planCapacity(load, table.kinesis);
  const shards = shardsFlag ?? plan.shards.recommended;
  const estimate = estimateCost(
    {
      rps: load.rps,
      kb: load.kb,
      consumers: plan.input.consumers,
      efoConsumers: plan.input.efoConsumers,
      retentionHours: plan.input.retentionHours,
      modes,
      shards,
      firehose: opts.firehose,
      formatConversion: Boolean(opts.formatConversion),
      firehoseBuffer: { sizeMiB: plan.firehose.bufferSizeMiB, intervalSeconds: plan.firehose.bufferIntervalSeconds },
      ...(dms ? { dms } : {}),
      alarms,
      shardLevelMetrics,
    },
    table,
  );
  const warnings = [...estimate.warnings];
  if (shardsFlag !== undefined && shardsFlag < plan.shards.minimum) {
    warnings.push(`--shards ${shardsFlag} is below the ${plan.shards.minimum} shards this load needs (${plan.shards.bindingLimit}): the stream would throttle`);
  }
  const unconfirmed = unconfirmedUsed(table, estimate.lines.map((l) => l.priceKey));
  if (unconfirmed.length) warnings.push(`${table.region} figures not confirmed from a primary source were used: ${unconfirmed.join(', ')} (check with --live)`);

  if (ctx.out.json) {
    ctx.out.document({
      region: table.region,
      pricesAsOf: table.asOf,
      priceSource: source,
      shards,
      modes,
      lines: estimate.lines.map(jsonLine),
      totals: roundTotals(estimate.totals),
      cheapest: estimate.cheapest,
      unconfirmedPrices: unconfirmed,
      warnings,
    });
    return;
  }
  for (const w of warnings) ctx.out.warn(w);
  ctx.out.result(renderCost(estimate, table, source, shards, ctx.out.color.bold));
}

/** The price table: a `--prices` file, the Price List API (`--live`), or the bundled table of the region. */
async function priceTable(ctx: Context, opts: CostFlags): Promise<{ table: PriceTable; source: string }> {
  if (opts.prices !== undefined) {
    const table = loadPriceFile(opts.prices);
    if (ctx.global.region && ctx.global.region !== table.region) ctx.out.warn(`--prices ${opts.prices} holds ${table.region} prices, not ${ctx.global.region}`);
    return { table, source: opts.prices };
  }
  const { region, warning } = resolvePriceRegion(ctx.global.region, ctx.env, { otherSource: Boolean(opts.live) });
  if (warning) ctx.out.warn(warning);
  const bundled = loadBundledPriceTable(region);
  if (!opts.live) return { table: bundled!, source: 'bundled' };

  // --live: the SDK is loaded only here, so plain `cost` stays fast.
  const { fetchLivePriceTable } = await import('../aws/pricing-live.js');
  const base = bundled ?? unknownPriceTable(loadBundledPriceTable('us-east-1')!, region);
  try {
    const client = await (await ctx.aws()).pricing();
    const live = await fetchLivePriceTable(client, region, base, new Date());
    if (live.unmatched.length) ctx.out.info(`live prices: ${live.matched.length} figures found; not in the Price List API answer, kept from the ${bundled ? 'bundled table' : 'unknown set'}: ${live.unmatched.join(', ')}`);
    return { table: live.table, source: 'live' };
  } catch (err) {
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    if (!bundled) throw new AwsCallError(`--live: the Price List API failed (${reason}) and there is no bundled ${region} table to fall back to`, 'check credentials (pricing:GetProducts) and the network, or pass --prices <file>');
    ctx.out.warn(`--live: the Price List API failed (${reason}); using the bundled ${region} prices of ${bundled.asOf}`);
    return { table: bundled, source: 'bundled' };
  }
}

function dmsOption(opts: CostFlags, table: PriceTable): DmsOption | undefined {
  const multiAz = Boolean(opts.multiAz);
  if (opts.dmsInstance !== undefined) {
    const known = Object.keys(table.dms.instanceHourUsd).sort();
    const raw = opts.dmsInstance.trim().toLowerCase();
    const instanceClass = raw.startsWith('dms.') ? raw : `dms.${raw}`;
    if (!known.includes(instanceClass)) throw new UsageError(`--dms-instance: expected one of ${known.join(', ')} (the classes the ${table.region} price table knows), got '${opts.dmsInstance}'`);
    const option: DmsOption = { kind: 'instance', instanceClass, multiAz };
    if (opts.dmsStorageGb !== undefined) option.storageGb = parseNumberFlag('--dms-storage-gb', opts.dmsStorageGb, { min: 0 });
    return option;
  }
  if (opts.dmsServerlessDcu !== undefined) {
    const dcu = parseNumberFlag('--dms-serverless-dcu', opts.dmsServerlessDcu, { min: 0, minExclusive: true, max: DMS_MAX_DCU });
    if (table.dms.serverlessDcuHourUsd === null) {
      throw new UsageError(`--dms-serverless-dcu: the ${table.region} price table has no confirmed DMS Serverless DCU-hour price; use --live or --prices <file>`);
    }
    return { kind: 'serverless', dcu, multiAz };
  }
  return undefined;
}

const cents = (n: number): number => Math.round(n * 100) / 100;

function jsonLine(l: CostLine): object {
  return { ...l, quantity: Math.round(l.quantity * 1e4) / 1e4, monthlyUsd: cents(l.monthlyUsd) };
}

function roundTotals(t: CostEstimate['totals']): object {
  return { ...(t.provisioned !== undefined ? { provisioned: cents(t.provisioned) } : {}), ...(t.onDemand !== undefined ? { onDemand: cents(t.onDemand) } : {}) };
}

function renderCost(est: CostEstimate, table: PriceTable, source: string, shards: number, bold: (s: string) => string): string {
  const qty = (n: number): string => formatNumber(n, n < 10 ? 3 : 1);
  const unitPrice = (n: number): string => `$${formatNumber(n, 6)}`;
  const order = (l: CostLine): number => (l.mode === 'provisioned' ? 0 : l.mode === 'on-demand' ? 1 : 2);
  const rows = [...est.lines]
    .sort((a, b) => order(a) - order(b))
    .map((l) => [l.component, l.item, `${qty(l.quantity)} ${l.unit}`, unitPrice(l.unitPriceUsd), usd(l.monthlyUsd)]);
  const total = (mode: CapacityMode, value: number | undefined): string[] | undefined => {
    if (value === undefined) return undefined;
    const cheapest = est.cheapest === mode;
    const label = `total, ${mode}${cheapest ? ' ← cheapest' : ''}`;
    return ['', cheapest ? bold(label) : label, '', '', cheapest ? bold(usd(value)) : usd(value)];
  };
  for (const row of [total('provisioned', est.totals.provisioned), total('on-demand', est.totals.onDemand)]) if (row) rows.push(row);
  const head = ['component', 'item', 'quantity a month', 'unit price', 'a month'];
  const sourceText = source === 'bundled' ? `bundled ${table.region} prices of ${table.asOf}` : source === 'live' ? `AWS Price List API, ${table.region}, ${table.asOf}` : `${source} (${table.region}, ${table.asOf})`;
  return `${renderTable(head, rows, { align: ['left', 'left', 'right', 'right', 'right'] })}\n${shards} provisioned shard${shards === 1 ? '' : 's'}; ${sourceText}; a month is 730 hours; S3 storage grows by its line each month data is kept.`;
}
