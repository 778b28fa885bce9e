/** `cdcpipe plan`'s output: the limits table, the facts and the binding-limit sentence, or the JSON document. */
import { planDemand, type BindingLimit, type CapacityPlan, type PlanDemand, type PlanMonthlyCost } from '../core/capacity.js';
import { SHARD_READ_BYTES_PER_S, SHARD_WRITE_BYTES_PER_S, SHARD_WRITE_RECORDS_PER_S } from '../core/limits.js';
import type { PriceTable } from '../core/pricing.js';
import { MIB, formatNumber } from '../core/units.js';
import type { Output } from './output.js';
import { pct, renderTable, usd } from './table.js';
import { wrapText } from './wrap.js';

export interface PlanView {
  plan: CapacityPlan;
  cost: PlanMonthlyCost;
  /** The bundled table the cost comes from, and the region it was chosen for. */
  table: PriceTable;
  region: string;
}

/** Warnings on stderr and the plan on stdout, or only the JSON document (warnings inside it) with --json. */
export function printPlan(out: Output, v: PlanView): void {
  if (out.json) {
    out.document({
      ...v.plan,
      monthlyCostUsd: { provisioned: v.cost.provisioned, onDemand: v.cost.onDemand, region: v.region, pricesAsOf: priced(v) ? v.table.asOf : null },
    });
    return;
  }
  for (const w of v.plan.warnings) out.warn(w.message);
  for (const m of v.cost.missing) out.warn(m);
  out.result(renderPlan(v, out.color.bold, out.width));
}

/** `width`: the terminal's columns to fit (Output.width); undefined prints every value in full. */
export function renderPlan({ plan, cost, table }: PlanView, bold: (s: string) => string, width?: number): string {
  const { input, shards, utilization: u } = plan;
  const demand = planDemand(plan);
  const mark = (limit: BindingLimit, text: string): string => (shards.bindingLimit === limit ? bold(`${text} ← binding`) : text);
  const n = shards.recommended;
  const limits = renderTable(
    ['limit', 'demand at peak', 'per shard', `use at ${n} shard${n === 1 ? '' : 's'}`],
    [
      ['write bandwidth', `${fmt(demand.writeMiBps)} MiB/s`, `${SHARD_WRITE_BYTES_PER_S / MIB} MiB/s`, mark('write-bytes', pct(u.writeBytes))],
      ['write records', `${fmt(demand.peakRps)} records/s`, `${formatNumber(SHARD_WRITE_RECORDS_PER_S)} records/s`, mark('write-records', pct(u.writeRecords))],
      [`shared read (${input.consumers} consumer${input.consumers === 1 ? '' : 's'})`, `${fmt(demand.readMiBps)} MiB/s`, `${SHARD_READ_BYTES_PER_S / MIB} MiB/s`, mark('read-bytes', pct(u.readBytes))],
    ],
    // Only a terminal under 85 columns needs this: the limit's name wraps first, then the figures.
    { align: ['left', 'right', 'right', 'right'], width, shrink: { limit: 12, 'demand at peak': 10, 'per shard': 8 } },
  );
  const money = (v: number | null): string => (v === null ? 'unknown' : usd(v));
  const facts = [
    ['shards', `minimum ${shards.minimum} (at 100 %), recommended ${shards.recommended} (target ${pct(input.utilization, 0)})`],
    ['capacity mode', `${bold(plan.mode.recommended)}: ${plan.mode.reason}`],
    [
      'Kinesis a month',
      priced({ cost })
        ? `${money(cost.provisioned)} provisioned, ${money(cost.onDemand)} on-demand (${table.region} prices of ${table.asOf})`
        : `unknown: no ${table.region} prices are bundled (\`cdcpipe cost --region ${table.region} --live\` prices it)`,
    ],
    ['GetRecords', `${plan.getRecordsCallsPerShard.budgetPerSecond} calls/s per shard, ${fmt(plan.getRecordsCallsPerShard.perConsumerPerSecond)} per standard consumer`],
    ['Firehose buffer', `${plan.firehose.bufferSizeMiB} MiB or ${plan.firehose.bufferIntervalSeconds} s, whichever comes first`],
  ]
    .map(([k, v]) => wrapText(`${k!.padEnd(16)} ${v}`, width, ' '.repeat(17)))
    .join('\n');
  return `${limits}\n${facts}\n${wrapText(bindingSentence(plan, demand), width)}`;
}

/** Some price of the region is known (a region without a bundled table has none). */
function priced({ cost }: Pick<PlanView, 'cost'>): boolean {
  return cost.provisioned !== null || cost.onDemand !== null;
}

/** One sentence: which limit binds, and why. */
export function bindingSentence(plan: CapacityPlan, { writeMiBps, readMiBps, peakRps }: PlanDemand): string {
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
