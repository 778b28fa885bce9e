/** Human tables. Borders stay plain ASCII-box; colour comes from the caller's chalk instance. */
import Table from 'cli-table3';
import { formatNumber } from '../core/units.js';
import { visibleWidth, wrapText } from './wrap.js';

export interface TableOptions {
  align?: ('left' | 'right')[];
  /**
   * The terminal's columns (`Output.width`): a wider table is fitted so that no line is wider.
   * Undefined (stdout piped): every value in full, as wide as it takes.
   */
  width?: number;
  /** Columns, by header, that may wrap inside their cell, each down to a width; the first listed gives up width first. */
  shrink?: Record<string, number>;
  /** Columns, by header, that go when wrapping is not enough: the least useful first. */
  drop?: string[];
}

export function renderTable(head: string[], rows: (string | number)[][], opts: TableOptions = {}): string {
  const cells = rows.map((row) => row.map(String));
  const fit = opts.width === undefined ? undefined : fitColumns(head, cells, opts.width, opts);
  const keep = <T>(list: T[]): T[] => (fit ? fit.kept.map((i) => list[i]!) : list);
  const wrap = (row: string[]): string[] => (fit ? keep(row).map((cell, i) => wrapText(cell, fit.widths[i]!)) : row);
  const table = new Table({
    head: wrap(head),
    style: { head: [], border: [], compact: true },
    // cli-table3 crashes on an explicit `colAligns: undefined`; pass it only when given.
    ...(opts.align ? { colAligns: keep(opts.align) } : {}),
    // Cells arrive wrapped to their width; cli-table3's widths include one space of padding each side.
    ...(fit ? { colWidths: fit.widths.map((w) => w + 2) } : {}),
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const row of cells) table.push(wrap(row));
  return table.toString();
}

/** A table line is `│ cell │ cell │`: three columns of border and padding a column, and one more. */
const lineWidth = (widths: number[]): number => widths.reduce((sum, w) => sum + w + 3, 1);

/**
 * Which columns stay and how wide their content may be, so the table fits `width`; undefined when
 * it fits as it is. The shrinkable columns wrap (in their order) down to their minimum; when that is
 * not enough, the droppable ones go, one at a time; when nothing is left to drop, every column wraps,
 * the widest first. A table that cannot fit even one column wide is drawn at that.
 */
export function fitColumns(head: string[], rows: string[][], width: number, opts: Pick<TableOptions, 'shrink' | 'drop'>): { kept: number[]; widths: number[] } | undefined {
  const natural = head.map((name, col) => Math.max(visibleWidth(name), ...rows.map((row) => visibleWidth(row[col] ?? ''))));
  let kept = head.map((_, i) => i);
  if (lineWidth(natural) <= width) return undefined;
  const shrinkable = Object.entries(opts.shrink ?? {}).flatMap(([name, min]) => (head.includes(name) ? [{ col: head.indexOf(name), min }] : []));
  const droppable = (opts.drop ?? []).map((name) => head.indexOf(name)).filter((col) => col >= 0);
  for (;;) {
    const widths = kept.map((col) => natural[col]!);
    let over = lineWidth(widths) - width;
    for (const { col, min } of shrinkable) {
      const i = kept.indexOf(col);
      if (i < 0 || over <= 0) continue;
      const give = Math.max(0, Math.min(over, widths[i]! - min));
      widths[i]! -= give;
      over -= give;
    }
    if (over <= 0) return { kept, widths };
    const next = droppable.find((col) => kept.includes(col));
    if (next === undefined) return { kept, widths: squeeze(widths, over) };
    kept = kept.filter((col) => col !== next);
  }
}

/** `over` columns taken from the widest column, one at a time, down to one column each. */
function squeeze(widths: number[], over: number): number[] {
  const out = [...widths];
  for (; over > 0; over--) {
    const widest = out.indexOf(Math.max(...out));
    if (out[widest]! <= 1) break;
    out[widest]! -= 1;
  }
  return out;
}

export function usd(n: number): string {
  return `$${formatNumber(n, 2, 2)}`;
}

export function pct(ratio: number, digits = 1): string {
  return `${(ratio * 100).toFixed(digits)} %`;
}
