/**
 * Cost model (pure): a load and a price table → monthly cost, line by line, per capacity mode.
 * Prices come from data/prices/<region>.json (loaded outside src/core) or the AWS Price List API.
 * A month is 730 hours; "GB" and "KB" in AWS pricing are binary (1 GB = 2^30 bytes, 1 KB = 1,024 bytes),
 * which is what reproduces the worked examples on the pricing pages (Amazon Kinesis Data Streams pricing,
 * Amazon Data Firehose pricing).
 */
import {
  FIREHOSE_RECORD_ROUNDING_BYTES,
  ON_DEMAND_INITIAL_WRITE_BYTES_PER_S,
  ON_DEMAND_RECORD_ROUNDING_BYTES,
  PUT_PAYLOAD_UNIT_BYTES,
  RETENTION_DEFAULT_HOURS,
  RETENTION_EXTENDED_MAX_HOURS,
  SHARD_WRITE_BYTES_PER_S,
} from './limits.js';
import { HOURS_PER_MONTH, KIB, MIB } from './units.js';

export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
const GIB = 1024 * MIB;

/** A price in USD, or null when the figure could not be confirmed for the region (the line is then left out, with a warning). */
export type Price = number | null;

export interface KinesisRates {
  provisioned: {
    shardHourUsd: Price;
    /** Per million PUT payload units (each started 25 KB chunk of a record). */
    putPayloadUnitsPerMillionUsd: Price;
    /** Retention beyond 24 h up to 7 days, per shard-hour. */
    extendedRetentionShardHourUsd: Price;
    /** Retention beyond 7 days, per GB-month stored. */
    longTermRetentionGbMonthUsd: Price;
    efoConsumerShardHourUsd: Price;
    efoDataGbUsd: Price;
  };
  onDemand: {
    streamHourUsd: Price;
    /** Per GB written, each record rounded up to 1 KB. */
    dataInGbUsd: Price;
    /** Per GB read by standard (GetRecords) consumers. */
    dataOutGbUsd: Price;
    efoDataOutGbUsd: Price;
    /** Retention beyond 24 h up to 7 days, per GB-month. */
    extendedRetentionGbMonthUsd: Price;
    /** Retention beyond 7 days, per GB-month. */
    longTermRetentionGbMonthUsd: Price;
  };
}

export interface PriceSource {
  title: string;
  url: string;
  /** Which figures this source backs. */
  covers: string;
}

export interface PriceTable {
  region: string;
  currency: 'USD';
  /** ISO date the figures were checked. */
  asOf: string;
  sources: PriceSource[];
  notes?: string[];
  /** Dotted paths (e.g. `kinesis.onDemand.dataInGbUsd`) of figures given without a primary source: cost warns when it uses them. */
  unconfirmed?: string[];
  kinesis: KinesisRates;
  firehose: {
    /** Ingestion, tiered by monthly volume: `upToGb` is the tier's cumulative upper bound, null for the last tier. */
    ingestionTiers: { upToGb: number | null; perGbUsd: Price }[];
    formatConversionPerGbUsd: Price;
  };
  dms: {
    /** Single-AZ on-demand hourly price per replication instance class (`dms.t3.medium`). */
    instanceHourUsd: Record<string, Price>;
    /** Multi-AZ deployments cost this many times the single-AZ price (instance hours and storage). */
    multiAzFactor: number;
    /** gp2 storage beyond what the instance includes. */
    storageGbMonthUsd: Price;
    /** Storage included per instance family letter (t → 50 GB, c and r → 100 GB). */
    includedStorageGb: Record<string, number>;
    /** DMS Serverless, per DCU-hour. */
    serverlessDcuHourUsd: Price;
  };
  cloudwatch: {
    standardAlarmMonthUsd: Price;
    highResolutionAlarmMonthUsd: Price;
    /** Shard-level (enhanced) metrics are billed as custom metrics: per metric-month, first tier. */
    metricMonthUsd: Price;
  };
  s3: {
    standardGbMonthUsd: Price;
    putPer1000Usd: Price;
  };
}

export type CapacityMode = 'provisioned' | 'on-demand';

export interface CostLine {
  component: string;
  item: string;
  quantity: number;
  unit: string;
  unitPriceUsd: number;
  monthlyUsd: number;
  /** The capacity mode this line belongs to; null for lines every mode shares (Firehose, DMS, …). */
  mode: CapacityMode | null;
  /** Dotted path of the price used in the price table, e.g. `kinesis.provisioned.shardHourUsd`. */
  priceKey: string;
}

// ---- the three rounding rules ----

/** Whole bytes of one record: `--kb 0.1` is 102.4 bytes, which is billed as 103. */
export function recordBytesOf(kb: number): number {
  return Math.ceil(kb * KIB - 1e-6);
}
/** Provisioned: one PUT payload unit per started 25 KB chunk of each record. */
export function putPayloadUnitsPerRecord(recordBytes: number): number {
  return Math.max(1, Math.ceil(recordBytes / PUT_PAYLOAD_UNIT_BYTES));
}
/** On-demand: each record is billed rounded up to the next 1 KB. */
export function onDemandBilledBytes(recordBytes: number): number {
  return Math.max(1, Math.ceil(recordBytes / ON_DEMAND_RECORD_ROUNDING_BYTES)) * ON_DEMAND_RECORD_ROUNDING_BYTES;
}
/** Firehose: each record is billed rounded up to the next 5 KB. */
export function firehoseBilledBytes(recordBytes: number): number {
  return Math.max(1, Math.ceil(recordBytes / FIREHOSE_RECORD_ROUNDING_BYTES)) * FIREHOSE_RECORD_ROUNDING_BYTES;
}

/** Collects cost lines; a null price leaves its line out and records the missing figure instead. */
export class Lines {
  readonly lines: CostLine[] = [];
  readonly missing: string[] = [];

  constructor(
    private readonly component: string,
    readonly mode: CapacityMode | null,
  ) {}

  add(item: string, quantity: number, unit: string, unitPriceUsd: Price, priceName: string): void {
    if (quantity <= 0) return;
    if (unitPriceUsd === null) {
      this.missing.push(`${this.component}: ${item} (${priceName})`);
      return;
    }
    this.lines.push({ component: this.component, item, quantity, unit, unitPriceUsd, monthlyUsd: quantity * unitPriceUsd, mode: this.mode, priceKey: priceName });
  }
}

function sum(lines: CostLine[]): number {
  return lines.reduce((acc, l) => acc + l.monthlyUsd, 0);
}

/** A dollar figure rounded to whole cents, as `plan` and `cost` report them. */
export function roundCents(usd: number): number {
  return Math.round(usd * 100) / 100;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

// ---- Kinesis ----

export interface KinesisLoad {
  rps: number;
  kb: number;
  consumers: number;
  efoConsumers: number;
  retentionHours: number;
}

export const KINESIS_PROVISIONED = 'Kinesis Data Streams (provisioned)';
export const KINESIS_ON_DEMAND = 'Kinesis Data Streams (on-demand)';

/** GB held at any moment for the part of the retention window between `fromHours` and `toHours` (a steady load). */
function storedGb(rps: number, bytesPerRecord: number, fromHours: number, toHours: number): number {
  return (rps * bytesPerRecord * (toHours - fromHours) * 3600) / GIB;
}

export function kinesisProvisionedLines(rates: KinesisRates, load: KinesisLoad & { shards: number }): Lines {
  const p = rates.provisioned;
  const out = new Lines(KINESIS_PROVISIONED, 'provisioned');
  const recordBytes = recordBytesOf(load.kb);
  const unitsPerRecord = putPayloadUnitsPerRecord(recordBytes);
  const recordsPerMonth = load.rps * SECONDS_PER_MONTH;
  const shardHours = load.shards * HOURS_PER_MONTH;
  out.add(`shard-hours (${plural(load.shards, 'shard')})`, shardHours, 'shard-hour', p.shardHourUsd, 'kinesis.provisioned.shardHourUsd');
  out.add(`PUT payload units (${unitsPerRecord} per record)`, (recordsPerMonth * unitsPerRecord) / 1e6, 'million units', p.putPayloadUnitsPerMillionUsd, 'kinesis.provisioned.putPayloadUnitsPerMillionUsd');
  if (load.retentionHours > RETENTION_DEFAULT_HOURS) {
    out.add('extended retention (24 h to 7 d)', shardHours, 'shard-hour', p.extendedRetentionShardHourUsd, 'kinesis.provisioned.extendedRetentionShardHourUsd');
  }
  if (load.retentionHours > RETENTION_EXTENDED_MAX_HOURS) {
    out.add('long-term retention (beyond 7 d)', storedGb(load.rps, recordBytes, RETENTION_EXTENDED_MAX_HOURS, load.retentionHours), 'GB-month', p.longTermRetentionGbMonthUsd, 'kinesis.provisioned.longTermRetentionGbMonthUsd');
  }
  if (load.efoConsumers > 0) {
    const gbPerMonth = (recordsPerMonth * recordBytes) / GIB;
    out.add(`enhanced fan-out (${plural(load.efoConsumers, 'consumer')})`, load.efoConsumers * shardHours, 'consumer-shard-hour', p.efoConsumerShardHourUsd, 'kinesis.provisioned.efoConsumerShardHourUsd');
    out.add('enhanced fan-out data retrieved', gbPerMonth * load.efoConsumers, 'GB', p.efoDataGbUsd, 'kinesis.provisioned.efoDataGbUsd');
  }
  return out;
}

export function kinesisOnDemandLines(rates: KinesisRates, load: KinesisLoad): Lines {
  const o = rates.onDemand;
  const out = new Lines(KINESIS_ON_DEMAND, 'on-demand');
  const billedBytes = onDemandBilledBytes(recordBytesOf(load.kb));
  const billedGbPerMonth = (load.rps * SECONDS_PER_MONTH * billedBytes) / GIB;
  out.add('stream-hours', HOURS_PER_MONTH, 'stream-hour', o.streamHourUsd, 'kinesis.onDemand.streamHourUsd');
  out.add('data in (records rounded up to 1 KB)', billedGbPerMonth, 'GB', o.dataInGbUsd, 'kinesis.onDemand.dataInGbUsd');
  out.add(`data out (${plural(load.consumers, 'standard consumer')})`, billedGbPerMonth * load.consumers, 'GB', o.dataOutGbUsd, 'kinesis.onDemand.dataOutGbUsd');
  out.add(`enhanced fan-out data out (${plural(load.efoConsumers, 'consumer')})`, billedGbPerMonth * load.efoConsumers, 'GB', o.efoDataOutGbUsd, 'kinesis.onDemand.efoDataOutGbUsd');
  if (load.retentionHours > RETENTION_DEFAULT_HOURS) {
    const until = Math.min(load.retentionHours, RETENTION_EXTENDED_MAX_HOURS);
    out.add('extended retention (24 h to 7 d)', storedGb(load.rps, billedBytes, RETENTION_DEFAULT_HOURS, until), 'GB-month', o.extendedRetentionGbMonthUsd, 'kinesis.onDemand.extendedRetentionGbMonthUsd');
  }
  if (load.retentionHours > RETENTION_EXTENDED_MAX_HOURS) {
    out.add('long-term retention (beyond 7 d)', storedGb(load.rps, billedBytes, RETENTION_EXTENDED_MAX_HOURS, load.retentionHours), 'GB-month', o.longTermRetentionGbMonthUsd, 'kinesis.onDemand.longTermRetentionGbMonthUsd');
  }
  return out;
}

export function kinesisProvisionedMonthlyUsd(rates: KinesisRates, load: KinesisLoad & { shards: number }): number {
  return sum(kinesisProvisionedLines(rates, load).lines);
}

export function kinesisOnDemandMonthlyUsd(rates: KinesisRates, load: KinesisLoad): number {
  return sum(kinesisOnDemandLines(rates, load).lines);
}

/** True when every price the two modes' base lines need is known (the mode comparison is meaningful). */
export function hasBaseKinesisRates(rates: KinesisRates): boolean {
  const { provisioned: p, onDemand: o } = rates;
  return [p.shardHourUsd, p.putPayloadUnitsPerMillionUsd, o.streamHourUsd, o.dataInGbUsd, o.dataOutGbUsd].every((v) => v !== null);
}

// ---- the whole pipeline ----

export type DmsOption =
  | { kind: 'instance'; instanceClass: string; multiAz: boolean; storageGb?: number }
  | { kind: 'serverless'; dcu: number; multiAz: boolean };

export interface CostInput extends KinesisLoad {
  modes: CapacityMode[];
  /** Provisioned shard count. */
  shards: number;
  firehose: boolean;
  formatConversion: boolean;
  /** Firehose buffering, to count the S3 objects it writes. */
  firehoseBuffer: { sizeMiB: number; intervalSeconds: number };
  dms?: DmsOption;
  alarms: number;
  /** Shard-level (enhanced monitoring) metrics enabled per shard. */
  shardLevelMetrics: number;
}

export interface CostEstimate {
  lines: CostLine[];
  /** Monthly total per requested mode: that mode's Kinesis lines plus every shared line. */
  totals: { provisioned?: number; onDemand?: number };
  /** Lines a total leaves out for want of a price, per mode; empty when the totals are complete. */
  leftOut: { provisioned: string[]; onDemand: string[] };
  /** The cheaper mode; null when only one is priced, or when a total leaves a line out (the comparison would mislead). */
  cheapest: CapacityMode | null;
  /** Figures the price table lacks (their lines are left out) and other caveats. */
  warnings: string[];
}

export const FIREHOSE = 'Amazon Data Firehose';
export const DMS = 'AWS DMS';
export const CLOUDWATCH = 'Amazon CloudWatch';
export const S3 = 'Amazon S3';

/** New on-demand streams start with 4 MiB/s of write capacity, i.e. 4 shards (Kinesis Data Streams Developer Guide, Quotas and limits). */
const ON_DEMAND_MIN_SHARDS = ON_DEMAND_INITIAL_WRITE_BYTES_PER_S / SHARD_WRITE_BYTES_PER_S;

/** The included gp2 storage of a DMS instance class, by family letter (`dms.t3.medium` → t). */
export function dmsIncludedStorageGb(table: PriceTable, instanceClass: string): number {
  const family = instanceClass.replace(/^dms\./, '').charAt(0);
  return table.dms.includedStorageGb[family] ?? 0;
}

export function estimateCost(input: CostInput, table: PriceTable): CostEstimate {
  const groups: Lines[] = [];
  const warnings: string[] = [];
  if (input.modes.includes('provisioned')) groups.push(kinesisProvisionedLines(table.kinesis, input));
  if (input.modes.includes('on-demand')) groups.push(kinesisOnDemandLines(table.kinesis, input));

  const recordBytes = recordBytesOf(input.kb);
  const recordsPerMonth = input.rps * SECONDS_PER_MONTH;

  if (input.firehose) {
    const fh = new Lines(FIREHOSE, null);
    const billedGb = (recordsPerMonth * firehoseBilledBytes(recordBytes)) / GIB;
    let from = 0;
    table.firehose.ingestionTiers.forEach((tier, i) => {
      const to = tier.upToGb ?? Infinity;
      const gb = Math.max(0, Math.min(billedGb, to) - from);
      const label = tier.upToGb === null ? `beyond ${formatGb(from)}` : from === 0 ? `first ${formatGb(to)}` : `next ${formatGb(to - from)}`;
      fh.add(`ingestion, records rounded up to 5 KB (${label})`, gb, 'GB', tier.perGbUsd, `firehose.ingestionTiers[${i}].perGbUsd`);
      from = to;
    });
    if (input.formatConversion) fh.add('format conversion', billedGb, 'GB', table.firehose.formatConversionPerGbUsd, 'firehose.formatConversionPerGbUsd');
    groups.push(fh);

    const s3 = new Lines(S3, null);
    const deliveredGb = (recordsPerMonth * recordBytes) / GIB;
    const bytesPerSecond = input.rps * recordBytes;
    // Firehose writes an object when the buffer is full or the interval has passed, whichever is first.
    const flushSeconds = Math.max(1, Math.min(input.firehoseBuffer.intervalSeconds || 1, (input.firehoseBuffer.sizeMiB * MIB) / bytesPerSecond));
    s3.add('Standard storage of one month of deliveries', deliveredGb, 'GB-month', table.s3.standardGbMonthUsd, 's3.standardGbMonthUsd');
    s3.add(`PUT requests (one object every ${Math.round(flushSeconds)} s)`, SECONDS_PER_MONTH / flushSeconds / 1000, 'thousand requests', table.s3.putPer1000Usd, 's3.putPer1000Usd');
    groups.push(s3);
    if (input.formatConversion) warnings.push('S3 storage is estimated on the raw record size; columnar formats are usually much smaller');
  }

  if (input.dms) {
    const dms = new Lines(DMS, null);
    const factor = input.dms.multiAz ? table.dms.multiAzFactor : 1;
    const az = input.dms.multiAz ? 'Multi-AZ' : 'single-AZ';
    if (input.dms.kind === 'instance') {
      const cls = input.dms.instanceClass;
      const hourly = table.dms.instanceHourUsd[cls];
      dms.add(`replication instance ${cls} (${az})`, HOURS_PER_MONTH * factor, 'instance-hour', hourly ?? null, `dms.instanceHourUsd["${cls}"]`);
      const extraGb = Math.max(0, (input.dms.storageGb ?? 0) - dmsIncludedStorageGb(table, cls));
      dms.add(`gp2 storage beyond the included ${dmsIncludedStorageGb(table, cls)} GB`, extraGb * factor, 'GB-month', table.dms.storageGbMonthUsd, 'dms.storageGbMonthUsd');
    } else {
      dms.add(`Serverless capacity (${plural(input.dms.dcu, 'DCU')}, ${az})`, input.dms.dcu * HOURS_PER_MONTH * factor, 'DCU-hour', table.dms.serverlessDcuHourUsd, 'dms.serverlessDcuHourUsd');
    }
    groups.push(dms);
  }

  const cw = new Lines(CLOUDWATCH, null);
  cw.add(`standard alarms`, input.alarms, 'alarm-month', table.cloudwatch.standardAlarmMonthUsd, 'cloudwatch.standardAlarmMonthUsd');
  groups.push(cw);
  if (input.shardLevelMetrics > 0) {
    // Shard-level metrics are per shard: the provisioned count, or an on-demand stream's at least 4 shards.
    for (const mode of input.modes) {
      const shards = mode === 'provisioned' ? input.shards : Math.max(ON_DEMAND_MIN_SHARDS, input.shards);
      const g = new Lines(CLOUDWATCH, mode);
      g.add(`shard-level metrics (${input.shardLevelMetrics} × ${plural(shards, 'shard')}, ${mode})`, input.shardLevelMetrics * shards, 'metric-month', table.cloudwatch.metricMonthUsd, 'cloudwatch.metricMonthUsd');
      groups.push(g);
    }
  }

  const lines = groups.flatMap((g) => g.lines);
  for (const g of groups) for (const m of g.missing) warnings.push(`no ${table.region} price for ${m}: line left out (use --live or --prices <file>)`);

  const totalFor = (mode: CapacityMode): number => sum(lines.filter((l) => l.mode === null || l.mode === mode));
  const totals: CostEstimate['totals'] = {};
  if (input.modes.includes('provisioned')) totals.provisioned = totalFor('provisioned');
  if (input.modes.includes('on-demand')) totals.onDemand = totalFor('on-demand');
  const leftOutOf = (mode: CapacityMode) => (input.modes.includes(mode) ? groups.filter((g) => g.mode === null || g.mode === mode).flatMap((g) => g.missing) : []);
  const leftOut = { provisioned: leftOutOf('provisioned'), onDemand: leftOutOf('on-demand') };
  const complete = leftOut.provisioned.length === 0 && leftOut.onDemand.length === 0;
  let cheapest: CapacityMode | null = null;
  if (complete && totals.provisioned !== undefined && totals.onDemand !== undefined) cheapest = totals.provisioned <= totals.onDemand ? 'provisioned' : 'on-demand';
  return { lines, totals, leftOut, cheapest, warnings };
}

/** Dotted paths of the table's unconfirmed figures that a cost estimate actually used. */
export function unconfirmedUsed(table: PriceTable, usedPaths: Iterable<string>): string[] {
  const unconfirmed = new Set(table.unconfirmed ?? []);
  return [...new Set(usedPaths)].filter((p) => unconfirmed.has(p));
}

function formatGb(gb: number): string {
  if (gb >= 1024 * 1024) return `${+(gb / 1024 / 1024).toFixed(2)} PB`;
  if (gb >= 1024) return `${+(gb / 1024).toFixed(2)} TB`;
  return `${gb} GB`;
}

/**
 * us-east-1 Kinesis prices (Amazon Kinesis Data Streams pricing), the default for callers without a price table
 * (the capacity-mode choice in planCapacity). test/unit/pricing.test.ts keeps it equal to data/prices/us-east-1.json.
 */
export const US_EAST_1_KINESIS_RATES: KinesisRates = {
  provisioned: {
    shardHourUsd: 0.015,
    putPayloadUnitsPerMillionUsd: 0.014,
    extendedRetentionShardHourUsd: 0.02,
    longTermRetentionGbMonthUsd: 0.023,
    efoConsumerShardHourUsd: 0.015,
    efoDataGbUsd: 0.013,
  },
  onDemand: {
    streamHourUsd: 0.04,
    dataInGbUsd: 0.08,
    dataOutGbUsd: 0.04,
    efoDataOutGbUsd: 0.05,
    extendedRetentionGbMonthUsd: 0.1,
    longTermRetentionGbMonthUsd: 0.023,
  },
};
