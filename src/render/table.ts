/** Human tables. Borders stay plain ASCII-box; colour comes from the caller's chalk instance. */
import Table from 'cli-table3';
import { formatNumber } from '../core/units.js';

export function renderTable(head: string[], rows: (string | number)[][], opts: { align?: ('left' | 'right')[] } = {}): string {
  const table = new Table({
    head,
    style: { head: [], border: [], compact: true },
    // cli-table3 crashes on an explicit `colAligns: undefined`; pass it only when given.
    ...(opts.align ? { colAligns: opts.align } : {}),
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const row of rows) table.push(row.map(String));
  return table.toString();
}

export function usd(n: number): string {
  return `$${formatNumber(n, 2, 2)}`;
}

export function pct(ratio: number, digits = 1): string {
  return `${(ratio * 100).toFixed(digits)} %`;
}
