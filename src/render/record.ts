/**
 * How `tail` prints a decoded record: a pretty line for terminals, a user template (-f), the raw payload, or
 * the `tail --json` object of docs/tail.md. Pure functions of the view; colour comes in as a chalk instance.
 */
import type { ChalkInstance } from 'chalk';
import type { CdcMessage, CdcView, RecordView } from '../core/decode.js';
import { tableDefKeyColumns, type KeyColumns } from '../core/key-columns.js';
import { payloadText, qualifiedTable } from '../core/record-filter.js';

/** Longest value shown in a pretty line before it is cut with an ellipsis. */
const PRETTY_VALUE_CHARS = 60;
/** Longest JSON or text payload shown in a pretty line. */
const PRETTY_PAYLOAD_CHARS = 200;

/**
 * One line: `HH:MM:SS.mmm  0003  update  shop.orders  shop.orders.1001  status: NEW → PAID`.
 * Time of day is UTC, from the arrival time (else the commit time, else the message time). Values from the
 * record are escaped so a payload cannot inject terminal control sequences or break the line.
 */
/**
 * What a stream of pretty lines shares so its columns line up: the widest operation and table seen so far
 * (capped, so one long name does not push every later line right), and today's date (UTC), which a time
 * of another day is prefixed with. Also the key columns of tables, from --key-columns and from the
 * `table-def` of the DMS control records seen so far, which name the row when the key names only its table.
 */
export interface PrettyLayout {
  opWidth: number;
  tableWidth: number;
  todayUtc: string;
  /** From --key-columns: they win over a table-def's. */
  keyColumns: KeyColumns;
  /** From the control records seen. */
  tableDefKeys: KeyColumns;
}

export function prettyLayout(now: Date, keyColumns?: KeyColumns): PrettyLayout {
  return { opWidth: 6, tableWidth: 0, todayUtc: now.toISOString().slice(0, 10), keyColumns: keyColumns ?? new Map(), tableDefKeys: new Map() };
}

const MAX_OP_WIDTH = 12;
const MAX_TABLE_WIDTH = 40;

function padded(layout: PrettyLayout | undefined, which: 'opWidth' | 'tableWidth', text: string, cap: number): string {
  if (!layout) return which === 'opWidth' ? text.padEnd(6) : text;
  layout[which] = Math.min(cap, Math.max(layout[which], text.length));
  return text.padEnd(layout[which]);
}

export function formatPretty(view: RecordView, color: ChalkInstance, layout?: PrettyLayout): string {
  const day = layout ? dayOf(view) : undefined;
  const head = `${day && day !== layout!.todayUtc ? `${day} ` : ''}${timeOfDay(view)}  ${shortShardId(view.shardId)}`;
  if (view.error !== undefined) return `${head}  ${color.red(`undecodable: ${clean(view.error)}`)}`;
  const cdc = view.cdc;
  if (!cdc) {
    // A tombstone's partition key is the key of the deleted row.
    if (view.format === 'tombstone') return `${head}  ${color.red('tombstone')}  ${cut(clean(view.partitionKey), PRETTY_PAYLOAD_CHARS)}`;
    const label = view.format.padEnd(6);
    if (view.format === 'binary') return `${head}  ${color.magenta(label)}  ${byteLength(view)} bytes`;
    // A text keeps its trailing newline, shown escaped like any control character.
    const body = view.format === 'text' ? String(view.payload ?? '') : (JSON.stringify(view.payload) ?? '');
    return `${head}  ${color.cyan(label)}  ${cut(clean(body), PRETTY_PAYLOAD_CHARS)}`;
  }
  const table = padded(layout, 'tableWidth', clean(qualifiedTable(cdc)) || '-', MAX_TABLE_WIDTH);
  if (cdc.recordType === 'control') {
    if (layout && cdc.table !== null) rememberTableDef(layout, cdc);
    return color.dim(`${head}  ${padded(layout, 'opWidth', cdc.operation, MAX_OP_WIDTH)}  ${table}  ${clean(cdc.key ?? view.partitionKey)}`);
  }
  const key = clean(rowKey(view, cdc, layout));
  const op = opColor(cdc.operation, color)(padded(layout, 'opWidth', clean(cdc.operation), MAX_OP_WIDTH));
  const line = `${head}  ${op}  ${table}  ${key}`;
  if (cdc.message !== undefined) return `${line}  ${describeMessage(cdc.message)}`;
  if (cdc.operation !== 'update') return line;
  const changes = describeChanges(cdc);
  return changes ? `${line}  ${changes}` : line;
}

function opColor(operation: string, color: ChalkInstance): (s: string) => string {
  switch (operation) {
    case 'insert':
      return color.green;
    case 'update':
      return color.yellow;
    case 'delete':
    case 'truncate':
      return color.red;
    case 'load':
      return color.blue;
    default:
      return color.reset;
  }
}

/** A table-def's primary key, kept for the data records of its table that follow. */
function rememberTableDef(layout: PrettyLayout, cdc: CdcView): void {
  const columns = tableDefKeyColumns(cdc.control);
  if (columns) layout.tableDefKeys.set(qualifiedTable(cdc).toLowerCase(), columns);
}

/**
 * The key shown: the DMS partition-key-value, else the Kinesis partition key. When that names only the table
 * (DMS `partition-key-type: schema-table`) and the table's key columns are known, `col=value[,col=value]`
 * of the row instead.
 */
function rowKey(view: RecordView, cdc: CdcView, layout: PrettyLayout | undefined): string {
  const key = cdc.key ?? view.partitionKey;
  if (!layout || (layout.keyColumns.size === 0 && layout.tableDefKeys.size === 0)) return key;
  const table = qualifiedTable(cdc);
  if (key.length !== table.length || key.toLowerCase() !== table.toLowerCase()) return key;
  const name = table.toLowerCase();
  const columns = layout.keyColumns.get(name) ?? layout.tableDefKeys.get(name);
  const row = cdc.data ?? cdc.before;
  if (!columns || !row || !columns.some((c) => Object.hasOwn(row, c))) return key;
  return columns.map((c) => `${c}=${show(Object.hasOwn(row, c) ? row[c] : undefined)}`).join(',');
}

/**
 * `col: old → new` for each changed column. When the changed set is unknown (a key-only before-image, or
 * none), the certain changes (a changed key) as `col: old → new`, every column whose old value is unknown
 * as `col = value`, and one marker saying why.
 */
function describeChanges(cdc: CdcView): string {
  const data = cdc.data ?? {};
  const before = cdc.before ?? {};
  if (cdc.changed !== null) {
    if (cdc.changed.length === 0) return '(no column changed)';
    return cdc.changed.map((col) => `${clean(col)}: ${show(before[col])} → ${show(data[col])}`).join(', ');
  }
  const certain = cdc.certainChanges ?? [];
  const unknown = cdc.unknownOld ?? Object.keys(data).filter((col) => !Object.hasOwn(before, col));
  const parts = certain.map((col) => `${clean(col)}: ${show(before[col])} → ${show(data[col])}`);
  for (const col of unknown) parts.push(`${clean(col)} = ${show(data[col])}`);
  const why = Object.keys(before).length === 0 ? 'no before-image' : 'key-only before-image';
  return `${parts.join(', ')}${parts.length ? '  ' : ''}(old values unknown: ${why})`;
}

/** `prefix = p, content = text` of a Debezium message event; content that is not text as its size and base64. */
function describeMessage(m: CdcMessage): string {
  let content = '∅';
  if (m.content !== null) content = cut(clean(m.content), PRETTY_PAYLOAD_CHARS);
  else if (m.contentBase64 !== null) content = `${Buffer.byteLength(m.contentBase64, 'base64')} bytes, base64 ${cut(clean(m.contentBase64), PRETTY_VALUE_CHARS)}`;
  return `prefix = ${m.prefix === null ? '∅' : show(m.prefix)}, content = ${content}`;
}

function show(value: unknown): string {
  if (value === undefined) return '∅';
  const s = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return cut(clean(s), PRETTY_VALUE_CHARS);
}

function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** C0/C1 control characters (ESC, CR, LF …) as visible escapes: record content must not drive the terminal. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

const ISO_TIME = /^\d{4,}-\d\d-\d\dT(\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?/;

/** The UTC date of the time timeOfDay shows, or undefined. */
function dayOf(view: RecordView): string | undefined {
  for (const t of [view.arrivalTime, view.cdc?.commitTime, view.cdc?.timestamp]) if (t && ISO_TIME.test(t)) return t.slice(0, 10);
  return undefined;
}

function timeOfDay(view: RecordView): string {
  for (const t of [view.arrivalTime, view.cdc?.commitTime, view.cdc?.timestamp]) {
    const m = t ? ISO_TIME.exec(t) : null;
    if (m) return `${m[1]}.${(m[2] ?? '').padEnd(3, '0').slice(0, 3)}`;
  }
  return '--:--:--.---';
}

/** `shardId-000000000003` → `0003`; ids past 9999 keep all their digits; other ids are shown whole. */
export function shortShardId(shardId: string): string {
  const m = /(\d+)$/.exec(shardId);
  if (!m) return shardId;
  return m[1]!.replace(/^0+(?=\d)/, '').padStart(4, '0');
}

function byteLength(view: RecordView): number {
  return view.payloadBase64 === undefined ? 0 : Buffer.byteLength(view.payloadBase64, 'base64');
}

/**
 * kcat-style template: %s shard, %S sequence number, %k partition key, %T arrival time, %o operation,
 * %t schema.table, %d data as JSON, %p payload, %% a literal %; \n, \t and \\ are the usual escapes.
 * Other %x are left as written. No newline is added.
 */
/** The codes a -f/--template may use. */
export const TEMPLATE_CODES = 'sSkTotdp%';

/** The first code of the template that is not one (`%x`), or undefined. */
export function unknownTemplateCode(template: string): string | undefined {
  for (const m of template.matchAll(/%(.)|\\[nt\\]/gs)) if (m[1] !== undefined && !TEMPLATE_CODES.includes(m[1])) return `%${m[1]}`;
  return undefined;
}

export function formatTemplate(view: RecordView, template: string): string {
  return template.replace(/%(.)|\\([nt\\])/gs, (whole, spec: string | undefined, esc: string | undefined) => {
    if (esc !== undefined) return esc === 'n' ? '\n' : esc === 't' ? '\t' : '\\';
    switch (spec) {
      case 's':
        return view.shardId;
      case 'S':
        return view.sequenceNumber;
      case 'k':
        return view.partitionKey;
      case 'T':
        return view.arrivalTime ?? '';
      case 'o':
        return operationOf(view);
      case 't':
        return view.cdc ? qualifiedTable(view.cdc) : '';
      case 'd':
        return dataJson(view);
      case 'p':
        return formatRaw(view);
      case '%':
        return '%';
      default:
        return whole;
    }
  });
}

/** The CDC operation; for other records `error`, or their format (json, text, binary). */
export function operationOf(view: RecordView): string {
  if (view.cdc) return view.cdc.operation;
  return view.error !== undefined ? 'error' : view.format;
}

function dataJson(view: RecordView): string {
  if (view.cdc) return JSON.stringify(view.cdc.data);
  if (view.format === 'json') return JSON.stringify(view.payload) ?? '';
  return '';
}

/** The payload as text (the record exactly as decoded, or its masked JSON after --redact), base64 for binary and undecodable records. */
export function formatRaw(view: RecordView): string {
  if (view.error !== undefined || view.format === 'binary') return view.payloadBase64 ?? '';
  return payloadText(view);
}

/**
 * The `tail --json` object (docs/tail.md). The parsed document is left out for dms and debezium records: cdc
 * carries its content, and printing the row twice would double the output.
 */
export function toJsonRecord(view: RecordView): object {
  const out: Record<string, unknown> = { shardId: view.shardId, sequenceNumber: view.sequenceNumber };
  if (view.subSequenceNumber !== undefined) out.subSequenceNumber = view.subSequenceNumber;
  out.partitionKey = view.partitionKey;
  out.arrivalTime = view.arrivalTime;
  out.format = view.format;
  if (view.compressed !== undefined) out.compressed = view.compressed;
  out.cdc = view.cdc ? dropUndefined(view.cdc) : null;
  if ((view.format === 'json' || view.format === 'text') && view.payload !== undefined) out.payload = view.payload;
  if (view.payloadBase64 !== undefined) out.payloadBase64 = view.payloadBase64;
  if (view.error !== undefined) out.error = view.error;
  return out;
}

/**
 * The record's data as base64 (`tail --include-raw`): the bytes decode kept (binary, undecodable), else the
 * UTF-8 text it decoded, which is byte for byte the data (decode checks the UTF-8 before it keeps a text).
 * A gzip record's data is its inflated bytes; its line says `compressed: gzip`, and `put` compresses it again.
 * Undefined after --redact, which drops the text.
 */
export function rawDataBase64(view: RecordView): string | undefined {
  if (view.payloadBase64 !== undefined) return view.payloadBase64;
  return view.text === undefined ? undefined : Buffer.from(view.text, 'utf8').toString('base64');
}

/**
 * `JSON.stringify(toJsonRecord(view))`, the `tail --json` line, written from one template for DMS and
 * Debezium views. The rows come from decode's copy of their own text when it kept one (view.rowJson,
 * single-line DMS records), else from JSON.stringify of the parsed rows; the other members, in toJsonRecord's
 * order, are short strings and numbers that jsonValue writes without JSON.stringify's per-call cost
 * (docs/performance.md, "Tail CPU").
 * The line is byte for byte what JSON.stringify gives (test/unit/json-line.test.ts), except that copied rows
 * keep the record's own spelling of numbers and escapes: the same values, and a BIGINT past 2^53 keeps its
 * digits. Other views, and views with members the template does not know, go to JSON.stringify.
 */
export function formatJsonLine(view: RecordView): string {
  const cdc = view.cdc;
  if (cdc === null || cdc.control !== undefined || cdc.message !== undefined || view.payloadBase64 !== undefined || view.error !== undefined) {
    return JSON.stringify(toJsonRecord(view));
  }
  const rows = view.rowJson;
  const data = rows === undefined ? JSON.stringify(cdc.data) : rows.data;
  const before = rows === undefined ? JSON.stringify(cdc.before) : rows.before;
  const sub = view.subSequenceNumber === undefined ? '' : `,"subSequenceNumber":${jsonValue(view.subSequenceNumber)}`;
  const compressed = view.compressed === undefined ? '' : `,"compressed":${jsonString(view.compressed)}`;
  const timestamp = cdc.timestamp === undefined ? '' : `,"timestamp":${jsonString(cdc.timestamp)}`;
  const certain = cdc.certainChanges === undefined ? '' : `,"certainChanges":${jsonNames(cdc.certainChanges)}`;
  const unknownOld = cdc.unknownOld === undefined ? '' : `,"unknownOld":${jsonNames(cdc.unknownOld)}`;
  return (
    `{"shardId":${jsonName(view.shardId)},"sequenceNumber":${jsonString(view.sequenceNumber)}${sub},"partitionKey":${jsonString(view.partitionKey)},` +
    `"arrivalTime":${jsonValue(view.arrivalTime)},"format":${jsonName(view.format)}${compressed},` +
    `"cdc":{"recordType":${jsonName(cdc.recordType)},"operation":${jsonName(cdc.operation)},"schema":${jsonNameOrNull(cdc.schema)},"table":${jsonNameOrNull(cdc.table)},` +
    `"data":${data},"before":${before},"changed":${jsonNames(cdc.changed)},"transactionId":${jsonValue(cdc.transactionId)},` +
    `"commitTime":${jsonValue(cdc.commitTime)},"key":${jsonValue(cdc.key)}${timestamp}${certain}${unknownOld}}}`
  );
}

/**
 * JSON.stringify(value) for a defined value. Strings, numbers, null and arrays of strings are written here:
 * JSON.stringify's cost per call, before it writes a byte, is more than a whole short member's.
 */
function jsonValue(value: unknown): string {
  if (typeof value === 'string') return jsonString(value);
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (Array.isArray(value)) {
    let json = '';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item !== 'string') return JSON.stringify(value);
      json += i === 0 ? jsonString(item) : `,${jsonString(item)}`;
    }
    return `[${json}]`;
  }
  return JSON.stringify(value);
}

/** Characters JSON.stringify escapes: quote, backslash, C0 controls, and (lone) surrogates. */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as JSON: quoted as it is, unless it holds a character JSON.stringify escapes (then by JSON.stringify). */
function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/**
 * jsonString for the names that come back record after record (shard, format, operation, schema, table,
 * columns): looked up instead of scanned. Bounded: a stream with more distinct names starts over.
 */
const NAME_JSON = new Map<string, string>();
const NAME_JSON_MAX = 4096;
function jsonName(name: string): string {
  let json = NAME_JSON.get(name);
  if (json === undefined) {
    if (NAME_JSON.size >= NAME_JSON_MAX) NAME_JSON.clear();
    json = jsonString(name);
    NAME_JSON.set(name, json);
  }
  return json;
}

function jsonNameOrNull(name: string | null): string {
  return name === null ? 'null' : jsonName(name);
}

/** `changed`: null, or column names. */
function jsonNames(names: readonly string[] | null): string {
  if (names === null) return 'null';
  let json = '';
  for (let i = 0; i < names.length; i++) json += i === 0 ? jsonName(names[i]!) : `,${jsonName(names[i]!)}`;
  return `[${json}]`;
}

function dropUndefined(cdc: CdcView): CdcView {
  let clean = true;
  for (const k in cdc) if ((cdc as unknown as Record<string, unknown>)[k] === undefined) clean = false;
  if (clean) return cdc;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cdc)) if (v !== undefined) out[k] = v;
  return out as unknown as CdcView;
}
