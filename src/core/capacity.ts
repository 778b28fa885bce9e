/**
 * Capacity calculator (pure): records/s × KiB per record → shards, binding limit, capacity mode,
 * Firehose buffering and warnings. Used by `plan`, `cost`, `provision` and `reshard`.
 *
 * Sizing follows the Kinesis Data Streams Developer Guide: shards = max(write KiB/s ÷ 1024, read KiB/s ÷ 2048,
 * records/s ÷ 1000), with the per-shard limits of src/core/limits.ts (Kinesis Data Streams Developer Guide,
 * Quotas and limits; Kinesis API Reference, PutRecords and GetRecords).
 */
import { UsageError } from '../errors.js';
import {
  EFO_MAX_CONSUMERS,
  FIREHOSE_BUFFER_SIZE_MIB_RANGE,
  ON_DEMAND_INITIAL_WRITE_BYTES_PER_S,
  PUT_PAYLOAD_UNIT_BYTES,
  RECORD_ABSOLUTE_MAX_BYTES,
  RECORD_DEFAULT_MAX_BYTES,
  RETENTION_DEFAULT_HOURS,
  RETENTION_MAX_HOURS,
  SHARD_GETRECORDS_CALLS_PER_S,
  SHARD_READ_BYTES_PER_S,
  SHARD_WRITE_BYTES_PER_S,
  SHARD_WRITE_RECORDS_PER_S,
} from './limits.js';
import { KIB, MIB, formatNumber } from './units.js';
import {
  US_EAST_1_KINESIS_RATES,
  hasBaseKinesisRates,
  kinesisOnDemandLines,
  kinesisOnDemandMonthlyUsd,
  kinesisProvisionedLines,
  kinesisProvisionedMonthlyUsd,
  roundCents,
  type KinesisLoad,
  type KinesisRates,
  type PriceTable,
} from './pricing.js';

export type BindingLimit = 'write-bytes' | 'write-records' | 'read-bytes';

export interface CapacityInput {
  /** Average records per second. */
  rps: number;
  /** KiB (1,024 bytes) per record. */
  kb: number;
  /** Peak multiplier over the average, default 1: provisioned shards are sized for rps × peak. */
  peak?: number;
  /** Standard (polling, GetRecords) consumers, default 1. A Firehose delivery stream reading the stream is one. */
  consumers?: number;
  /** Enhanced fan-out consumers, default 0. */
  efoConsumers?: number;
  /** Target utilization of the binding limit, in (0, 1], default 0.8. */
  utilization?: number;
  /** Retention, default 24 h. */
  retentionHours?: number;
  /** Share (0..1] of the traffic on the hottest partition key. */
  skew?: number;
}

export interface CapacityWarning {
  code: string;
  message: string;
}

export interface CapacityPlan {
  input: Required<Omit<CapacityInput, 'skew'>> & { skew?: number };
  shards: { minimum: number; recommended: number; bindingLimit: BindingLimit };
  /** Ratios (0..1+) of each per-shard limit used at the recommended shard count, at the peak rate. */
  utilization: { writeBytes: number; writeRecords: number; readBytes: number };
  getRecordsCallsPerShard: { budgetPerSecond: number; perConsumerPerSecond: number };
  mode: { recommended: 'provisioned' | 'on-demand'; reason: string };
  firehose: { bufferSizeMiB: number; bufferIntervalSeconds: number };
  warnings: CapacityWarning[];
}

export const CAPACITY_DEFAULTS = {
  peak: 1,
  consumers: 1,
  efoConsumers: 0,
  utilization: 0.8,
  retentionHours: 24,
} as const;

/** A peak of this many times the average counts as spiky: on-demand follows it, provisioned must be resharded ahead of it. */
export const SPIKY_PEAK_FACTOR = 4;

/**
 * Firehose buffering: 1..128 MiB (FIREHOSE_BUFFER_SIZE_MIB_RANGE) and 0..900 s (Amazon Data Firehose API
 * Reference, BufferingHints). cdcpipe suggests the default 300 s interval (fresh enough for CDC) and a size
 * that the average rate fills in about that time.
 */
export const FIREHOSE_SUGGESTED_INTERVAL_S = 300;

/** Ratios such as 1,048,576 ÷ 1,048,576 can come out a hair above 1 in floating point; a limit met exactly is met. */
const EPSILON = 1e-9;

function shardsFor(ratio: number): number {
  return Math.max(1, Math.ceil(ratio - EPSILON));
}

function requireNumber(name: string, flag: string, value: number, ok: (v: number) => boolean, accepts: string): void {
  if (!Number.isFinite(value) || !ok(value)) throw new UsageError(`${flag}: ${name} must be ${accepts}, got ${value}`);
}

/** Validates and fills in defaults. Commands validate their flags first; this guards the other callers. */
export function normalizeCapacityInput(input: CapacityInput): CapacityPlan['input'] {
  const full = {
    rps: input.rps,
    kb: input.kb,
    peak: input.peak ?? CAPACITY_DEFAULTS.peak,
    consumers: input.consumers ?? CAPACITY_DEFAULTS.consumers,
    efoConsumers: input.efoConsumers ?? CAPACITY_DEFAULTS.efoConsumers,
    utilization: input.utilization ?? CAPACITY_DEFAULTS.utilization,
    retentionHours: input.retentionHours ?? CAPACITY_DEFAULTS.retentionHours,
    ...(input.skew !== undefined ? { skew: input.skew } : {}),
  };
  requireNumber('records per second', '--rps', full.rps, (v) => v > 0, 'a number > 0');
  requireNumber('KiB per record', '--kb', full.kb, (v) => v > 0, 'a number > 0');
  if (full.kb * KIB > RECORD_ABSOLUTE_MAX_BYTES) {
    throw new UsageError(
      `--kb: a ${full.kb} KiB record is larger than Kinesis's 10 MiB maximum record size; expected a number > 0 and ≤ ${RECORD_ABSOLUTE_MAX_BYTES / KIB}`,
      'split large rows (or LOB columns) before they reach the stream, e.g. DMS LobMaxSize / limited LOB mode',
    );
  }
  requireNumber('the peak multiplier', '--peak', full.peak, (v) => v >= 1, 'a number ≥ 1');
  requireNumber('standard consumers', '--consumers', full.consumers, (v) => Number.isInteger(v) && v >= 0, 'a whole number ≥ 0');
  requireNumber('enhanced fan-out consumers', '--efo-consumers', full.efoConsumers, (v) => Number.isInteger(v) && v >= 0 && v <= EFO_MAX_CONSUMERS, `a whole number ≥ 0 and ≤ ${EFO_MAX_CONSUMERS}`);
  requireNumber('the target utilization', '--utilization', full.utilization, (v) => v > 0 && v <= 1, 'a number > 0 and ≤ 1');
  requireNumber('retention hours', '--retention-hours', full.retentionHours, (v) => v >= RETENTION_DEFAULT_HOURS && v <= RETENTION_MAX_HOURS, `a number ≥ ${RETENTION_DEFAULT_HOURS} and ≤ ${RETENTION_MAX_HOURS}`);
  if (full.skew !== undefined) requireNumber('the hottest key share', '--skew', full.skew, (v) => v > 0 && v <= 1, 'a number > 0 and ≤ 1');
  return full;
}

/**
 * Sizes a stream for a load. `rates` (Kinesis prices of the chosen region) drive the capacity-mode
 * comparison; without them the us-east-1 prices are used, which is what the ratio mostly depends on.
 */
export function planCapacity(input: CapacityInput, rates: KinesisRates = US_EAST_1_KINESIS_RATES): CapacityPlan {
  const inp = normalizeCapacityInput(input);
  const recordBytes = inp.kb * KIB;
  const peakRps = inp.rps * inp.peak;

  // Demand at the peak rate, against one shard's limits (Kinesis Data Streams Developer Guide, Quotas and limits).
  const writeBytesPerS = peakRps * recordBytes;
  // Every standard consumer reads every byte through the shard's shared 2 MiB/s; EFO consumers
  // each get their own 2 MiB/s per shard, which a shard's 1 MiB/s of writes can never exceed.
  const readBytesPerS = writeBytesPerS * inp.consumers;
  const demand: Record<BindingLimit, number> = {
    'write-bytes': writeBytesPerS / SHARD_WRITE_BYTES_PER_S,
    'write-records': peakRps / SHARD_WRITE_RECORDS_PER_S,
    'read-bytes': readBytesPerS / SHARD_READ_BYTES_PER_S,
  };
  // The binding limit is the one with the largest demand; ties go to the write limits (listed first).
  const order: BindingLimit[] = ['write-bytes', 'write-records', 'read-bytes'];
  let bindingLimit: BindingLimit = 'write-bytes';
  for (const limit of order) if (demand[limit] > demand[bindingLimit] + EPSILON) bindingLimit = limit;

  const minimum = shardsFor(demand[bindingLimit]);
  const recommended = shardsFor(demand[bindingLimit] / inp.utilization);
  const utilization = {
    writeBytes: demand['write-bytes'] / recommended,
    writeRecords: demand['write-records'] / recommended,
    readBytes: demand['read-bytes'] / recommended,
  };

  const getRecordsCallsPerShard = {
    budgetPerSecond: SHARD_GETRECORDS_CALLS_PER_S,
    perConsumerPerSecond: SHARD_GETRECORDS_CALLS_PER_S / Math.max(1, inp.consumers),
  };

  const warnings: CapacityWarning[] = [];
  if (recordBytes > RECORD_DEFAULT_MAX_BYTES) {
    const kib = Math.ceil(inp.kb);
    warnings.push({
      code: 'record-over-1mib',
      message: `a ${inp.kb} KiB record is over Kinesis's default 1 MiB record limit: create the stream with MaxRecordSizeInKiB ≥ ${kib} (1024..10240, CreateStream or UpdateMaxRecordSize)`,
    });
  }
  if (recordBytes > PUT_PAYLOAD_UNIT_BYTES) {
    const units = Math.ceil(recordBytes / PUT_PAYLOAD_UNIT_BYTES - EPSILON);
    warnings.push({
      code: 'record-over-25kib',
      message: `each ${inp.kb} KiB record costs ${units} PUT payload units on a provisioned stream (one per 25 KiB chunk)`,
    });
  }
  if (inp.consumers > 2) {
    warnings.push({
      code: 'many-standard-consumers',
      message: `${inp.consumers} standard consumers share each shard's 5 GetRecords calls/s and 2 MiB/s (${getRecordsCallsPerShard.perConsumerPerSecond.toFixed(2)} calls/s each): use enhanced fan-out (--efo-consumers) for consumers beyond 2`,
    });
  }
  if (inp.skew !== undefined) {
    const keyWriteBytes = writeBytesPerS * inp.skew;
    const keyRecords = peakRps * inp.skew;
    const keyReadBytes = readBytesPerS * inp.skew;
    const over: string[] = [];
    if (keyWriteBytes > SHARD_WRITE_BYTES_PER_S * (1 + EPSILON)) over.push(`${(keyWriteBytes / MIB).toFixed(2)} MiB/s of writes (limit 1 MiB/s)`);
    if (keyRecords > SHARD_WRITE_RECORDS_PER_S * (1 + EPSILON)) over.push(`${Math.round(keyRecords)} records/s (limit 1,000)`);
    if (keyReadBytes > SHARD_READ_BYTES_PER_S * (1 + EPSILON)) over.push(`${(keyReadBytes / MIB).toFixed(2)} MiB/s of shared reads (limit 2 MiB/s)`);
    if (over.length) {
      warnings.push({
        code: 'hot-key',
        message: `the hottest partition key alone carries ${over.join(', ')}: one key always maps to one shard and cannot be split, so no shard count fixes it; spread that key (DMS partition by primary key rather than schema-table)`,
      });
    }
  }
  const mode = chooseMode(inp, recommended, rates);
  if (mode.recommended === 'on-demand' && writeBytesPerS > ON_DEMAND_INITIAL_WRITE_BYTES_PER_S) {
    warnings.push({
      code: 'on-demand-warm-up',
      message: `the peak of ${(writeBytesPerS / MIB).toFixed(2)} MiB/s is above a new on-demand stream's initial 4 MiB/s write capacity: on-demand would throttle until it scales`,
    });
  }

  // Firehose delivers the average rate: size the buffer so it fills in about the interval.
  const avgMiBPerS = (inp.rps * recordBytes) / MIB;
  const [minSize, maxSize] = FIREHOSE_BUFFER_SIZE_MIB_RANGE;
  const firehose = {
    bufferSizeMiB: Math.min(maxSize, Math.max(minSize, Math.ceil(avgMiBPerS * FIREHOSE_SUGGESTED_INTERVAL_S - EPSILON))),
    bufferIntervalSeconds: FIREHOSE_SUGGESTED_INTERVAL_S,
  };

  return {
    input: inp,
    shards: { minimum, recommended, bindingLimit },
    utilization,
    getRecordsCallsPerShard,
    mode,
    firehose,
    warnings,
  };
}

/**
 * Provisioned (sized for the peak) against on-demand Standard (billed on the average traffic), both
 * from the same price table. A spiky load goes to on-demand: provisioned capacity must be resharded
 * ahead of every peak, and UpdateShardCount allows only 10 calls per rolling 24 h.
 */
function chooseMode(inp: CapacityPlan['input'], shards: number, regionRates: KinesisRates): CapacityPlan['mode'] {
  // A table missing a base price cannot compare the modes; the us-east-1 ratio is the best stand-in.
  const rates = hasBaseKinesisRates(regionRates) ? regionRates : US_EAST_1_KINESIS_RATES;
  const load = kinesisLoadOf(inp);
  const provisionedUsd = kinesisProvisionedMonthlyUsd(rates, { ...load, shards });
  const onDemandUsd = kinesisOnDemandMonthlyUsd(rates, load);
  const costs = `${dollars(provisionedUsd)} provisioned (${shards} shard${shards === 1 ? '' : 's'}) vs ${dollars(onDemandUsd)} on-demand a month`;
  if (inp.peak >= SPIKY_PEAK_FACTOR) {
    return {
      recommended: 'on-demand',
      reason: `peaks of ${inp.peak}× the average are spiky: on-demand scales by itself, provisioned needs resharding ahead of each peak (UpdateShardCount ≤ 10 calls per 24 h); ${costs}`,
    };
  }
  if (onDemandUsd < provisionedUsd) return { recommended: 'on-demand', reason: `cheaper: ${costs}` };
  return {
    recommended: 'provisioned',
    reason: `cheaper for a known, steady load: ${costs}; choose on-demand if the load is unknown or spiky`,
  };
}

function dollars(usd: number): string {
  return `$${formatNumber(usd, 2, 2)}`;
}

/** The part of a plan's input the Kinesis price lines read. */
function kinesisLoadOf(inp: CapacityPlan['input']): KinesisLoad {
  return { rps: inp.rps, kb: inp.kb, consumers: inp.consumers, efoConsumers: inp.efoConsumers, retentionHours: inp.retentionHours };
}

/** The peak demand a plan was sized for, in the units `plan` shows. */
export interface PlanDemand {
  peakRps: number;
  writeMiBps: number;
  /** Read by every standard consumer together. */
  readMiBps: number;
}

export function planDemand(plan: CapacityPlan): PlanDemand {
  const peakRps = plan.input.rps * plan.input.peak;
  const writeMiBps = (peakRps * plan.input.kb * KIB) / MIB;
  return { peakRps, writeMiBps, readMiBps: writeMiBps * plan.input.consumers };
}

/** Kinesis-only monthly cost of each mode at the plan's recommended shard count, in cents; null when a base price is unknown. */
export interface PlanMonthlyCost {
  provisioned: number | null;
  onDemand: number | null;
  /** One sentence per price the table lacks: its line is left out of the monthly cost. */
  missing: string[];
}

export function planMonthlyCost(plan: CapacityPlan, table: PriceTable): PlanMonthlyCost {
  const load = kinesisLoadOf(plan.input);
  const prov = kinesisProvisionedLines(table.kinesis, { ...load, shards: plan.shards.recommended });
  const od = kinesisOnDemandLines(table.kinesis, load);
  const total = (g: typeof prov): number => roundCents(g.lines.reduce((a, l) => a + l.monthlyUsd, 0));
  const complete = hasBaseKinesisRates(table.kinesis);
  return {
    provisioned: complete ? total(prov) : null,
    onDemand: complete ? total(od) : null,
    missing: [...prov.missing, ...od.missing].map((m) => `no ${table.region} price for ${m}: left out of the monthly cost`),
  };
}
