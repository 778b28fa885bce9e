/**
 * The CDC layouts (pure): the single-line DMS text cut at its members, the DMS and Debezium documents
 * mapped onto one CdcView, and the columns an update changed. Bytes to payloads is decode.ts.
 */
import { isUtf8 } from 'node:buffer';
import type { CdcMessage, CdcOperation, CdcView } from './decode.js';

const DMS_HEAD = '{"data":';
const DMS_BEFORE_IMAGE = ',"before-image":';
const DMS_METADATA = ',"metadata":';

export interface DmsSplit {
  doc: Record<string, unknown>;
  dataJson: string;
  beforeJson: string | undefined;
}

/**
 * DMS writes a single-line record (MessageFormat json-unformatted) as `{"data":D,"before-image":B,"metadata":M}`,
 * B only with BeforeImageSettings. Such a text is cut at those literal member names and D, B and M are parsed
 * one by one. The cut is right by construction: when every piece parses, the text is exactly that object, so
 * the result equals JSON.parse of the whole text; when a name also occurs inside a row, a piece is cut short,
 * fails to parse, and the caller parses the whole text instead. What is gained is D and B as text, which
 * `tail --json` copies into its line instead of serializing the parsed rows again (docs/performance.md,
 * "Tail CPU"). Texts holding a line break are left to the whole parse: a copied row must not break the
 * one-object-per-line output. A before-image renamed by BeforeImageSettings.FieldName is not cut either;
 * such a record pays for a failed parse of its data piece.
 */
export function splitDmsText(text: string): DmsSplit | undefined {
  if (!text.startsWith(DMS_HEAD) || text.charCodeAt(text.length - 1) !== 0x7d /* } */) return undefined;
  if (text.includes('\n') || text.includes('\r')) return undefined;
  // indexOf, not lastIndexOf: V8's lastIndexOf is a plain backward loop (docs/performance.md, "Tail CPU").
  // Which occurrence is found does not matter for correctness (see above), only whether the cut is made.
  const b = text.indexOf(DMS_BEFORE_IMAGE, DMS_HEAD.length);
  const hasBefore = b >= 0;
  const m = text.indexOf(DMS_METADATA, hasBefore ? b + DMS_BEFORE_IMAGE.length : DMS_HEAD.length);
  if (m < 0) return undefined;
  const dataJson = text.slice(DMS_HEAD.length, hasBefore ? b : m);
  const beforeJson = hasBefore ? text.slice(b + DMS_BEFORE_IMAGE.length, m) : undefined;
  try {
    const doc: Record<string, unknown> = { data: JSON.parse(dataJson) as unknown };
    if (beforeJson !== undefined) doc['before-image'] = JSON.parse(beforeJson) as unknown;
    doc.metadata = JSON.parse(text.slice(m + DMS_METADATA.length, text.length - 1)) as unknown;
    return { doc, dataJson, beforeJson };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------
// DMS (AWS DMS User Guide, Using Amazon Kinesis Data Streams as a target)

const DMS_KNOWN_KEYS = new Set(['data', 'metadata', 'control']);

export function dmsView(doc: Record<string, unknown>): CdcView | null {
  const md = doc.metadata;
  if (!isPlainObject(md)) return null;
  const recordTypeRaw = md['record-type'];
  if (typeof recordTypeRaw !== 'string' && !(typeof md.operation === 'string' && 'table-name' in md)) return null;

  const recordType = recordTypeRaw === 'control' ? 'control' : 'data';
  const operation = typeof md.operation === 'string' ? md.operation : 'unknown';
  const data = isPlainObject(doc.data) ? doc.data : null;
  const before = dmsBeforeImage(doc);
  const view: CdcView = {
    recordType,
    operation,
    schema: nonEmptyString(md['schema-name']),
    table: nonEmptyString(md['table-name']),
    data,
    before,
    changed: operation === 'update' ? changedColumns(data, before) : null,
    transactionId: idOrNull(md['transaction-id']),
    commitTime: dmsTime(md['commit-timestamp']),
    key: scalarString(md['partition-key-value']),
  };
  if (doc.control !== undefined) view.control = doc.control;
  const ts = dmsTime(md.timestamp);
  if (ts !== null) view.timestamp = ts;
  if (view.changed === null && operation === 'update') addPartialChanges(view);
  return view;
}

/**
 * The before-image's field name is set by BeforeImageSettings.FieldName ("before-image" in the AWS examples);
 * any other object-valued top-level field beside data/metadata/control is taken as a renamed before-image.
 */
function dmsBeforeImage(doc: Record<string, unknown>): Record<string, unknown> | null {
  const named = doc['before-image'];
  if (named !== undefined) return isPlainObject(named) ? named : null;
  for (const k in doc) {
    if (DMS_KNOWN_KEYS.has(k)) continue;
    const v = doc[k];
    if (isPlainObject(v)) return v;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// Debezium (envelope {schema, payload} or the bare payload when schemas are disabled)

const DEBEZIUM_OPS: Record<string, CdcOperation> = { c: 'insert', u: 'update', d: 'delete', r: 'load', t: 'truncate', m: 'message' };

export function debeziumView(doc: Record<string, unknown>): CdcView | null {
  let env = doc;
  if ('schema' in doc && isPlainObject(doc.payload)) env = doc.payload;
  const op = env.op;
  const source = env.source;
  if (typeof op !== 'string' || !isPlainObject(source)) return null;
  const known = Object.hasOwn(DEBEZIUM_OPS, op);
  if (!('after' in env) && !('before' in env) && !known) return null;

  const operation = known ? DEBEZIUM_OPS[op]! : op;
  const data = isPlainObject(env.after) ? env.after : null;
  const before = isPlainObject(env.before) ? env.before : null;
  const transaction = isPlainObject(env.transaction) ? env.transaction : null;
  // A message event belongs to no table: its source.schema and source.table are empty, and source.db is
  // the database, not a schema.
  const isMessage = operation === 'message';
  const view: CdcView = {
    recordType: 'data',
    operation,
    schema: isMessage ? nonEmptyString(source.schema) : (nonEmptyString(source.schema) ?? nonEmptyString(source.db)),
    table: nonEmptyString(source.table),
    data,
    before,
    changed: operation === 'update' ? changedColumns(data, before) : null,
    transactionId: idOrNull(source.txId) ?? idOrNull(transaction?.id),
    // source.ts_ms is when the change was committed in the source database; the envelope's ts_ms is when
    // the connector processed it (Debezium connector docs, "change event values").
    commitTime: debeziumTime(source),
    key: null,
  };
  const ts = debeziumTime(env);
  if (ts !== null) view.timestamp = ts;
  if (view.changed === null && operation === 'update') addPartialChanges(view);
  if (isMessage) view.message = debeziumMessage(env.message);
  return view;
}

/**
 * A logical decoding message: `{prefix, content}`, the content bytes in base64 (the JSON converter's default
 * binary.handling.mode; base64-url-safe is read too). Text content is decoded for the reader.
 */
function debeziumMessage(m: unknown): CdcMessage {
  if (!isPlainObject(m)) return { prefix: null, content: null, contentBase64: null };
  const prefix = typeof m.prefix === 'string' ? m.prefix : null;
  const raw = m.content;
  if (typeof raw !== 'string') return { prefix, content: null, contentBase64: null };
  if (!BASE64.test(raw) || raw.length % 4 === 1) return { prefix, content: raw, contentBase64: null };
  const bytes = Buffer.from(raw, 'base64');
  return { prefix, content: isText(bytes) ? bytes.toString('utf8') : null, contentBase64: raw };
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
// eslint-disable-next-line no-control-regex
const CONTROL_BYTES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Valid UTF-8 without control characters other than tab and line breaks. */
function isText(bytes: Buffer): boolean {
  return isUtf8(bytes) && !CONTROL_BYTES.test(bytes.toString('latin1'));
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

/**
 * For an update whose changed set is unknown: the certain changes (a before-image column whose value
 * differs, e.g. a primary key that changed: PostgreSQL then logs the old key) and the columns whose old value
 * is unknown. Assigned after `timestamp`, the order the `tail --json` line is written in.
 */
function addPartialChanges(view: CdcView): void {
  const data = view.data;
  if (data === null) return;
  const before = view.before ?? {};
  const certain: string[] = [];
  const unknown: string[] = [];
  for (const k in data) {
    if (!Object.hasOwn(before, k)) unknown.push(k);
    else if (!sameJson(before[k], data[k])) certain.push(k);
  }
  view.certainChanges = certain;
  view.unknownOld = unknown;
}

/**
 * Columns whose value differs between before and data. null (unknown) when there is no before-image, when it
 * is empty, or when it is key-only: PostgreSQL sources give only the key columns, so a before-image whose keys
 * are a strict subset of data's keys says nothing about the other columns.
 */
export function changedColumns(data: Record<string, unknown> | null, before: Record<string, unknown> | null): string[] | null {
  if (data === null || before === null) return null;
  // One pass over data, no key arrays and no own-property call per column: this runs for every update
  // record a tail reads. An own-property check is needed only when before[k] may come from
  // Object.prototype: a missing value, a function (never a JSON value), or the key __proto__.
  const changed: string[] = [];
  let dataCount = 0;
  let shared = 0;
  for (const k in data) {
    dataCount++;
    const b = before[k];
    if ((b === undefined || typeof b === 'function' || k === '__proto__') && !Object.hasOwn(before, k)) {
      changed.push(k);
      continue;
    }
    shared++;
    const d = data[k];
    if (b !== d && !sameJson(b, d)) changed.push(k);
  }
  let beforeCount = 0;
  for (const _ in before) beforeCount++;
  if (beforeCount === 0) return null;
  if (shared === beforeCount) return beforeCount < dataCount ? null : changed;
  for (const k in before) {
    if (!Object.hasOwn(data, k)) changed.push(k);
  }
  return changed;
}

/** Deep equality of JSON values (depth already bounded by MAX_JSON_DEPTH). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  for (const k of ak) {
    if (!Object.hasOwn(b, k) || !sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function nonEmptyString(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function scalarString(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

function idOrNull(v: unknown): string | number | null {
  return typeof v === 'string' || typeof v === 'number' ? v : null;
}

/**
 * Debezium's ts_ms, else (Debezium 2.x and later also write them) ts_us or ts_ns, as ISO-8601 with
 * milliseconds. 0 is unknown, not 1970: snapshots, tests and several documented examples write it.
 */
function debeziumTime(o: Record<string, unknown>): string | null {
  return epochToIso(o.ts_ms, 1) ?? epochToIso(o.ts_us, 1e3) ?? epochToIso(o.ts_ns, 1e6);
}

/** Date.prototype.toISOString throws outside ±8.64e15 ms; such values, like 0, are treated as unknown. */
function epochToIso(v: unknown, perMs: number): string | null {
  if (typeof v !== 'number' || v === 0 || !Number.isFinite(v)) return null;
  const ms = perMs === 1 ? v : Math.floor(v / perMs);
  if (Math.abs(ms) > 8.64e15) return null;
  return new Date(ms).toISOString();
}

/** A DMS time as written; null when absent, empty, or the zero epoch (1970-01-01T00:00:00, any precision). */
function dmsTime(v: unknown): string | null {
  if (typeof v !== 'string' || v === '' || v === '0') return null;
  return v.startsWith('1970-01-01') && ZERO_EPOCH.test(v) ? null : v;
}
const ZERO_EPOCH = /^1970-01-01[T ]00:00:00(?:\.0*)?Z?$/;
