import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  US_EAST_1_KINESIS_RATES,
  estimateCost,
  firehoseBilledBytes,
  onDemandBilledBytes,
  putPayloadUnitsPerRecord,
  recordBytesOf,
  type CostInput,
  type CostLine,
  type PriceTable,
} from '../../src/core/pricing.js';
import { planCapacity, planMonthlyCost } from '../../src/core/capacity.js';
import { dmsOption, pipelineCost, type PipelineCostInput } from '../../src/core/pipeline-cost.js';
import { bundledRegions, loadBundledPriceTable, loadPriceFile, parsePriceTable, resolvePriceRegion, unknownPriceTable } from '../../src/prices/price-table.js';
import { UsageError } from '../../src/errors.js';
import { testTempDir } from '../helpers/temp-dir.js';

const US = loadBundledPriceTable('us-east-1')!;

const base: CostInput = {
  rps: 100,
  kb: 4,
  consumers: 1,
  efoConsumers: 0,
  retentionHours: 24,
  modes: ['provisioned', 'on-demand'],
  shards: 1,
  firehose: true,
  formatConversion: false,
  firehoseBuffer: { sizeMiB: 118, intervalSeconds: 300 },
  alarms: 0,
  shardLevelMetrics: 0,
};

const total = (lines: CostLine[], pred: (l: CostLine) => boolean): number => lines.filter(pred).reduce((a, l) => a + l.monthlyUsd, 0);
const cents = (n: number): number => Math.round(n * 100) / 100;

describe('the three rounding rules', () => {
  // [behaviour, KiB per record, bytes, PUT payload units, on-demand billed bytes, Firehose billed bytes]
  const cases: [string, number, number, number, number, number][] = [
    ['a 0.1 KiB record is 103 bytes: one unit, 1 KB, 5 KB', 0.1, 103, 1, 1024, 5120],
    ['exactly 1 KiB stays 1 KB on-demand', 1, 1024, 1, 1024, 5120],
    ['1 KiB + 1 byte rounds up to 2 KB on-demand', 1 + 1 / 1024, 1025, 1, 2048, 5120],
    ['4 KiB: 4 KB on-demand, 5 KB Firehose', 4, 4096, 1, 4096, 5120],
    ['exactly 5 KiB stays 5 KB in Firehose', 5, 5120, 1, 5120, 5120],
    ['5 KiB + 1 byte rounds up to 10 KB in Firehose', 5 + 1 / 1024, 5121, 1, 6144, 10240],
    ['exactly 25 KiB is one PUT payload unit', 25, 25600, 1, 25600, 25600],
    ['25 KiB + 1 byte is two PUT payload units', 25 + 1 / 1024, 25601, 2, 26624, 30720],
    ['1 MiB is 41 PUT payload units (40.96 chunks of 25 KiB)', 1024, 1048576, 41, 1048576, 1049600],
  ];
  it.each(cases)('%s', (_name, kb, bytes, units, odBytes, fhBytes) => {
    expect(recordBytesOf(kb)).toBe(bytes);
    expect(putPayloadUnitsPerRecord(bytes)).toBe(units);
    expect(onDemandBilledBytes(bytes)).toBe(odBytes);
    expect(firehoseBilledBytes(bytes)).toBe(fhBytes);
  });
});

describe('golden figures, 100 records/s × 4 KiB in us-east-1 (the worked examples of Amazon Kinesis Data Streams pricing)', () => {
  const est = estimateCost(base, US);
  it('Kinesis provisioned lines sum to $14.63 ± 0.01', () => {
    expect(Math.abs(total(est.lines, (l) => l.component.includes('Kinesis') && l.mode === 'provisioned') - 14.63)).toBeLessThanOrEqual(0.01);
  });
  it('shard-hours $10.95 and PUT payload units $3.68', () => {
    const [shard, put] = est.lines.filter((l) => l.mode === 'provisioned');
    expect(cents(shard!.monthlyUsd)).toBe(10.95);
    expect(put!.quantity).toBeCloseTo(262.8, 6);
    expect(cents(put!.monthlyUsd)).toBe(3.68);
  });
  it('on-demand Standard with one consumer is ≈ $149.50 (± 3 %)', () => {
    const od = total(est.lines, (l) => l.component.includes('Kinesis') && l.mode === 'on-demand');
    expect(Math.abs(od - 149.5) / 149.5).toBeLessThanOrEqual(0.03);
    expect(cents(od)).toBe(149.5);
  });
  it('Firehose ingestion is ≈ $36.34 on ≈ 1,253 GB billed', () => {
    const fh = est.lines.filter((l) => l.component.includes('Firehose'));
    expect(fh).toHaveLength(1);
    expect(fh[0]!.quantity).toBeCloseTo(1253.13, 1);
    expect(cents(fh[0]!.monthlyUsd)).toBe(36.34);
  });
  it('totals one figure per mode and marks provisioned the cheapest', () => {
    expect(Object.keys(est.totals).sort()).toEqual(['onDemand', 'provisioned']);
    expect(est.cheapest).toBe('provisioned');
    expect(est.totals.provisioned).toBeCloseTo(total(est.lines, (l) => l.mode !== 'on-demand'), 9);
  });
});

describe('what each option adds', () => {
  const items = (input: Partial<CostInput>, table: PriceTable = US): string[] => estimateCost({ ...base, ...input }, table).lines.map((l) => `${l.component} | ${l.item}`);
  const cases: [string, Partial<CostInput>, RegExp, boolean][] = [
    ['24 h retention adds no retention line', {}, /retention/, false],
    ['48 h retention adds extended retention to both modes', { retentionHours: 48 }, /extended retention/, true],
    ['200 h retention adds long-term retention', { retentionHours: 200 }, /long-term retention/, true],
    ['an EFO consumer adds consumer-shard-hours', { efoConsumers: 1 }, /enhanced fan-out \(1 consumer\)/, true],
    ['--no-firehose drops Firehose', { firehose: false }, /Firehose/, false],
    ['--no-firehose drops S3 too', { firehose: false }, /Amazon S3/, false],
    ['format conversion adds its line', { formatConversion: true }, /format conversion/, true],
    ['a DMS instance adds instance-hours', { dms: { kind: 'instance', instanceClass: 'dms.t3.medium', multiAz: false } }, /dms\.t3\.medium \(single-AZ\)/, true],
    ['DMS storage within the included 50 GB adds nothing', { dms: { kind: 'instance', instanceClass: 'dms.t3.medium', multiAz: false, storageGb: 50 } }, /gp2 storage/, false],
    ['alarms add a CloudWatch line', { alarms: 3 }, /standard alarms/, true],
    ['shard-level metrics add a line per mode', { shardLevelMetrics: 2 }, /shard-level metrics/, true],
    ['provisioned only leaves on-demand out', { modes: ['provisioned'] }, /on-demand/, false],
  ];
  it.each(cases)('%s', (_name, input, pattern, present) => {
    expect(items(input).some((i) => pattern.test(i))).toBe(present);
  });

  it('Multi-AZ doubles the DMS instance', () => {
    const price = (multiAz: boolean): number => total(estimateCost({ ...base, dms: { kind: 'instance', instanceClass: 'dms.c5.large', multiAz } }, US).lines, (l) => l.component === 'AWS DMS');
    expect(price(false)).toBeCloseTo(730 * 0.154, 9);
    expect(price(true)).toBeCloseTo(2 * 730 * 0.154, 9);
  });

  it('bills DMS storage beyond the 100 GB a C5 includes', () => {
    const line = estimateCost({ ...base, dms: { kind: 'instance', instanceClass: 'dms.c5.large', multiAz: false, storageGb: 150 } }, US).lines.find((l) => l.item.startsWith('gp2'));
    expect(line?.quantity).toBe(50);
    expect(line?.monthlyUsd).toBeCloseTo(50 * 0.115, 9);
  });

  it('on-demand shard-level metrics count at least the 4 shards an on-demand stream starts with', () => {
    const lines = estimateCost({ ...base, shardLevelMetrics: 1 }, US).lines.filter((l) => l.item.startsWith('shard-level'));
    expect(lines.map((l) => [l.mode, l.quantity])).toEqual([['provisioned', 1], ['on-demand', 4]]);
  });

  it('splits Firehose volume over the tiers', () => {
    // 100 TB/month in 5 KB records would need ~2.4 M records/s; use a table with a tiny first tier instead.
    const tiny: PriceTable = { ...US, firehose: { ...US.firehose, ingestionTiers: [{ upToGb: 1000, perGbUsd: 0.029 }, { upToGb: null, perGbUsd: 0.025 }] } };
    const fh = estimateCost(base, tiny).lines.filter((l) => l.component.includes('Firehose'));
    expect(fh.map((l) => Math.round(l.quantity))).toEqual([1000, 253]);
    expect(fh[1]!.item).toContain('beyond');
  });

  it('leaves out a line whose price is unknown and says so', () => {
    const est = estimateCost({ ...base, firehose: true }, loadBundledPriceTable('ap-northeast-1')!);
    expect(est.lines.some((l) => l.component.includes('Firehose'))).toBe(false);
    expect(est.warnings.join('\n')).toMatch(/no ap-northeast-1 price for Amazon Data Firehose: ingestion/);
  });
});

describe('bundled price tables', () => {
  it('ships us-east-1, eu-west-1 and ap-northeast-1', () => {
    expect(bundledRegions()).toEqual(expect.arrayContaining(['us-east-1', 'eu-west-1', 'ap-northeast-1']));
  });
  it.each(bundledRegions())('%s is dated, sourced and well-formed', (region) => {
    const t = loadBundledPriceTable(region)!;
    expect(t.region).toBe(region);
    expect(t.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(t.sources.length).toBeGreaterThan(0);
    expect(Array.isArray(t.unconfirmed ?? [])).toBe(true);
    for (const path of t.unconfirmed ?? []) expect(path).toMatch(/^[a-z0-9]+\.[A-Za-z0-9.[\]"]+$/);
  });
  it('the built-in us-east-1 Kinesis rates equal data/prices/us-east-1.json', () => {
    expect(US.kinesis).toEqual(US_EAST_1_KINESIS_RATES);
  });
});

describe('price table validation', () => {
  const write = (text: string): string => {
    const path = join(testTempDir('prices'), 'p.json');
    writeFileSync(path, text);
    return path;
  };
  const valid = JSON.stringify(US);
  const cases: [string, string, RegExp][] = [
    ['not JSON', '{nope', /--prices .*not valid JSON/],
    ['a string price', valid.replace('"shardHourUsd":0.015', '"shardHourUsd":"0.015"'), /kinesis\.provisioned\.shardHourUsd must be a price/],
    ['a negative price', valid.replace('"standardGbMonthUsd":0.023', '"standardGbMonthUsd":-1'), /s3\.standardGbMonthUsd/],
    ['no currency', valid.replace('"currency":"USD",', ''), /currency must be "USD"/],
    ['a last Firehose tier with a bound', valid.replace('"upToGb":null', '"upToGb":9999999'), /ingestionTiers\[2\]\.upToGb must be null/],
    ['a DMS class without the dms. prefix', valid.replace('"dms.t3.micro"', '"t3.micro"'), /dms\.instanceHourUsd\["t3\.micro"\]/],
  ];
  it.each(cases)('rejects %s, naming the flag and the field', (_name, text, message) => {
    expect(() => loadPriceFile(write(text))).toThrow(UsageError);
    expect(() => loadPriceFile(write(text))).toThrow(message);
  });
  it('rejects a missing file, naming --prices and the path', () => {
    expect(() => loadPriceFile('/nonexistent/prices.json')).toThrow(/--prices: cannot read '\/nonexistent\/prices\.json' \(no such file\)/);
  });
  it('accepts a valid file and keeps null prices', () => {
    const t = parsePriceTable(JSON.stringify(loadBundledPriceTable('ap-northeast-1')), 'test');
    expect(t.firehose.ingestionTiers[0]!.perGbUsd).toBeNull();
  });
  it('an unknown-price table of any region has no price at all', () => {
    const t = unknownPriceTable(US, 'sa-east-1');
    expect(t.region).toBe('sa-east-1');
    expect(t.kinesis.provisioned.shardHourUsd).toBeNull();
    expect(t.firehose.ingestionTiers.map((x) => x.perGbUsd)).toEqual([null, null, null]);
    expect(estimateCost(base, t).lines).toEqual([]);
  });
});

describe('price region', () => {
  const cases: [string, string | undefined, Record<string, string>, { otherSource?: boolean }, string, boolean][] = [
    ['defaults to us-east-1', undefined, {}, {}, 'us-east-1', false],
    ['--region with a bundled table', 'eu-west-1', {}, {}, 'eu-west-1', false],
    ['AWS_REGION with a bundled table', undefined, { AWS_REGION: 'ap-northeast-1' }, {}, 'ap-northeast-1', false],
    ['AWS_REGION without one falls back to us-east-1 with a warning', undefined, { AWS_REGION: 'us-west-2' }, {}, 'us-east-1', true],
    ['--region without one is fine with --live', 'us-west-2', {}, { otherSource: true }, 'us-west-2', false],
  ];
  it.each(cases)('%s', (_name, flag, env, opts, region, warns) => {
    const r = resolvePriceRegion(flag, env, opts);
    expect(r.region).toBe(region);
    expect(Boolean(r.warning)).toBe(warns);
  });
  it('--region without a bundled table is a usage error listing the bundled regions', () => {
    expect(() => resolvePriceRegion('us-west-2', {})).toThrow(/--region: no bundled price table for 'us-west-2'; bundled regions: ap-northeast-1, eu-west-1, us-east-1/);
  });
});

describe("plan's Kinesis monthly cost", () => {
  it('100 records/s × 4 KiB: $14.63 provisioned at 1 shard, $149.50 on-demand, in cents', () => {
    const plan = planCapacity({ rps: 100, kb: 4 }, US.kinesis);
    expect(planMonthlyCost(plan, US)).toEqual({ provisioned: 14.63, onDemand: 149.5, missing: [] });
  });
  it('a table missing a base price gives no total, and names each missing figure', () => {
    const t = unknownPriceTable(US, 'sa-east-1');
    const cost = planMonthlyCost(planCapacity({ rps: 100, kb: 4 }, t.kinesis), t);
    expect(cost.provisioned).toBeNull();
    expect(cost.onDemand).toBeNull();
    expect(cost.missing).toContain('no sa-east-1 price for Kinesis Data Streams (provisioned): shard-hours (1 shard) (kinesis.provisioned.shardHourUsd): left out of the monthly cost');
  });
});

describe('pipeline cost (cost without its price lookup)', () => {
  const request: PipelineCostInput = {
    load: { rps: 100, kb: 4 },
    modes: ['provisioned', 'on-demand'],
    firehose: true,
    formatConversion: false,
    dms: { multiAz: false },
    alarms: 0,
    shardLevelMetrics: 0,
  };
  it("prices the plan's recommended shard count when --shards is absent", () => {
    const r = pipelineCost(request, US);
    expect(r.shards).toBe(1);
    expect(cents(r.estimate.totals.provisioned!)).toBeGreaterThan(14.63);
    expect(r.warnings).toEqual([]);
  });
  it('warns when --shards is below what the load needs', () => {
    const r = pipelineCost({ ...request, load: { rps: 1000, kb: 4 }, shards: 2 }, US);
    expect(r.shards).toBe(2);
    expect(r.warnings).toContain('--shards 2 is below the 4 shards this load needs (write-bytes): the stream would throttle');
  });
  it('lists the unconfirmed figures it used, and warns about them', () => {
    const t = { ...US, unconfirmed: ['kinesis.provisioned.shardHourUsd', 'dms.serverlessDcuHourUsd'] };
    const r = pipelineCost(request, t);
    expect(r.unconfirmed).toEqual(['kinesis.provisioned.shardHourUsd']);
    expect(r.warnings.at(-1)).toBe('us-east-1 figures not confirmed from a primary source were used: kinesis.provisioned.shardHourUsd (check with --live)');
  });
  const dmsCases: [string, PipelineCostInput['dms'], object | undefined][] = [
    ['no DMS flag, no DMS line', { multiAz: false }, undefined],
    ['a class without its dms. prefix, in capitals', { instance: 'T3.Medium', multiAz: true }, { kind: 'instance', instanceClass: 'dms.t3.medium', multiAz: true }],
    ['instance storage', { instance: 'dms.c5.large', storageGb: '150', multiAz: false }, { kind: 'instance', instanceClass: 'dms.c5.large', multiAz: false, storageGb: 150 }],
  ];
  it.each(dmsCases)('DMS: %s', (_name, flags, expected) => {
    expect(dmsOption(flags, US)).toEqual(expected);
  });
  const dmsErrors: [string, PipelineCostInput['dms'], PriceTable, RegExp][] = [
    ['an unknown class names --dms-instance and the known classes', { instance: 'dms.x9.huge', multiAz: false }, US, /^--dms-instance: expected one of dms\.c5\.large, .*\(the classes the us-east-1 price table knows\), got 'dms\.x9\.huge'$/],
    ['negative storage names --dms-storage-gb', { instance: 'dms.t3.medium', storageGb: '-1', multiAz: false }, US, /^--dms-storage-gb:/],
    ['more than 384 DCUs names --dms-serverless-dcu', { serverlessDcu: '385', multiAz: false }, US, /^--dms-serverless-dcu:/],
    [
      'Serverless without a DCU-hour price says to use --live or --prices',
      { serverlessDcu: '4', multiAz: false },
      { ...US, dms: { ...US.dms, serverlessDcuHourUsd: null } },
      /^--dms-serverless-dcu: the us-east-1 price table has no confirmed DMS Serverless DCU-hour price; use --live or --prices <file>$/,
    ],
  ];
  it.each(dmsErrors)('DMS: %s', (_name, flags, table, message) => {
    expect(() => dmsOption(flags, table)).toThrow(UsageError);
    expect(() => dmsOption(flags, table)).toThrow(message);
  });
});
