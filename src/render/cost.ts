/** `cdcpipe cost`'s output: the line-by-line table with a total per mode, or its JSON document. */
import { roundCents, type CapacityMode, type CostEstimate, type CostLine } from '../core/pricing.js';
import { formatNumber } from '../core/units.js';
import type { CostResult } from '../services/cost.js';
import type { Output } from './output.js';
import { renderTable, usd } from './table.js';
import { wrapText } from './wrap.js';

/** Warnings on stderr and the table on stdout, or only the JSON document (warnings inside it) with --json. */
export function printCost(out: Output, result: CostResult): void {
  if (out.json) {
    out.document(costDocument(result));
    return;
  }
  for (const w of result.warnings) out.warn(w);
  out.result(renderCost(result, out.color.bold, out.width));
}

export function costDocument(r: CostResult): object {
  return {
    region: r.table.region,
    pricesAsOf: r.table.asOf,
    priceSource: r.source,
    shards: r.shards,
    modes: r.modes,
    lines: r.estimate.lines.map(jsonLine),
    totals: roundTotals(r.estimate),
    cheapest: r.estimate.cheapest,
    unconfirmedPrices: r.unconfirmed,
    warnings: r.warnings,
  };
}

function jsonLine(l: CostLine): object {
  return { ...l, quantity: Math.round(l.quantity * 1e4) / 1e4, monthlyUsd: roundCents(l.monthlyUsd) };
}

/** The totals; a total that leaves a line out says so (`complete: false` and the lines it is missing). */
function roundTotals({ totals: t, leftOut }: CostEstimate): object {
  const missing = [...new Set([...leftOut.provisioned, ...leftOut.onDemand])];
  return {
    ...(t.provisioned !== undefined ? { provisioned: roundCents(t.provisioned) } : {}),
    ...(t.onDemand !== undefined ? { onDemand: roundCents(t.onDemand) } : {}),
    ...(missing.length ? { complete: false, missing } : {}),
  };
}

/** `width`: the terminal's columns to fit (Output.width); undefined prints every value in full. */
export function renderCost(r: CostResult, bold: (s: string) => string, width?: number): string {
  const { estimate: est, table, source, shards } = r;
  const qty = (n: number): string => formatNumber(n, n < 10 ? 3 : 1);
  const unitPrice = (n: number): string => `$${formatNumber(n, 6)}`;
  const order = (l: CostLine): number => (l.mode === 'provisioned' ? 0 : l.mode === 'on-demand' ? 1 : 2);
  const rows = [...est.lines]
    .sort((a, b) => order(a) - order(b))
    .map((l) => [l.component, l.item, `${qty(l.quantity)} ${l.unit}`, unitPrice(l.unitPriceUsd), usd(l.monthlyUsd)]);
  const total = (mode: CapacityMode, value: number | undefined): string[] | undefined => {
    if (value === undefined) return undefined;
    const cheapest = est.cheapest === mode;
    const short = (mode === 'provisioned' ? est.leftOut.provisioned : est.leftOut.onDemand).length;
    const label = `total, ${mode}${cheapest ? ' ← cheapest' : ''}${short ? ` (incomplete: ${short} line${short === 1 ? '' : 's'} left out)` : ''}`;
    return ['', cheapest ? bold(label) : label, '', '', cheapest ? bold(usd(value)) : usd(value)];
  };
  for (const row of [total('provisioned', est.totals.provisioned), total('on-demand', est.totals.onDemand)]) if (row) rows.push(row);
  const head = ['component', 'item', 'quantity a month', 'unit price', 'a month'];
  const sourceText = source === 'bundled' ? `bundled ${table.region} prices of ${table.asOf}` : source === 'live' ? `AWS Price List API, ${table.region}, ${table.asOf}` : `${source} (${table.region}, ${table.asOf})`;
  const missing = [...new Set([...est.leftOut.provisioned, ...est.leftOut.onDemand])];
  const incomplete = missing.length ? `\n${wrapText(`incomplete totals: no ${table.region} price for ${missing.join('; ')} (use --live or --prices <file>)`, width)}` : '';
  // The items wrap first (they are sentences), then the components and quantities. The unit price
  // is the one column to drop: quantity × unit price is the month's figure, which stays, and
  // --json or a wider terminal shows it.
  const fit = { width, shrink: { item: 23, component: 20, 'quantity a month': 12 }, drop: ['unit price'] };
  const footer = `${shards} provisioned shard${shards === 1 ? '' : 's'}; ${sourceText}; a month is 730 hours; S3 storage grows by its line each month data is kept.`;
  return `${renderTable(head, rows, { align: ['left', 'left', 'right', 'right', 'right'], ...fit })}${incomplete}\n${wrapText(footer, width)}`;
}
