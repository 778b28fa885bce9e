/**
 * Loads the dated price tables of data/prices/<region>.json, or a user's `--prices <file>` in the same
 * format, and checks their shape. The only file I/O of `plan` and `cost`; src/core/pricing.ts stays pure.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import type { PriceTable } from '../core/pricing.js';

/** data/prices, two levels above both src/prices (tests) and dist/prices (the built CLI). */
export const PRICES_DIR = fileURLToPath(new URL('../../data/prices/', import.meta.url));

export function bundledRegions(): string[] {
  return readdirSync(PRICES_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** The bundled table of `region`, or undefined when cdcpipe ships none for it. */
export function loadBundledPriceTable(region: string): PriceTable | undefined {
  if (!bundledRegions().includes(region)) return undefined;
  const path = `${PRICES_DIR}${region}.json`;
  return parsePriceTable(readFileSync(path, 'utf8'), `bundled price table ${path}`);
}

/** `--prices <file>`: a missing, unreadable or malformed file is a usage error naming the flag and the path. */
export function loadPriceFile(path: string, flag = '--prices'): PriceTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${flag}: cannot read '${path}' (${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')}); expected a price table JSON file like data/prices/us-east-1.json`);
  }
  return parsePriceTable(text, `${flag} ${path}`);
}

type Json = Record<string, unknown>;

/** Parses and checks a price table; every problem names the source and the field. */
export function parsePriceTable(text: string, source: string): PriceTable {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${source}: not valid JSON (${(err as Error).message}); expected a price table like data/prices/us-east-1.json`);
  }
  const fail = (field: string, expected: string): never => {
    throw new UsageError(`${source}: ${field} must be ${expected}; see data/prices/us-east-1.json for the format`);
  };
  const obj = (v: unknown, field: string): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : fail(field, 'an object'));
  const price = (parent: Json, key: string, field: string): void => {
    const v = parent[key];
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) fail(`${field}.${key}`, 'a price in USD ≥ 0, or null when unknown');
  };
  const str = (parent: Json, key: string): void => {
    if (typeof parent[key] !== 'string' || parent[key] === '') fail(key, 'a non-empty string');
  };

  const root = obj(doc, '(top level)');
  str(root, 'region');
  str(root, 'asOf');
  if (root.currency !== 'USD') fail('currency', '"USD"');
  if (!Array.isArray(root.sources)) fail('sources', 'an array of {title, url, covers}');
  if (root.unconfirmed !== undefined && !(Array.isArray(root.unconfirmed) && root.unconfirmed.every((s) => typeof s === 'string'))) fail('unconfirmed', 'an array of dotted field paths');

  const kinesis = obj(root.kinesis, 'kinesis');
  const prov = obj(kinesis.provisioned, 'kinesis.provisioned');
  for (const k of ['shardHourUsd', 'putPayloadUnitsPerMillionUsd', 'extendedRetentionShardHourUsd', 'longTermRetentionGbMonthUsd', 'efoConsumerShardHourUsd', 'efoDataGbUsd']) price(prov, k, 'kinesis.provisioned');
  const od = obj(kinesis.onDemand, 'kinesis.onDemand');
  for (const k of ['streamHourUsd', 'dataInGbUsd', 'dataOutGbUsd', 'efoDataOutGbUsd', 'extendedRetentionGbMonthUsd', 'longTermRetentionGbMonthUsd']) price(od, k, 'kinesis.onDemand');

  const firehose = obj(root.firehose, 'firehose');
  const tiers = firehose.ingestionTiers;
  if (!Array.isArray(tiers) || tiers.length === 0) fail('firehose.ingestionTiers', 'a non-empty array of {upToGb, perGbUsd}');
  let previous = 0;
  (tiers as unknown[]).forEach((t, i) => {
    const tier = obj(t, `firehose.ingestionTiers[${i}]`);
    price(tier, 'perGbUsd', `firehose.ingestionTiers[${i}]`);
    const last = i === (tiers as unknown[]).length - 1;
    if (last ? tier.upToGb !== null : typeof tier.upToGb !== 'number' || tier.upToGb <= previous) {
      fail(`firehose.ingestionTiers[${i}].upToGb`, last ? 'null (the last tier has no upper bound)' : `a number of GB above ${previous}`);
    }
    previous = tier.upToGb as number;
  });
  price(firehose, 'formatConversionPerGbUsd', 'firehose');

  const dms = obj(root.dms, 'dms');
  const instances = obj(dms.instanceHourUsd, 'dms.instanceHourUsd');
  for (const k of Object.keys(instances)) {
    if (!/^dms\.[a-z0-9]+\.[a-z0-9]+$/.test(k)) fail(`dms.instanceHourUsd["${k}"]`, 'keyed by a class name such as dms.t3.medium');
    price(instances, k, 'dms.instanceHourUsd');
  }
  if (typeof dms.multiAzFactor !== 'number' || dms.multiAzFactor < 1) fail('dms.multiAzFactor', 'a number ≥ 1');
  price(dms, 'storageGbMonthUsd', 'dms');
  price(dms, 'serverlessDcuHourUsd', 'dms');
  const included = obj(dms.includedStorageGb, 'dms.includedStorageGb');
  for (const [k, v] of Object.entries(included)) if (typeof v !== 'number' || v < 0) fail(`dms.includedStorageGb.${k}`, 'a number of GB ≥ 0');

  const cw = obj(root.cloudwatch, 'cloudwatch');
  for (const k of ['standardAlarmMonthUsd', 'highResolutionAlarmMonthUsd', 'metricMonthUsd']) price(cw, k, 'cloudwatch');
  const s3 = obj(root.s3, 's3');
  for (const k of ['standardGbMonthUsd', 'putPer1000Usd']) price(s3, k, 's3');

  return root as unknown as PriceTable;
}

export const DEFAULT_PRICE_REGION = 'us-east-1';

/**
 * Which region's prices to use. An explicit `--region` must have a bundled table unless the prices come
 * from elsewhere (`--live`, `--prices`); a region from AWS_REGION / AWS_DEFAULT_REGION without one falls
 * back to us-east-1 with a warning, so `plan` keeps working on a machine configured for another region.
 */
export function resolvePriceRegion(
  flagRegion: string | undefined,
  env: NodeJS.ProcessEnv,
  opts: { otherSource?: boolean } = {},
): { region: string; warning?: string } {
  const bundled = bundledRegions();
  if (flagRegion) {
    if (!bundled.includes(flagRegion) && !opts.otherSource) {
      throw new UsageError(`--region: no bundled price table for '${flagRegion}'; bundled regions: ${bundled.join(', ')} (or pass --live or --prices <file> with cost)`);
    }
    return { region: flagRegion };
  }
  const envRegion = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (envRegion && envRegion !== DEFAULT_PRICE_REGION) {
    if (bundled.includes(envRegion) || opts.otherSource) return { region: envRegion };
    return { region: DEFAULT_PRICE_REGION, warning: `no bundled price table for ${envRegion} (from the environment): using ${DEFAULT_PRICE_REGION} prices; bundled regions: ${bundled.join(', ')}` };
  }
  return { region: DEFAULT_PRICE_REGION };
}

/** A table of the same shape as `template` with every price unknown: the base `--live` fills for a region cdcpipe ships no table for. */
export function unknownPriceTable(template: PriceTable, region: string): PriceTable {
  const blank = (v: unknown, key: string): unknown => {
    if (Array.isArray(v)) return v.map((x) => blank(x, ''));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, blank(x, k)]));
    return typeof v === 'number' && (key.endsWith('Usd') || key.startsWith('dms.')) ? null : v;
  };
  return {
    ...template,
    region,
    kinesis: blank(template.kinesis, '') as PriceTable['kinesis'],
    firehose: blank(template.firehose, '') as PriceTable['firehose'],
    dms: { ...template.dms, instanceHourUsd: {}, storageGbMonthUsd: null, serverlessDcuHourUsd: null },
    cloudwatch: blank(template.cloudwatch, '') as PriceTable['cloudwatch'],
    s3: blank(template.s3, '') as PriceTable['s3'],
    sources: [],
    notes: [`no bundled table for ${region}: figures not found live are unknown`],
    unconfirmed: [],
  };
}
