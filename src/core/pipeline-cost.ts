/**
 * `cost`'s estimate (pure): a load and the pipeline's parts, priced from one table. Sizes the stream with
 * planCapacity, prices every part with estimateCost, and says what the figures rest on.
 */
import { UsageError } from '../errors.js';
import { planCapacity, type CapacityInput } from './capacity.js';
import { DMS_SERVERLESS_MAX_DCU } from './limits.js';
import { estimateCost, unconfirmedUsed, type CapacityMode, type CostEstimate, type DmsOption, type PriceTable } from './pricing.js';
import { parseNumberFlag } from './units.js';

/** The DMS flags as given: they are checked against the price table, so only once it is known. */
export interface DmsFlags {
  instance?: string;
  serverlessDcu?: string;
  storageGb?: string;
  multiAz: boolean;
}

export interface PipelineCostInput {
  load: CapacityInput;
  modes: CapacityMode[];
  /** Provisioned shard count; the plan's recommended count when absent. */
  shards?: number;
  firehose: boolean;
  formatConversion: boolean;
  dms: DmsFlags;
  alarms: number;
  shardLevelMetrics: number;
}

export interface PipelineCost {
  shards: number;
  modes: CapacityMode[];
  estimate: CostEstimate;
  /** Dotted paths of figures without a primary source that the estimate used. */
  unconfirmed: string[];
  /** The estimate's warnings, then the ones about the request (too few shards, unconfirmed figures). */
  warnings: string[];
}

export function pipelineCost(input: PipelineCostInput, table: PriceTable): PipelineCost {
  const dms = dmsOption(input.dms, table);
  const plan = planCapacity(input.load, table.kinesis);
  const shards = input.shards ?? plan.shards.recommended;
  const estimate = estimateCost(
    {
      rps: input.load.rps,
      kb: input.load.kb,
      consumers: plan.input.consumers,
      efoConsumers: plan.input.efoConsumers,
      retentionHours: plan.input.retentionHours,
      modes: input.modes,
      shards,
      firehose: input.firehose,
      formatConversion: input.formatConversion,
      firehoseBuffer: { sizeMiB: plan.firehose.bufferSizeMiB, intervalSeconds: plan.firehose.bufferIntervalSeconds },
      ...(dms ? { dms } : {}),
      alarms: input.alarms,
      shardLevelMetrics: input.shardLevelMetrics,
    },
    table,
  );
  const warnings = [...estimate.warnings];
  if (input.shards !== undefined && input.shards < plan.shards.minimum) {
    warnings.push(`--shards ${input.shards} is below the ${plan.shards.minimum} shards this load needs (${plan.shards.bindingLimit}): the stream would throttle`);
  }
  const unconfirmed = unconfirmedUsed(table, estimate.lines.map((l) => l.priceKey));
  if (unconfirmed.length) warnings.push(`${table.region} figures not confirmed from a primary source were used: ${unconfirmed.join(', ')} (check with --live)`);
  return { shards, modes: input.modes, estimate, unconfirmed, warnings };
}

/** The DMS part, checked against the classes and prices the table knows; each error names its flag. */
export function dmsOption(flags: DmsFlags, table: PriceTable): DmsOption | undefined {
  const multiAz = flags.multiAz;
  if (flags.instance !== undefined) {
    const known = Object.keys(table.dms.instanceHourUsd).sort();
    const raw = flags.instance.trim().toLowerCase();
    const instanceClass = raw.startsWith('dms.') ? raw : `dms.${raw}`;
    if (!known.includes(instanceClass)) throw new UsageError(`--dms-instance: expected one of ${known.join(', ')} (the classes the ${table.region} price table knows), got '${flags.instance}'`);
    const option: DmsOption = { kind: 'instance', instanceClass, multiAz };
    if (flags.storageGb !== undefined) option.storageGb = parseNumberFlag('--dms-storage-gb', flags.storageGb, { min: 0 });
    return option;
  }
  if (flags.serverlessDcu !== undefined) {
    const dcu = parseNumberFlag('--dms-serverless-dcu', flags.serverlessDcu, { min: 0, minExclusive: true, max: DMS_SERVERLESS_MAX_DCU });
    if (table.dms.serverlessDcuHourUsd === null) {
      throw new UsageError(`--dms-serverless-dcu: the ${table.region} price table has no confirmed DMS Serverless DCU-hour price; use --live or --prices <file>`);
    }
    return { kind: 'serverless', dcu, multiAz };
  }
  return undefined;
}
