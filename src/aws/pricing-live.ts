/**
 * `cost --live`: the same figures as data/prices/<region>.json, read from the AWS Price List API
 * (AWS Price List API Reference, GetProducts: paginated, filtered by regionCode; each PriceList entry is
 * a JSON document serialised as a string). Usage types carry a region prefix outside us-east-1 (`EU-`,
 * `APN1-`, sometimes `USE1-`), so they are matched on their suffix. Figures the API does not yield keep
 * the bundled value; src/services/cost.ts falls back to the bundled table entirely when the calls fail,
 * since a price lookup is side work that must not fail the estimate.
 */
import { paginateGetProducts, type Filter, type PricingClient } from '@aws-sdk/client-pricing';
import type { PriceTable } from '../core/pricing.js';

interface PriceDimension {
  unit?: string;
  beginRange?: string;
  endRange?: string;
  pricePerUnit?: Record<string, string>;
}

/** The parts of a Price List product document cdcpipe reads. */
interface PriceListItem {
  product?: { productFamily?: string; attributes?: Record<string, string> };
  terms?: { OnDemand?: Record<string, { priceDimensions?: Record<string, PriceDimension> }> };
  publicationDate?: string;
}

interface Query {
  serviceCode: string;
  /** Narrows big services (S3, CloudWatch) to the usage types needed. */
  usageTypeContains?: string;
}

const QUERIES: Query[] = [
  { serviceCode: 'AmazonKinesis' },
  { serviceCode: 'AmazonKinesisFirehose' },
  { serviceCode: 'AWSDatabaseMigrationSvc' },
  { serviceCode: 'AmazonCloudWatch', usageTypeContains: 'MonitorUsage' },
  { serviceCode: 'AmazonS3', usageTypeContains: 'TimedStorage-ByteHrs' },
  { serviceCode: 'AmazonS3', usageTypeContains: 'Requests-Tier1' },
];

/** One figure of the price table: where it lives, which usage-type suffixes carry it, and the unit conversion. */
interface Rule {
  path: string;
  serviceCode: string;
  suffixes: string[];
  /** Multiply the API's per-unit price by this (per unit → per million PUT payload units, per request → per 1,000). */
  scale?: number;
}

const RULES: Rule[] = [
  { path: 'kinesis.provisioned.shardHourUsd', serviceCode: 'AmazonKinesis', suffixes: ['Storage-ShardHour'] },
  { path: 'kinesis.provisioned.putPayloadUnitsPerMillionUsd', serviceCode: 'AmazonKinesis', suffixes: ['PutRequestPayloadUnits'], scale: 1e6 },
  { path: 'kinesis.provisioned.extendedRetentionShardHourUsd', serviceCode: 'AmazonKinesis', suffixes: ['Extended-ShardHour'] },
  { path: 'kinesis.onDemand.streamHourUsd', serviceCode: 'AmazonKinesis', suffixes: ['OnDemand-StreamHour'] },
  { path: 'kinesis.onDemand.dataInGbUsd', serviceCode: 'AmazonKinesis', suffixes: ['OnDemand-BilledIncomingBytes'] },
  { path: 'kinesis.onDemand.dataOutGbUsd', serviceCode: 'AmazonKinesis', suffixes: ['OnDemand-BilledOutgoingBytes'] },
  { path: 'kinesis.onDemand.efoDataOutGbUsd', serviceCode: 'AmazonKinesis', suffixes: ['OnDemand-BilledOutgoingEFOBytes'] },
  { path: 'firehose.formatConversionPerGbUsd', serviceCode: 'AmazonKinesisFirehose', suffixes: ['DataFormatConversion-Bytes', 'FormatConversion-Bytes'] },
  { path: 'cloudwatch.standardAlarmMonthUsd', serviceCode: 'AmazonCloudWatch', suffixes: ['CW:AlarmMonitorUsage'] },
  { path: 'cloudwatch.highResolutionAlarmMonthUsd', serviceCode: 'AmazonCloudWatch', suffixes: ['CW:HighResAlarmMonitorUsage'] },
  { path: 'cloudwatch.metricMonthUsd', serviceCode: 'AmazonCloudWatch', suffixes: ['CW:MetricMonitorUsage'] },
  { path: 's3.standardGbMonthUsd', serviceCode: 'AmazonS3', suffixes: ['TimedStorage-ByteHrs'] },
  { path: 's3.putPer1000Usd', serviceCode: 'AmazonS3', suffixes: ['Requests-Tier1'], scale: 1000 },
];

const FIREHOSE_INGESTION_SUFFIX = 'BilledBytes';
const DMS_INSTANCE = /^(?:[A-Z]+\d*-)?InstanceUsg:(dms\.[a-z0-9]+\.[a-z0-9]+)$/;

/** `usageType` is `suffix`, possibly behind a region prefix such as `EU-` or `APN1-` (never a longer name ending the same way). */
export function usageTypeMatches(usageType: string, suffix: string): boolean {
  if (usageType === suffix) return true;
  const dash = usageType.indexOf('-');
  return dash > 0 && /^[A-Z]+\d*$/.test(usageType.slice(0, dash)) && usageType.slice(dash + 1) === suffix;
}

export interface LivePrices {
  table: PriceTable;
  /** Dotted paths found in the API. */
  matched: string[];
  /** Dotted paths the API did not yield: they keep the base table's value. */
  unmatched: string[];
}

/**
 * Reads the region's prices with GetProducts and overlays them on `base` (the bundled table, or an
 * empty one of the same shape). Throws when the API cannot be reached or yields no figure at all.
 */
export async function fetchLivePriceTable(client: PricingClient, region: string, base: PriceTable, now: Date): Promise<LivePrices> {
  const items = new Map<string, PriceListItem[]>();
  let published = '';
  for (const q of QUERIES) {
    const filters: Filter[] = [{ Type: 'TERM_MATCH', Field: 'regionCode', Value: region }];
    if (q.usageTypeContains) filters.push({ Type: 'CONTAINS', Field: 'usagetype', Value: q.usageTypeContains });
    const list = items.get(q.serviceCode) ?? [];
    for await (const page of paginateGetProducts({ client, pageSize: 100 }, { ServiceCode: q.serviceCode, Filters: filters, FormatVersion: 'aws_v1' })) {
      for (const entry of page.PriceList ?? []) {
        // Each entry is a JSON document serialised as a string (GetProducts API reference).
        const item = JSON.parse(entry) as PriceListItem;
        list.push(item);
        if (item.publicationDate && item.publicationDate > published) published = item.publicationDate;
      }
    }
    items.set(q.serviceCode, list);
  }

  const table = structuredClone(base);
  table.region = region;
  const matched: string[] = [];
  const unmatched: string[] = [];

  for (const rule of RULES) {
    const usd = firstPrice(items.get(rule.serviceCode) ?? [], rule.suffixes);
    if (usd === undefined) {
      unmatched.push(rule.path);
      continue;
    }
    setPath(table, rule.path, usd * (rule.scale ?? 1));
    matched.push(rule.path);
  }

  const tiers = firehoseTiers(items.get('AmazonKinesisFirehose') ?? []);
  if (tiers) {
    table.firehose.ingestionTiers = tiers;
    matched.push('firehose.ingestionTiers');
  } else {
    unmatched.push('firehose.ingestionTiers');
  }

  for (const item of items.get('AWSDatabaseMigrationSvc') ?? []) {
    const m = DMS_INSTANCE.exec(item.product?.attributes?.usagetype ?? '');
    const usd = m ? dimensions(item)[0] : undefined;
    if (m && usd) {
      table.dms.instanceHourUsd[m[1]!] = Number(usd.pricePerUnit?.USD);
      matched.push(`dms.instanceHourUsd["${m[1]}"]`);
    }
  }

  if (matched.length === 0) throw new Error(`the Price List API returned no price cdcpipe uses for ${region}`);

  table.asOf = (published || now.toISOString()).slice(0, 10);
  table.sources = [
    { title: 'AWS Price List API (GetProducts)', url: 'https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_GetProducts.html', covers: matched.join(', ') },
    ...(unmatched.length ? base.sources.map((s) => ({ ...s, covers: `figures not found live: ${s.covers}` })) : []),
  ];
  table.unconfirmed = (base.unconfirmed ?? []).filter((p) => !matched.includes(p));
  return { table, matched, unmatched };
}

function dimensions(item: PriceListItem): PriceDimension[] {
  return Object.values(item.terms?.OnDemand ?? {}).flatMap((term) => Object.values(term.priceDimensions ?? {}));
}

/** The first-tier (beginRange 0) USD price of the first product whose usage type matches one of `suffixes`. */
function firstPrice(items: PriceListItem[], suffixes: string[]): number | undefined {
  for (const suffix of suffixes) {
    for (const item of items) {
      if (!usageTypeMatches(item.product?.attributes?.usagetype ?? '', suffix)) continue;
      const dims = dimensions(item).filter((d) => d.pricePerUnit?.USD !== undefined);
      const first = dims.find((d) => Number(d.beginRange ?? 0) === 0) ?? dims[0];
      const usd = Number(first?.pricePerUnit?.USD);
      if (first && Number.isFinite(usd)) return usd;
    }
  }
  return undefined;
}

/** Firehose ingestion tiers from the BilledBytes product's ranges (GB), in ascending order. */
function firehoseTiers(items: PriceListItem[]): PriceTable['firehose']['ingestionTiers'] | undefined {
  const item = items.find((i) => usageTypeMatches(i.product?.attributes?.usagetype ?? '', FIREHOSE_INGESTION_SUFFIX));
  if (!item) return undefined;
  const dims = dimensions(item)
    .filter((d) => d.pricePerUnit?.USD !== undefined)
    .sort((a, b) => Number(a.beginRange ?? 0) - Number(b.beginRange ?? 0));
  if (dims.length === 0) return undefined;
  return dims.map((d) => ({
    upToGb: d.endRange === undefined || d.endRange === 'Inf' ? null : Number(d.endRange),
    perGbUsd: Number(d.pricePerUnit!.USD),
  }));
}

function setPath(target: object, path: string, value: number): void {
  const keys = path.split('.');
  let node = target as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
  node[keys[keys.length - 1]!] = value;
}
