/**
 * Cost model (pure): a load and a price table → monthly cost, line by line, per capacity mode.
 * Prices come from data/prices/<region>.json (loaded outside src/core) or the AWS Price List API.
 * A month is 730 hours; "GB" and "KB" in AWS pricing are binary (1 GB = 2^30 bytes, 1 KB = 1,024 bytes),
 * which is what reproduces the worked examples on the pricing pages (FACTS.md "Prices").
 */
import { FIREHOSE_RECORD_ROUNDING_BYTES, ON_DEMAND_RECORD_ROUNDING_BYTES, PUT_PAYLOAD_UNIT_BYTES, RETENTION_DEFAULT_HOURS, RETENTION_EXTENDED_MAX_HOURS } from './limits.js';
import { HOURS_PER_MONTH, KIB, MIB } from './units.js';

export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
const GIB = 1024 * MIB;

export interface KinesisRates {
  provisioned: {
    shardHourUsd: number;
    /** Per million PUT payload units (each started 25 KB chunk of a record). */
    putPayloadUnitsPerMillionUsd: number;
    /** Retention beyond 24 h up to 7 days, per shard-hour. */
    extendedRetentionShardHourUsd: number;
    /** Retention beyond 7 days, per GB-month stored. */
    longTermRetentionGbMonthUsd: number;
    efoConsumerShardHourUsd: number;
    efoDataGbUsd: number;
  };
  onDemand: {
    streamHourUsd: number;
    /** Per GB written, each record rounded up to 1 KB. */
    dataInGbUsd: number;
    /** Per GB read by standard (GetRecords) consumers. */
    dataOutGbUsd: number;
    efoDataOutGbUsd: number;
    /** Retention beyond 24 h up to 7 days, per GB-month. */
    extendedRetentionGbMonthUsd: number;
    /** Retention beyond 7 days, per GB-month. */
    longTermRetentionGbMonthUsd: number;
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
  kinesis: KinesisRates;
  firehose: {
    /** Ingestion, tiered by monthly volume: `upToGb` is the tier's cumulative upper bound, null for the last tier. */
    ingestionTiers: { upToGb: number | null; perGbUsd: number }[];
    formatConversionPerGbUsd: number;
  };
  dms: {
    /** Single-AZ on-demand hourly price per replication instance class (e.g. `dms.t3.medium`). */
    instanceHourUsd: Record<string, number>;
    /** Multi-AZ deployments cost this many times the single-AZ hour. */
    multiAzFactor: number;
    /** gp2 storage beyond what the instance includes. */
    storageGbMonthUsd: number;
    /** Storage included per instance family letter (t → 50 GB, c and r → 100 GB). */
    includedStorageGb: Record<string, number>;
    /** DMS Serverless, per DCU-hour; null when the figure could not be confirmed for this region. */
    serverlessDcuHourUsd: number | null;
  };
  cloudwatch: {
    standardAlarmMonthUsd: number;
    highResolutionAlarmMonthUsd: number;
    /** Shard-level (enhanced) metrics are billed as custom metrics: per metric-month, first tier. */
    metricMonthUsd: number;
  };
  s3: {
    standardGbMonthUsd: number;
    putPer1000Usd: number;
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

function line(component: string, item: string, quantity: number, unit: string, unitPriceUsd: number, mode: CapacityMode | null): CostLine {
  return { component, item, quantity, unit, unitPriceUsd, monthlyUsd: quantity * unitPriceUsd, mode };
}

function sum(lines: CostLine[]): number {
  return lines.reduce((acc, l) => acc + l.monthlyUsd, 0);
}

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

export function kinesisProvisionedLines(rates: KinesisRates, load: KinesisLoad & { shards: number }): CostLine[] {
  const p = rates.provisioned;
  const c = KINESIS_PROVISIONED;
  const m: CapacityMode = 'provisioned';
  const recordBytes = recordBytesOf(load.kb);
  const recordsPerMonth = load.rps * SECONDS_PER_MONTH;
  const gbPerMonth = (recordsPerMonth * recordBytes) / GIB;
  const lines = [
    line(c, 'shard-hours', load.shards * HOURS_PER_MONTH, 'shard-hour', p.shardHourUsd, m),
    line(c, `PUT payload units (${putPayloadUnitsPerRecord(recordBytes)} per record)`, (recordsPerMonth * putPayloadUnitsPerRecord(recordBytes)) / 1e6, 'million units', p.putPayloadUnitsPerMillionUsd, m),
  ];
  if (load.retentionHours > RETENTION_DEFAULT_HOURS) {
    lines.push(line(c, 'extended retention (24 h to 7 d)', load.shards * HOURS_PER_MONTH, 'shard-hour', p.extendedRetentionShardHourUsd, m));
  }
  if (load.retentionHours > RETENTION_EXTENDED_MAX_HOURS) {
    lines.push(line(c, 'long-term retention (beyond 7 d)', storedGb(load, recordBytes, RETENTION_EXTENDED_MAX_HOURS, load.retentionHours), 'GB-month', p.longTermRetentionGbMonthUsd, m));
  }
  if (load.efoConsumers > 0) {
    lines.push(line(c, `enhanced fan-out consumer-shard-hours (${load.efoConsumers} consumer${load.efoConsumers === 1 ? '' : 's'})`, load.efoConsumers * load.shards * HOURS_PER_MONTH, 'consumer-shard-hour', p.efoConsumerShardHourUsd, m));
    lines.push(line(c, 'enhanced fan-out data retrieved', gbPerMonth * load.efoConsumers, 'GB', p.efoDataGbUsd, m));
  }
  return lines;
}

export function kinesisOnDemandLines(rates: KinesisRates, load: KinesisLoad): CostLine[] {
  const o = rates.onDemand;
  const c = KINESIS_ON_DEMAND;
  const m: CapacityMode = 'on-demand';
  const billedBytes = onDemandBilledBytes(recordBytesOf(load.kb));
  const billedGbPerMonth = (load.rps * SECONDS_PER_MONTH * billedBytes) / GIB;
  const lines = [
    line(c, 'stream-hours', HOURS_PER_MONTH, 'stream-hour', o.streamHourUsd, m),
    line(c, 'data in (records rounded up to 1 KB)', billedGbPerMonth, 'GB', o.dataInGbUsd, m),
  ];
  if (load.consumers > 0) {
    lines.push(line(c, `data out, ${load.consumers} standard consumer${load.consumers === 1 ? '' : 's'}`, billedGbPerMonth * load.consumers, 'GB', o.dataOutGbUsd, m));
  }
  if (load.efoConsumers > 0) {
    lines.push(line(c, `enhanced fan-out data out, ${load.efoConsumers} consumer${load.efoConsumers === 1 ? '' : 's'}`, billedGbPerMonth * load.efoConsumers, 'GB', o.efoDataOutGbUsd, m));
  }
  if (load.retentionHours > RETENTION_DEFAULT_HOURS) {
    const until = Math.min(load.retentionHours, RETENTION_EXTENDED_MAX_HOURS);
    lines.push(line(c, 'extended retention (24 h to 7 d)', storedGb(load, billedBytes, RETENTION_DEFAULT_HOURS, until), 'GB-month', o.extendedRetentionGbMonthUsd, m));
  }
  if (load.retentionHours > RETENTION_EXTENDED_MAX_HOURS) {
    lines.push(line(c, 'long-term retention (beyond 7 d)', storedGb(load, billedBytes, RETENTION_EXTENDED_MAX_HOURS, load.retentionHours), 'GB-month', o.longTermRetentionGbMonthUsd, m));
  }
  return lines;
}

/** GB held at any moment for the part of the retention window between `fromHours` and `toHours` (a steady load). */
function storedGb(load: KinesisLoad, bytesPerRecord: number, fromHours: number, toHours: number): number {
  return (load.rps * bytesPerRecord * (toHours - fromHours) * 3600) / GIB;
}

export function kinesisProvisionedMonthlyUsd(rates: KinesisRates, load: KinesisLoad & { shards: number }): number {
  return sum(kinesisProvisionedLines(rates, load));
}

export function kinesisOnDemandMonthlyUsd(rates: KinesisRates, load: KinesisLoad): number {
  return sum(kinesisOnDemandLines(rates, load));
}

/**
 * us-east-1 Kinesis prices (FACTS.md), the default for callers without a price table (the capacity-mode
 * choice in planCapacity). test/unit/pricing.test.ts keeps it equal to data/prices/us-east-1.json.
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
