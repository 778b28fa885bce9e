/**
 * `plan` and `cost` through the real built binary (runCli). Neither needs AWS, except `cost --live`, which
 * is run against a small local HTTP server speaking the Price List API's JSON protocol (there is no
 * local Pricing server to use instead), and against a closed port to check the fallback.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/kinesis.js';
import { tempDir } from '../helpers/temp-dir.js';

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[`);

interface JsonLine {
  component: string;
  item: string;
  quantity: number;
  unit: string;
  unitPriceUsd: number;
  monthlyUsd: number;
  mode: string | null;
}
/** The fields of the plan and cost documents these tests read. */
interface Doc {
  schemaVersion: number;
  shards: unknown;
  utilization: { writeBytes: number };
  mode: { recommended: string };
  monthlyCostUsd: Record<string, unknown>;
  warnings: unknown[];
  region: string;
  priceSource: string;
  pricesAsOf: string;
  lines: JsonLine[];
  totals: Record<string, number>;
  cheapest: string | null;
}
const json = (stdout: string): Doc => JSON.parse(stdout) as Doc;
const tmp = tempDir('plan-cost');

describe('plan', () => {
  const cases: [string, string[], number, number, string][] = [
    ['100 records/s × 4 KiB → 1 and 1, write-bytes', ['--rps', '100', '--kb', '4'], 1, 1, 'write-bytes'],
    ['1,000 records/s × 4 KiB → 4 and 5', ['--rps', '1000', '--kb', '4'], 4, 5, 'write-bytes'],
    ['3,000 records/s × 0.1 KiB → 3, write-records', ['--rps', '3000', '--kb', '0.1'], 3, 4, 'write-records'],
  ];
  it.each(cases)('%s', async (_name, args, minimum, recommended, binding) => {
    const r = await runCli(['plan', ...args, '--json']);
    expect(r.code).toBe(0);
    const doc = json(r.stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.shards).toEqual({ minimum, recommended, bindingLimit: binding });
  });

  it('--json carries every CONTRACT.md field', async () => {
    const r = await runCli(['plan', '--rps', '100', '--kb', '4', '--json']);
    const doc = json(r.stdout);
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(['schemaVersion', 'input', 'shards', 'utilization', 'mode', 'monthlyCostUsd', 'warnings']));
    expect(doc.utilization.writeBytes).toBeCloseTo(0.39, 2);
    expect(doc.mode.recommended).toBe('provisioned');
    expect(doc.monthlyCostUsd).toMatchObject({ provisioned: 14.63, onDemand: 149.5, region: 'us-east-1' });
    expect(doc.warnings).toEqual([]);
  });

  it('prices the Kinesis cost with the --region table', async () => {
    const r = await runCli(['plan', '--rps', '100', '--kb', '4', '--json', '--region', 'ap-northeast-1']);
    expect(r.code).toBe(0);
    // 730 × 0.0195 + 262.8 × 0.0215 = 14.235 + 5.6502
    expect(json(r.stdout).monthlyCostUsd).toMatchObject({ provisioned: 19.89, region: 'ap-northeast-1' });
  });

  it('a --region without bundled prices is sized anyway; the cost is left out with a note (exit 0)', async () => {
    const r = await runCli(['plan', '--rps', '1000', '--kb', '4', '--json', '--region', 'eu-central-1']);
    expect(r.code, r.stderr).toBe(0);
    const doc = json(r.stdout);
    expect(doc.shards).toMatchObject({ minimum: 4, recommended: 5, bindingLimit: 'write-bytes' });
    expect(doc.monthlyCostUsd).toEqual({ provisioned: null, onDemand: null, region: 'eu-central-1', pricesAsOf: null });
    const human = await runCli(['plan', '--rps', '1000', '--kb', '4', '--region', 'eu-central-1']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/Kinesis a month +unknown: no eu-central-1 prices are bundled/);
    expect(human.stderr).toMatch(/warning: no bundled price table for eu-central-1: the monthly cost is left out/);
  });

  it('human output: a table and one sentence naming the binding limit, no ANSI with NO_COLOR', async () => {
    const r = await runCli(['plan', '--rps', '100', '--kb', '4'], { env: { NO_COLOR: '1' } });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(ANSI);
    expect(r.stdout).toMatch(/write bandwidth .*39\.1 % ← binding/);
    expect(r.stdout).toContain('Write bandwidth binds: 100 records/s × 4 KiB = 0.39 MiB/s against 1 MiB/s per shard');
  });

  it('warnings go to stderr, the result to stdout', async () => {
    const r = await runCli(['plan', '--rps', '100', '--kb', '4', '--consumers', '3']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: 3 standard consumers .* enhanced fan-out/);
    expect(r.stdout).not.toContain('warning');
  });

  const usage: [string, string[], RegExp][] = [
    ['--rps -1 names --rps', ['--rps', '-1', '--kb', '4'], /--rps/],
    ['--kb 20000 (over 10 MiB)', ['--rps', '100', '--kb', '20000'], /--kb: expected a number > 0 and ≤ 10240/],
    ['a missing --kb names it', ['--rps', '100'], /required option '--kb <n>' not specified/],
    ['an unknown flag', ['--rps', '100', '--kb', '4', '--shards-please'], /unknown option '--shards-please'/],
    ['--utilization 0', ['--rps', '100', '--kb', '4', '--utilization', '0'], /--utilization: expected a number > 0 and ≤ 1/],
    ['--consumers 1.5', ['--rps', '100', '--kb', '4', '--consumers', '1.5'], /--consumers: expected a whole number/],
    ['--efo-consumers 21', ['--rps', '100', '--kb', '4', '--efo-consumers', '21'], /--efo-consumers: .*≤ 20/],
    ['--retention-hours 9000', ['--rps', '100', '--kb', '4', '--retention-hours', '9000'], /--retention-hours: .*≤ 8760/],
    ['--skew 0', ['--rps', '100', '--kb', '4', '--skew', '0'], /--skew/],
    ['--kb 4MB answers with the KiB it would accept', ['--rps', '100', '--kb', '4MB'], /--kb: expected a number of KiB without a unit: 4MB = 4096\nhint: pass --kb 4096/],
  ];
  it.each(usage)('exit 2: %s', async (_name, args, message) => {
    const r = await runCli(['plan', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe('cost', () => {
  it('--json gives the golden us-east-1 figures', async () => {
    const r = await runCli(['cost', '--rps', '100', '--kb', '4', '--json']);
    expect(r.code).toBe(0);
    const doc = json(r.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, region: 'us-east-1', priceSource: 'bundled', pricesAsOf: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    for (const line of doc.lines) expect(Object.keys(line)).toEqual(expect.arrayContaining(['component', 'item', 'quantity', 'unit', 'unitPriceUsd', 'monthlyUsd']));
    const sum = (pred: (l: JsonLine) => boolean): number => doc.lines.filter(pred).reduce((a, l) => a + l.monthlyUsd, 0);
    expect(Math.abs(sum((l) => l.component.includes('Kinesis') && l.mode === 'provisioned') - 14.63)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(sum((l) => l.component.includes('Kinesis') && l.mode === 'on-demand') - 149.5) / 149.5).toBeLessThanOrEqual(0.03);
    expect(sum((l) => l.component.includes('Firehose'))).toBeCloseTo(36.34, 2);
    expect(Object.keys(doc.totals).sort()).toEqual(['onDemand', 'provisioned']);
    expect(doc.cheapest).toBe('provisioned');
  });

  it('a total that leaves out a line (no eu-west-1 Firehose price) says so, in the table and in JSON; no cheapest marker', async () => {
    const doc = json((await runCli(['cost', '--rps', '800', '--kb', '2', '--region', 'eu-west-1', '--json'])).stdout);
    expect(doc.totals).toMatchObject({ complete: false, missing: [expect.stringMatching(/^Amazon Data Firehose: ingestion/)] });
    expect(doc.cheapest).toBeNull();
    const human = await runCli(['cost', '--rps', '800', '--kb', '2', '--region', 'eu-west-1']);
    expect(human.stdout).toMatch(/total, provisioned \(incomplete: 1 line left out\)/);
    expect(human.stdout).toMatch(/^incomplete totals: no eu-west-1 price for Amazon Data Firehose/m);
    expect(human.stdout).not.toContain('← cheapest');
    // A complete estimate keeps its marker and no `complete` field.
    const full = json((await runCli(['cost', '--rps', '800', '--kb', '2', '--json'])).stdout);
    expect(full.totals.complete).toBeUndefined();
    expect(full.cheapest).toBe('provisioned');
  });

  it('--mode provisioned prices one mode only', async () => {
    const doc = json((await runCli(['cost', '--rps', '100', '--kb', '4', '--mode', 'provisioned', '--json'])).stdout);
    expect(Object.keys(doc.totals)).toEqual(['provisioned']);
    expect(doc.lines.some((l) => l.mode === 'on-demand')).toBe(false);
  });

  it('--shards, DMS, alarms and --no-firehose change the lines', async () => {
    const r = await runCli(['cost', '--rps', '100', '--kb', '4', '--shards', '3', '--no-firehose', '--dms-instance', 't3.medium', '--multi-az', '--alarms', '4', '--json']);
    expect(r.code).toBe(0);
    const doc = json(r.stdout);
    expect(doc.shards).toBe(3);
    expect(doc.lines.find((l) => l.item.startsWith('shard-hours'))?.quantity).toBe(3 * 730);
    expect(doc.lines.find((l) => l.component === 'AWS DMS')).toMatchObject({ quantity: 1460, unitPriceUsd: 0.073 });
    expect(doc.lines.find((l) => l.item === 'standard alarms')?.monthlyUsd).toBe(0.4);
    expect(doc.lines.some((l) => /Firehose|S3/.test(l.component))).toBe(false);
  });

  it('human output marks the cheapest mode, without ANSI under NO_COLOR', async () => {
    const r = await runCli(['cost', '--rps', '100', '--kb', '4'], { env: { NO_COLOR: '1' } });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(ANSI);
    expect(r.stdout).toMatch(/total, provisioned ← cheapest .*\$74\.07/);
    expect(r.stdout).toMatch(/total, on-demand .*\$208\.94/);
  });

  it('--prices reads a price table file and reports it as the source', async () => {
    const path = join(tmp, 'cheap.json');
    const table = JSON.parse(JSON.stringify((await import('../../data/prices/us-east-1.json', { with: { type: 'json' } })).default));
    table.kinesis.provisioned.shardHourUsd = 0.01;
    writeFileSync(path, JSON.stringify(table));
    const doc = json((await runCli(['cost', '--rps', '100', '--kb', '4', '--prices', path, '--json'])).stdout);
    expect(doc.priceSource).toBe(path);
    expect(doc.lines[0]).toMatchObject({ item: 'shard-hours (1 shard)', monthlyUsd: 7.3 });
  });

  const usage: [string, string[], RegExp][] = [
    ['--mode weekly', ['--mode', 'weekly'], /--mode: expected both \| provisioned \| on-demand/],
    ['--shards 0', ['--shards', '0'], /--shards: expected a whole number ≥ 1/],
    ['an unknown DMS class', ['--dms-instance', 'dms.m9.huge'], /--dms-instance: expected one of dms\.c5\.large, .*dms\.t3\.micro/],
    ['--dms-instance with --dms-serverless-dcu', ['--dms-instance', 't3.medium', '--dms-serverless-dcu', '2'], /--dms-instance <class>' cannot be used with option '--dms-serverless-dcu/],
    ['--dms-serverless-dcu without a known DCU price', ['--dms-serverless-dcu', '2'], /--dms-serverless-dcu: the us-east-1 price table has no confirmed/],
    ['--multi-az without DMS', ['--multi-az'], /--multi-az: applies to DMS/],
    ['a missing --prices file', ['--prices', '/nonexistent/p.json'], /--prices: cannot read '\/nonexistent\/p\.json'/],
    ['an invalid --prices file', ['--prices', join(tmp, 'bad-prices.json')], /--prices .*not valid JSON/],
    ['--live with --prices', ['--live', '--prices', '/x.json'], /--live: cannot be combined with --prices/],
    ['--region without a bundled table', ['--region', 'sa-east-1'], /--region: no bundled price table for 'sa-east-1'; bundled regions: ap-northeast-1, eu-west-1, us-east-1/],
    ['--alarms -2', ['--alarms', '-2'], /--alarms/],
    ['a missing --rps', ['--rps'], /--rps/],
  ];
  it.each(usage)('exit 2: %s', async (_name, args, message) => {
    writeFileSync(join(tmp, 'bad-prices.json'), '{ not json');
    const r = await runCli(['cost', '--rps', '100', '--kb', '4', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('start-up stays free of the AWS SDK', () => {
  // A module hook that refuses the AWS SDK: an @aws-sdk/ or @smithy/ import, or a bundle chunk holding its
  // code (esbuild marks each bundled file with a `// node_modules/<package>/...` comment, or
  // `// ../../<elsewhere>/node_modules/...` when node_modules is a symlink, as in a git worktree).
  const hooks = join(tmp, 'hooks.mjs');
  const register = join(tmp, 'register.mjs');
  writeFileSync(
    hooks,
    [
      "export async function resolve(s, c, next) { if (/^@(aws-sdk|smithy)\\//.test(s)) throw new Error('AWS SDK loaded: ' + s); return next(s, c); }",
      'export async function load(url, c, next) {',
      '  const r = await next(url, c);',
      "  const m = /^\\/\\/ (?:[^\\n]*\\/)?node_modules\\/(@(?:aws-sdk|smithy)\\/[^/]+)/m.exec(String(r.source ?? ''));",
      "  if (m) throw new Error('AWS SDK loaded: ' + m[1] + ' in ' + url);",
      '  return r;',
      '}',
    ].join('\n') + '\n',
  );
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(new URL(`file://${hooks}`).href)});\n`);
  const env = { NODE_OPTIONS: `--import ${register}` };

  const cases: [string, string[]][] = [
    ['plan', ['plan', '--rps', '100', '--kb', '4']],
    ['cost', ['cost', '--rps', '100', '--kb', '4', '--dms-instance', 't3.small']],
    ['--help', ['--help']],
    ['cost --help', ['cost', '--help']],
  ];
  it.each(cases)('%s runs without it', async (_name, args) => {
    const r = await runCli(args, { env });
    expect(r.stderr).not.toContain('AWS SDK loaded');
    expect(r.code).toBe(0);
  });

  it('the hook does catch a command that loads it (cost --live)', async () => {
    const r = await runCli(['cost', '--rps', '100', '--kb', '4', '--live'], { env });
    expect(r.stderr).toMatch(/AWS SDK loaded: @(aws-sdk|smithy)\//);
  });
});

describe('cost --live', () => {
  let server: Server;
  let endpoint = '';
  const requests: { target: string; body: { ServiceCode?: string; Filters: unknown[] } }[] = [];

  beforeAll(async () => {
    // Speaks the Price List API's JSON 1.1 protocol: X-Amz-Target AWSPriceListService.GetProducts.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const input = JSON.parse(body || '{}') as { ServiceCode?: string; Filters: unknown[] };
        requests.push({ target: String(req.headers['x-amz-target']), body: input });
        const priceList =
          input.ServiceCode === 'AmazonKinesis'
            ? [
                JSON.stringify({
                  product: { productFamily: 'Kinesis Streams', attributes: { usagetype: 'EU-Storage-ShardHour', regionCode: 'eu-west-1' }, sku: 'A' },
                  serviceCode: 'AmazonKinesis',
                  terms: { OnDemand: { 'A.T': { priceDimensions: { 'A.T.D': { unit: 'ShardHour', beginRange: '0', endRange: 'Inf', pricePerUnit: { USD: '0.0170000000' } } } } } },
                  publicationDate: '2026-10-15T00:00:00Z',
                }),
              ]
            : [];
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ FormatVersion: 'aws_v1', PriceList: priceList }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads prices from the Price List API and keeps the bundled rest', async () => {
    const r = await runCli(['cost', '--rps', '100', '--kb', '4', '--region', 'eu-west-1', '--live', '--json'], { env: { AWS_ENDPOINT_URL_PRICING: endpoint } });
    expect(r.code).toBe(0);
    const doc = json(r.stdout);
    expect(doc).toMatchObject({ priceSource: 'live', region: 'eu-west-1', pricesAsOf: '2026-10-15' });
    expect(doc.lines[0]).toMatchObject({ item: 'shard-hours (1 shard)', unitPriceUsd: 0.017 });
    expect(requests[0]!.target).toBe('AWSPriceListService.GetProducts');
    expect(requests[0]!.body.Filters[0]).toEqual({ Type: 'TERM_MATCH', Field: 'regionCode', Value: 'eu-west-1' });
  });

  it('falls back to the bundled table with a warning when the API cannot be reached', async () => {
    const r = await runCli(['cost', '--rps', '100', '--kb', '4', '--live', '--json'], { env: { AWS_ENDPOINT_URL_PRICING: 'http://127.0.0.1:9' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: --live: the Price List API failed .*using the bundled us-east-1 prices/);
    expect(json(r.stdout).priceSource).toBe('bundled');
  });
});
