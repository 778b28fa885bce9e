/** `cdcpipe plan`: shards and capacity mode for a load, naming the binding limit. No AWS calls. */
import type { Command } from 'commander';
import { action, examples } from './action.js';
import { addLoadOptions, parseLoadFlags, type LoadFlags } from './capacity-options.js';
import { planCapacity, type BindingLimit, type CapacityPlan } from '../core/capacity.js';
import { hasBaseKinesisRates, kinesisOnDemandLines, kinesisProvisionedLines, type PriceTable } from '../core/pricing.js';
import { KIB, MIB, formatNumber } from '../core/units.js';
import { SHARD_READ_BYTES_PER_S, SHARD_WRITE_BYTES_PER_S, SHARD_WRITE_RECORDS_PER_S } from '../core/limits.js';
import { loadBundledPriceTable, resolvePriceRegion } from '../prices/price-table.js';
import { pct, renderTable, usd } from '../render/table.js';

export function register(program: Command): void {
  addLoadOptions(
    program.command('plan').description('size a stream (shards, capacity mode) for a load and name the binding limit; no AWS calls'),
  )
    .addHelpText(
      'after',
      examples(
        'cdcpipe plan --rps 100 --kb 4',
        'cdcpipe plan --rps 1000 --kb 4 --consumers 3 --json',
        'cdcpipe plan --rps 3000 --kb 0.1 --peak 2 --skew 0.3 --region eu-west-1',
      ),
    )
    .action(
      action<LoadFlags>(async (ctx, _args, opts) => {
        const input = parseLoadFlags(opts);
        const { region, warning } = resolvePriceRegion(ctx.global.region, ctx.env);
        if (warning) ctx.out.warn(warning);
        const table = loadBundledPriceTable(region)!;
        const plan = planCapacity(input, table.kinesis);
        const cost = kinesisCosts(plan, table);
        if (ctx.out.json) {
          ctx.out.document({
            ...plan,
            monthlyCostUsd: { provisioned: cost.provisioned, onDemand: cost.onDemand, region, pricesAsOf: table.asOf },
          });
          return;
        }
        for (const w of plan.warnings) ctx.out.warn(w.message);
        for (const m of cost.missing) ctx.out.warn(m);
        ctx.out.result(renderPlan(plan, cost, table, ctx.out.color.bold));
      }),
    );
}

interface KinesisCosts {
  provisioned: number | null;
  onDemand: number | null;
  missing: string[];
}

/** Kinesis-only monthly cost of each mode at the recommended shard count, from the region's bundled table. */
function kinesisCosts(plan: CapacityPlan, table: PriceTable): KinesisCosts {
  const { rps, kb, consumers, efoConsumers, retentionHours } = plan.input;
  const load = { rps, kb, consumers, efoConsumers, retentionHours };
  const prov = kinesisProvisionedLines(table.kinesis, { ...load, shards: plan.shards.recommended });
  const od = kinesisOnDemandLines(table.kinesis, load);
  const cents = (n: number): number => Math.round(n * 100) / 100;
  const total = (g: typeof prov): number => cents(g.lines.reduce((a, l) => a + l.monthlyUsd, 0));
  const complete = hasBaseKinesisRates(table.kinesis);
  return {
    provisioned: complete ? total(prov) : null,
    onDemand: complete ? total(od) : null,
    missing: [...prov.missing, ...od.missing].map((m) => `no ${table.region} price for ${m}: left out of the monthly cost`),
  };
}

function renderPlan(plan: CapacityPlan, cost: KinesisCosts, table: PriceTable, bold: (s: string) => string): string {
  const { input, shards, utilization: u } = plan;
  const peakRps = input.rps * input.peak;
  const writeMiBps = (peakRps * input.kb * KIB) / MIB;
  const readMiBps = writeMiBps * input.consumers;
  const mark = (limit: BindingLimit, text: string): string => (shards.bindingLimit === limit ? bold(`${text} ← binding`) : text);
  const n = shards.recommended;
  const limits = renderTable(
    ['limit', 'demand at peak', 'per shard', `use at ${n} shard${n === 1 ? '' : 's'}`],
    [
      ['write bandwidth', `${fmt(writeMiBps)} MiB/s`, `${SHARD_WRITE_BYTES_PER_S / MIB} MiB/s`, mark('write-bytes', pct(u.writeBytes))],
      ['write records', `${fmt(peakRps)} records/s`, `${formatNumber(SHARD_WRITE_RECORDS_PER_S)} records/s`, mark('write-records', pct(u.writeRecords))],
      [`shared read (${input.consumers} consumer${input.consumers === 1 ? '' : 's'})`, `${fmt(readMiBps)} MiB/s`, `${SHARD_READ_BYTES_PER_S / MIB} MiB/s`, mark('read-bytes', pct(u.readBytes))],
    ],
    { align: ['left', 'right', 'right', 'right'] },
  );
  const money = (v: number | null): string => (v === null ? 'unknown' : usd(v));
  const facts = [
    ['shards', `minimum ${shards.minimum} (at 100 %), recommended ${shards.recommended} (target ${pct(input.utilization, 0)})`],
    ['capacity mode', `${bold(plan.mode.recommended)}: ${plan.mode.reason}`],
    ['Kinesis a month', `${money(cost.provisioned)} provisioned, ${money(cost.onDemand)} on-demand (${table.region} prices of ${table.asOf})`],
    ['GetRecords', `${plan.getRecordsCallsPerShard.budgetPerSecond} calls/s per shard, ${fmt(plan.getRecordsCallsPerShard.perConsumerPerSecond)} per standard consumer`],
    ['Firehose buffer', `${plan.firehose.bufferSizeMiB} MiB or ${plan.firehose.bufferIntervalSeconds} s, whichever comes first`],
  ]
    .map(([k, v]) => `${k!.padEnd(16)} ${v}`)
    .join('\n');
  return `${limits}\n${facts}\n${bindingSentence(plan, writeMiBps, readMiBps, peakRps)}`;
}

/** One sentence: which limit binds, and why. */
export function bindingSentence(plan: CapacityPlan, writeMiBps: number, readMiBps: number, peakRps: number): string {
  const { input, shards } = plan;
  const n = shards.recommended === 1 ? '1 shard keeps' : `${shards.recommended} shards keep`;
  const target = pct(input.utilization, 0);
  switch (shards.bindingLimit) {
    case 'write-bytes':
      return `Write bandwidth binds: ${fmt(peakRps)} records/s × ${fmt(input.kb)} KiB = ${fmt(writeMiBps)} MiB/s against 1 MiB/s per shard, so ${n} it at ${pct(plan.utilization.writeBytes)} (target ${target}).`;
    case 'write-records':
      return `The record rate binds: ${fmt(peakRps)} records/s against 1,000 records/s per shard (at ${fmt(input.kb)} KiB the records are too small for bandwidth to matter), so ${n} it at ${pct(plan.utilization.writeRecords)} (target ${target}).`;
    case 'read-bytes':
      return `Shared read bandwidth binds: ${input.consumers} standard consumers read ${fmt(readMiBps)} MiB/s against 2 MiB/s per shard, so ${n} it at ${pct(plan.utilization.readBytes)} (target ${target}); enhanced fan-out consumers would not share it.`;
  }
}

function fmt(n: number): string {
  return formatNumber(n, n < 10 ? 2 : 1);
}
