/**
 * Which decoded records `tail` shows (--table, --op, --grep) and how it masks columns (--redact). Pure.
 */
import type { CdcView, RecordView } from './decode.js';

export interface RecordFilter {
  /** 'schema.table' patterns, `*` matches any run of characters; a pattern without a dot matches the table name alone. */
  tables?: string[];
  /** insert, update, delete, load, truncate, message, tombstone, control (any control record), or a control operation (create-table …). */
  ops?: string[];
  /** Tested against the payload text (see payloadText). */
  grep?: RegExp;
}

/** What a redacted value is replaced with. */
export const REDACTED = '***';

/** The operations `tail --op` selects: `message` is a Debezium message event, `tombstone` a record of 0 bytes. */
export const OPS = ['insert', 'update', 'delete', 'load', 'truncate', 'message', 'tombstone', 'control'] as const;
/** DMS control operations (AWS DMS User Guide, Using Amazon Kinesis Data Streams as a target), accepted by --op too. */
export const CONTROL_OPS = ['create-table', 'rename-table', 'drop-table', 'change-columns', 'add-column', 'drop-column', 'rename-column', 'column-type-change'] as const;

/**
 * Table and operation filters keep only CDC records that match. Records that could not be decoded (`error`)
 * pass them: nothing says which table they belong to, and hiding them would drop data without a word.
 * JSON, text and binary records have no table or operation and are dropped by either filter; a tombstone
 * has no table, and --op tombstone selects it. A record without a table (a Debezium message event) matches no
 * --table pattern.
 */
export function compileFilter(filter: RecordFilter): (view: RecordView) => boolean {
  const tablePatterns = filter.tables?.length ? filter.tables.map(compileTablePattern) : null;
  const ops = filter.ops?.length ? new Set(filter.ops.map((o) => o.toLowerCase())) : null;
  const grep = filter.grep;
  return (view) => {
    if ((tablePatterns || ops) && view.error === undefined) {
      const cdc = view.cdc;
      if (!cdc) {
        if (view.format !== 'tombstone' || tablePatterns || !ops!.has('tombstone')) return false;
      } else {
        if (tablePatterns && (cdc.table === null || !tablePatterns.some((match) => match(cdc)))) return false;
        if (ops && !ops.has(cdc.operation.toLowerCase()) && !(cdc.recordType === 'control' && ops.has('control'))) return false;
      }
    }
    if (grep) {
      // A /g or /y regex keeps lastIndex between test() calls; reset so every record is tested from its start.
      grep.lastIndex = 0;
      if (!grep.test(payloadText(view))) return false;
    }
    return true;
  };
}

function compileTablePattern(pattern: string): (cdc: CdcView) => boolean {
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 'is');
  if (pattern.includes('.')) return (cdc) => re.test(`${cdc.schema ?? ''}.${cdc.table ?? ''}`);
  return (cdc) => re.test(cdc.table ?? '');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `schema.table`, or the table alone when there is no schema (DMS task-level control records). */
export function qualifiedTable(cdc: CdcView): string {
  if (cdc.schema === null) return cdc.table ?? '';
  return `${cdc.schema}.${cdc.table ?? ''}`;
}

/**
 * The payload as text, for --grep: the decoded UTF-8 text when decode kept it, the JSON of the (possibly
 * redacted) document otherwise, and for binary or undecodable records their bytes read as UTF-8.
 */
export function payloadText(view: RecordView): string {
  if (view.text !== undefined) return view.text;
  if (typeof view.payload === 'string') return view.payload;
  if (view.payload !== undefined) return JSON.stringify(view.payload) ?? '';
  if (view.payloadBase64 !== undefined) return Buffer.from(view.payloadBase64, 'base64').toString('utf8');
  return '';
}

/**
 * Masks the named columns in data and before-image, at any depth, and in the parsed payload (so --format raw,
 * %p and JSON output show the masked document). The decoded text and the rows' JSON text are dropped because
 * they still hold the values.
 * Undecodable records keep their bytes: there is no structure to mask. Column names match exactly.
 */
export function redactView(view: RecordView, columns: ReadonlySet<string>): RecordView {
  if (columns.size === 0) return view;
  const out: RecordView = { ...view };
  delete out.text;
  delete out.rowJson;
  if (view.cdc) {
    out.cdc = {
      ...view.cdc,
      data: view.cdc.data === null ? null : (mask(view.cdc.data, columns) as Record<string, unknown>),
      before: view.cdc.before === null ? null : (mask(view.cdc.before, columns) as Record<string, unknown>),
    };
  }
  if (view.payload !== null && typeof view.payload === 'object') out.payload = mask(view.payload, columns);
  return out;
}

function mask(value: unknown, columns: ReadonlySet<string>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => mask(v, columns));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = columns.has(k) ? REDACTED : mask(v, columns);
  return out;
}
