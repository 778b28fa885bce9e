/**
 * `cost`: find the price table (a `--prices` file, the Price List API with `--live`, or the bundled table
 * of the region), then price the pipeline from it. A failed live lookup degrades to the bundled table with
 * a warning; only a region without one to fall back to is an error.
 */
import type { PricingClient } from '@aws-sdk/client-pricing';
import { pipelineCost, type PipelineCost, type PipelineCostInput } from '../core/pipeline-cost.js';
import type { PriceTable } from '../core/pricing.js';
import { AwsCallError } from '../errors.js';
import { loadBundledPriceTable, loadPriceFile, resolvePriceRegion, unknownPriceTable } from '../prices/price-table.js';
import type { Host } from './host.js';

export interface PriceSourceOptions {
  /** `--prices <file>`. */
  file?: string;
  /** `--live`: read the Price List API. */
  live: boolean;
  /** `--region`, when given. */
  region?: string;
  /** For AWS_REGION / AWS_DEFAULT_REGION when there is no --region. */
  env: NodeJS.ProcessEnv;
}

export interface CostOptions extends PipelineCostInput {
  prices: PriceSourceOptions;
}

/** Built only for `--live`: asking for it is what loads the AWS SDK. */
export interface CostClients {
  pricing(): Promise<PricingClient>;
}

export interface CostResult extends PipelineCost {
  table: PriceTable;
  /** 'bundled', 'live' or the `--prices` file's path. */
  source: string;
}

export async function estimatePipelineCost(options: CostOptions, clients: CostClients, host: Host): Promise<CostResult> {
  const { table, source } = await priceTable(options.prices, clients, host);
  return { ...pipelineCost(options, table), table, source };
}

async function priceTable(opts: PriceSourceOptions, clients: CostClients, host: Host): Promise<{ table: PriceTable; source: string }> {
  if (opts.file !== undefined) {
    const table = loadPriceFile(opts.file);
    if (opts.region && opts.region !== table.region) host.warn(`--prices ${opts.file} holds ${table.region} prices, not ${opts.region}`);
    return { table, source: opts.file };
  }
  const { region, warning } = resolvePriceRegion(opts.region, opts.env, { otherSource: opts.live });
  if (warning) host.warn(warning);
  const bundled = loadBundledPriceTable(region);
  if (!opts.live) return { table: bundled!, source: 'bundled' };

  // --live: the SDK is loaded only here, so plain `cost` stays fast.
  const { fetchLivePriceTable } = await import('../aws/pricing-live.js');
  const base = bundled ?? unknownPriceTable(loadBundledPriceTable('us-east-1')!, region);
  try {
    const live = await fetchLivePriceTable(await clients.pricing(), region, base, new Date());
    if (live.unmatched.length) host.info(`live prices: ${live.matched.length} figures found; not in the Price List API answer, kept from the ${bundled ? 'bundled table' : 'unknown set'}: ${live.unmatched.join(', ')}`);
    return { table: live.table, source: 'live' };
  } catch (err) {
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    if (!bundled) throw new AwsCallError(`--live: the Price List API failed (${reason}) and there is no bundled ${region} table to fall back to`, 'check credentials (pricing:GetProducts) and the network, or pass --prices <file>');
    host.warn(`--live: the Price List API failed (${reason}); using the bundled ${region} prices of ${bundled.asOf}`);
    return { table: bundled, source: 'bundled' };
  }
}
