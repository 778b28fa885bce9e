/**
 * Which columns identify a row of a table, for the pretty line of a record whose key says only its table
 * (DMS `partition-key-type: schema-table` writes `schema.table` as the partition key). They come from
 * `tail --key-columns schema.table=col[,col]` or from the `primary-key` of a DMS control record's
 * `table-def`. Pure.
 */
import { UsageError } from '../errors.js';

/** Lower-cased `schema.table` → its key columns (names as written: they are JSON member names). */
export type KeyColumns = Map<string, string[]>;

/** The repeatable `--key-columns` values, checked; exit 2 naming the flag on anything else. */
export function parseKeyColumnsFlag(values: readonly string[]): KeyColumns {
  const out: KeyColumns = new Map();
  for (const value of values) {
    const eq = value.indexOf('=');
    const table = eq < 0 ? '' : value.slice(0, eq).trim();
    const columns = eq < 0 ? [] : value.slice(eq + 1).split(',').map((c) => c.trim());
    const dot = table.indexOf('.');
    if (dot <= 0 || dot === table.length - 1 || /\s/.test(table) || columns.length === 0 || columns.some((c) => c === '')) {
      throw new UsageError(`--key-columns: expected schema.table=column[,column] (e.g. public.orders=id or shop.lines=order_id,line_no), got '${value}'`);
    }
    const name = table.toLowerCase();
    if (out.has(name)) throw new UsageError(`--key-columns: ${table} is given twice; pass each table once`);
    out.set(name, columns);
  }
  return out;
}

/** The `primary-key` columns of a DMS control record's `control.table-def`, or undefined. */
export function tableDefKeyColumns(control: unknown): string[] | undefined {
  if (control === null || typeof control !== 'object') return undefined;
  const def = (control as Record<string, unknown>)['table-def'];
  if (def === null || typeof def !== 'object') return undefined;
  const pk = (def as Record<string, unknown>)['primary-key'];
  if (!Array.isArray(pk) || pk.length === 0 || !pk.every((c) => typeof c === 'string' && c !== '')) return undefined;
  return pk as string[];
}
