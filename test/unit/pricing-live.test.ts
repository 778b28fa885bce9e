/**
 * `cost --live` against a MOCK of the AWS Price List API (aws-sdk-client-mock): there is no local Pricing
 * server. The GetProducts items below have the real shape (PriceList entries are JSON strings; usage types
 * carry region prefixes such as EU-), but their prices are made up so each mapping is visible.
 */
import { GetProductsCommand, PricingClient, type GetProductsCommandInput } from '@aws-sdk/client-pricing';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { fetchLivePriceTable, usageTypeMatches } from '../../src/aws/pricing-live.js';
import { loadBundledPriceTable, unknownPriceTable } from '../../src/prices/price-table.js';
import { estimatePipelineCost, type CostOptions } from '../../src/services/cost.js';
import { SILENT_HOST, type Host } from '../../src/services/host.js';
import { AwsCallError } from '../../src/errors.js';

const client = new PricingClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' } });
const pricing = mockClient(client);
const NOW = new Date('2026-11-27T12:00:00Z');

let sku = 0;
/** One PriceList entry as GetProducts returns it: a JSON document serialised as a string. */
function item(serviceCode: string, usagetype: string, dims: { usd: string; unit: string; begin?: string; end?: string }[], extra: Record<string, string> = {}): string {
  const id = `SKU${++sku}`;
  const priceDimensions = Object.fromEntries(
    dims.map((d, i) => [
      `${id}.JRTCKXETXF.${i}`,
      { unit: d.unit, beginRange: d.begin ?? '0', endRange: d.end ?? 'Inf', description: `${d.usd} per ${d.unit}`, appliesTo: [], rateCode: `${id}.JRTCKXETXF.${i}`, pricePerUnit: { USD: d.usd } },
    ]),
  );
  return JSON.stringify({
    product: { productFamily: 'x', attributes: { regionCode: 'eu-west-1', servicecode: serviceCode, usagetype, location: 'EU (Ireland)', ...extra }, sku: id },
    serviceCode,
    terms: { OnDemand: { [`${id}.JRTCKXETXF`]: { priceDimensions, sku: id, effectiveDate: '2026-11-01T00:00:00Z', offerTermCode: 'JRTCKXETXF', termAttributes: {} } } },
    version: '20261101000000',
    publicationDate: '2026-11-01T10:00:00Z',
  });
}

const KINESIS_PAGE_1 = [
  item('AmazonKinesis', 'EU-Storage-ShardHour', [{ usd: '0.0151000000', unit: 'ShardHour' }]),
  // A longer usage type ending the same way must not be taken for the shard-hour.
  item('AmazonKinesis', 'EU-Extended-ShardHour', [{ usd: '0.0201000000', unit: 'ShardHour' }]),
  item('AmazonKinesis', 'EU-PutRequestPayloadUnits', [{ usd: '0.0000000141', unit: 'PutRequest' }]),
];
const KINESIS_PAGE_2 = [
  item('AmazonKinesis', 'EU-OnDemand-StreamHour', [{ usd: '0.0410000000', unit: 'StreamHr' }]),
  item('AmazonKinesis', 'EU-OnDemand-BilledIncomingBytes', [{ usd: '0.0810000000', unit: 'GB' }]),
  item('AmazonKinesis', 'EU-OnDemand-BilledOutgoingBytes', [{ usd: '0.0410000000', unit: 'GB' }]),
  item('AmazonKinesis', 'EU-Advantage-BilledOutgoingBytes', [{ usd: '0.9990000000', unit: 'GB' }]),
];
const FIREHOSE = [
  item('AmazonKinesisFirehose', 'EU-IcebergTablesBilledBytes', [{ usd: '0.9990000000', unit: 'GB' }]),
  item('AmazonKinesisFirehose', 'EU-BilledBytes', [
    { usd: '0.0250000000', unit: 'GB', begin: '512000', end: '2084864' },
    { usd: '0.0300000000', unit: 'GB', begin: '0', end: '512000' },
    { usd: '0.0210000000', unit: 'GB', begin: '2084864', end: 'Inf' },
  ]),
];
const DMS = [
  item('AWSDatabaseMigrationSvc', 'EU-InstanceUsg:dms.t3.medium', [{ usd: '0.0800000000', unit: 'Hrs' }]),
  item('AWSDatabaseMigrationSvc', 'EU-InstanceUsg:dms.r5.large', [{ usd: '0.2500000000', unit: 'Hrs' }]),
  item('AWSDatabaseMigrationSvc', 'EU-Multi-AZUsg:dms.t3.medium', [{ usd: '0.1600000000', unit: 'Hrs' }]),
];
const CLOUDWATCH = [
  item('AmazonCloudWatch', 'EU-CW:AlarmMonitorUsage', [{ usd: '0.1000000000', unit: 'Alarms' }]),
  item('AmazonCloudWatch', 'EU-CW:MetricMonitorUsage', [
    { usd: '0.3000000000', unit: 'Metrics', begin: '0', end: '10000' },
    { usd: '0.1000000000', unit: 'Metrics', begin: '10000', end: '250000' },
  ]),
];
const S3_STORAGE = [item('AmazonS3', 'EU-TimedStorage-ByteHrs', [{ usd: '0.0230000000', unit: 'GB-Mo', begin: '0', end: '51200' }, { usd: '0.0220000000', unit: 'GB-Mo', begin: '51200', end: 'Inf' }])];
const S3_REQUESTS = [item('AmazonS3', 'EU-Requests-Tier1', [{ usd: '0.0000050000', unit: 'Requests' }])];

function answer(input: GetProductsCommandInput): { PriceList: string[]; NextToken?: string; FormatVersion: string } {
  const contains = input.Filters?.find((f) => f.Type === 'CONTAINS')?.Value;
  switch (input.ServiceCode) {
    case 'AmazonKinesis':
      return input.NextToken === 'page-2' ? { PriceList: KINESIS_PAGE_2, FormatVersion: 'aws_v1' } : { PriceList: KINESIS_PAGE_1, NextToken: 'page-2', FormatVersion: 'aws_v1' };
    case 'AmazonKinesisFirehose':
      return { PriceList: FIREHOSE, FormatVersion: 'aws_v1' };
    case 'AWSDatabaseMigrationSvc':
      return { PriceList: DMS, FormatVersion: 'aws_v1' };
    case 'AmazonCloudWatch':
      return { PriceList: CLOUDWATCH, FormatVersion: 'aws_v1' };
    case 'AmazonS3':
      return { PriceList: contains === 'Requests-Tier1' ? S3_REQUESTS : S3_STORAGE, FormatVersion: 'aws_v1' };
    default:
      return { PriceList: [], FormatVersion: 'aws_v1' };
  }
}

/** Copies of each request as sent: the SDK paginator reuses one input object and sets NextToken on it. */
let sent: GetProductsCommandInput[] = [];

beforeEach(() => {
  sent = [];
  pricing.reset();
  pricing.on(GetProductsCommand).callsFake((input: GetProductsCommandInput) => {
    sent.push(structuredClone(input));
    return answer(input);
  });
});

describe('usage types are matched on their suffix (mock-free)', () => {
  const cases: [string, string, string, boolean][] = [
    ['no prefix (us-east-1)', 'Storage-ShardHour', 'Storage-ShardHour', true],
    ['an EU- prefix', 'EU-Storage-ShardHour', 'Storage-ShardHour', true],
    ['an APN1- prefix', 'APN1-PutRequestPayloadUnits', 'PutRequestPayloadUnits', true],
    ['a USE1- prefix with a colon name', 'USE1-CW:AlarmMonitorUsage', 'CW:AlarmMonitorUsage', true],
    ['a longer name ending the same way', 'EU-Extended-ShardHour', 'Storage-ShardHour', false],
    ['a name that only ends in the suffix', 'EU-IcebergTablesBilledBytes', 'BilledBytes', false],
    ['a high-resolution alarm is not a standard one', 'EU-CW:HighResAlarmMonitorUsage', 'CW:AlarmMonitorUsage', false],
  ];
  it.each(cases)('%s', (_name, usageType, suffix, expected) => {
    expect(usageTypeMatches(usageType, suffix)).toBe(expected);
  });
});

describe('fetchLivePriceTable (mocked Price List API)', () => {
  const bundled = loadBundledPriceTable('eu-west-1')!;

  it('asks GetProducts per service, filtered by regionCode, and follows NextToken', async () => {
    await fetchLivePriceTable(client, 'eu-west-1', bundled, NOW);
    const inputs = sent;
    expect(pricing.commandCalls(GetProductsCommand)).toHaveLength(7);
    expect(inputs.map((i) => [i.ServiceCode, i.NextToken ?? null])).toEqual([
      ['AmazonKinesis', null],
      ['AmazonKinesis', 'page-2'],
      ['AmazonKinesisFirehose', null],
      ['AWSDatabaseMigrationSvc', null],
      ['AmazonCloudWatch', null],
      ['AmazonS3', null],
      ['AmazonS3', null],
    ]);
    for (const i of inputs) {
      expect(i.FormatVersion).toBe('aws_v1');
      expect(i.MaxResults).toBe(100);
      expect(i.Filters?.[0]).toEqual({ Type: 'TERM_MATCH', Field: 'regionCode', Value: 'eu-west-1' });
    }
    expect(inputs.find((i) => i.ServiceCode === 'AmazonCloudWatch')?.Filters?.[1]).toEqual({ Type: 'CONTAINS', Field: 'usagetype', Value: 'MonitorUsage' });
  });

  it('maps each usage type to its figure, converting units', async () => {
    const { table } = await fetchLivePriceTable(client, 'eu-west-1', bundled, NOW);
    expect(table.kinesis.provisioned.shardHourUsd).toBe(0.0151);
    expect(table.kinesis.provisioned.extendedRetentionShardHourUsd).toBe(0.0201);
    expect(table.kinesis.provisioned.putPayloadUnitsPerMillionUsd).toBeCloseTo(0.0141, 12);
    expect(table.kinesis.onDemand).toMatchObject({ streamHourUsd: 0.041, dataInGbUsd: 0.081, dataOutGbUsd: 0.041 });
    expect(table.cloudwatch.metricMonthUsd).toBe(0.3);
    expect(table.s3.standardGbMonthUsd).toBe(0.023);
    expect(table.s3.putPer1000Usd).toBeCloseTo(0.005, 12);
  });

  it('reads Firehose tiers in ascending order, the last one unbounded', async () => {
    const { table } = await fetchLivePriceTable(client, 'eu-west-1', bundled, NOW);
    expect(table.firehose.ingestionTiers).toEqual([
      { upToGb: 512000, perGbUsd: 0.03 },
      { upToGb: 2084864, perGbUsd: 0.025 },
      { upToGb: null, perGbUsd: 0.021 },
    ]);
  });

  it('adds every single-AZ DMS instance class it finds, not the Multi-AZ usage', async () => {
    const { table } = await fetchLivePriceTable(client, 'eu-west-1', bundled, NOW);
    expect(table.dms.instanceHourUsd['dms.t3.medium']).toBe(0.08);
    expect(table.dms.instanceHourUsd['dms.r5.large']).toBe(0.25);
  });

  it('keeps the bundled value of what it did not find, and says which', async () => {
    const { table, unmatched } = await fetchLivePriceTable(client, 'eu-west-1', bundled, NOW);
    expect(unmatched).toContain('kinesis.onDemand.efoDataOutGbUsd');
    expect(table.kinesis.onDemand.efoDataOutGbUsd).toBe(bundled.kinesis.onDemand.efoDataOutGbUsd);
    expect(table.unconfirmed).not.toContain('kinesis.provisioned.shardHourUsd');
    expect(table.unconfirmed).toContain('kinesis.onDemand.efoDataOutGbUsd');
  });

  it('dates the table with the publication date of the prices', async () => {
    const { table } = await fetchLivePriceTable(client, 'eu-west-1', bundled, NOW);
    expect(table.asOf).toBe('2026-11-01');
    expect(table.sources[0]!.title).toContain('Price List API');
  });

  it('fills a region cdcpipe has no table for', async () => {
    const { table } = await fetchLivePriceTable(client, 'eu-west-1', unknownPriceTable(loadBundledPriceTable('us-east-1')!, 'eu-west-1'), NOW);
    expect(table.kinesis.provisioned.shardHourUsd).toBe(0.0151);
    expect(table.kinesis.provisioned.efoConsumerShardHourUsd).toBeNull();
  });

  it('fails when the API answers nothing usable (the command then falls back to the bundled table)', async () => {
    pricing.reset();
    pricing.on(GetProductsCommand).resolves({ PriceList: [], FormatVersion: 'aws_v1' });
    await expect(fetchLivePriceTable(client, 'eu-west-1', bundled, NOW)).rejects.toThrow(/no price cdcpipe uses for eu-west-1/);
  });

  it('fails when GetProducts fails', async () => {
    pricing.reset();
    pricing.on(GetProductsCommand).rejects(Object.assign(new Error('User is not authorized to perform pricing:GetProducts'), { name: 'AccessDeniedException' }));
    await expect(fetchLivePriceTable(client, 'eu-west-1', bundled, NOW)).rejects.toThrow(/not authorized/);
  });
});

describe('the cost service: --live, and its fallback to the bundled table (mocked Price List API)', () => {
  const options = (prices: Partial<CostOptions['prices']>): CostOptions => ({
    load: { rps: 100, kb: 4 },
    modes: ['provisioned'],
    firehose: false,
    formatConversion: false,
    dms: { multiAz: false },
    alarms: 0,
    shardLevelMetrics: 0,
    prices: { live: true, env: {}, ...prices },
  });
  /** A Host that keeps what it was told. */
  const recorder = (): Host & { lines: string[] } => {
    const lines: string[] = [];
    return { ...SILENT_HOST, lines, info: (t) => void lines.push(`info: ${t}`), warn: (t) => void lines.push(`warn: ${t}`) };
  };
  const clients = { pricing: async () => client };

  it('prices from the API answer and says which figures it kept', async () => {
    const host = recorder();
    const r = await estimatePipelineCost(options({ region: 'eu-west-1' }), clients, host);
    expect(r.source).toBe('live');
    expect(r.table.kinesis.provisioned.shardHourUsd).toBe(0.0151);
    expect(host.lines).toHaveLength(1);
    expect(host.lines[0]).toMatch(/^info: live prices: \d+ figures found; not in the Price List API answer, kept from the bundled table: /);
  });

  it('a failed lookup falls back to the bundled table with one warning', async () => {
    pricing.reset();
    pricing.on(GetProductsCommand).rejects(Object.assign(new Error('no route'), { name: 'NetworkingError' }));
    const host = recorder();
    const r = await estimatePipelineCost(options({ region: 'eu-west-1' }), clients, host);
    expect(r.source).toBe('bundled');
    expect(r.table).toEqual(loadBundledPriceTable('eu-west-1'));
    expect(host.lines).toEqual([`warn: --live: the Price List API failed (NetworkingError: no route); using the bundled eu-west-1 prices of ${r.table.asOf}`]);
  });

  it('a client that cannot be built counts as a failed lookup', async () => {
    const host = recorder();
    const r = await estimatePipelineCost(options({ region: 'eu-west-1' }), { pricing: () => Promise.reject(new Error('no credentials')) }, host);
    expect(r.source).toBe('bundled');
    expect(host.lines[0]).toMatch(/^warn: --live: the Price List API failed \(Error: no credentials\)/);
  });

  it('a failed lookup for a region without a bundled table is an error with a hint', async () => {
    pricing.reset();
    pricing.on(GetProductsCommand).rejects(new Error('down'));
    const failing = estimatePipelineCost(options({ region: 'us-west-2' }), clients, SILENT_HOST);
    await expect(failing).rejects.toThrow(AwsCallError);
    await expect(estimatePipelineCost(options({ region: 'us-west-2' }), clients, SILENT_HOST)).rejects.toThrow(/there is no bundled us-west-2 table to fall back to/);
  });

  it('without --live it never asks for the Pricing client', async () => {
    let asked = false;
    const r = await estimatePipelineCost(options({ live: false }), { pricing: async () => ((asked = true), client) }, SILENT_HOST);
    expect(asked).toBe(false);
    expect(r.source).toBe('bundled');
    expect(r.table.region).toBe('us-east-1');
  });
});
