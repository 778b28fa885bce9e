/**
 * CDC record decoding (pure): bytes + record metadata → one or more record views.
 * Used by tail, lag, produce and the benchmarks. The record format is described in docs/cdc-records.md.
 *
 * Order of the checks, cheapest first: gzip magic (1f 8b) → inflate; KPL magic (F3 89 9A C2) → de-aggregate;
 * then each payload: UTF-8 validity (simdutf, native), one UTF-8 decode, at most one JSON.parse, then a few
 * property lookups to tell DMS from Debezium from any other JSON. decodeRecord never throws: whatever cannot
 * be decoded comes back as a view with `error` set and the bytes in `payloadBase64`.
 */
import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { debeziumView, dmsView, isPlainObject, splitDmsText } from './decode-cdc.js';
import { MIB } from './units.js';

export { changedColumns, splitDmsText, type DmsSplit } from './decode-cdc.js';

/** `tombstone`: a record of 0 bytes, as Debezium Server's Kinesis sink writes after a delete (its partition key is the row key). */
export type RecordFormat = 'dms' | 'debezium' | 'json' | 'text' | 'binary' | 'tombstone';
export type CdcOperation = 'insert' | 'update' | 'delete' | 'load' | 'truncate' | 'message' | 'control' | string;

export interface RecordMeta {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  /** ApproximateArrivalTimestamp of the Kinesis record. */
  arrivalTime: Date | undefined;
}

export interface CdcView {
  recordType: 'data' | 'control';
  /** insert | update | delete | load | truncate for data records; the DMS control operation (create-table, add-column, …) for control records. */
  operation: CdcOperation;
  schema: string | null;
  table: string | null;
  data: Record<string, unknown> | null;
  before: Record<string, unknown> | null;
  /** Columns whose value differs between before and data; null when unknown (no before-image, or a key-only one). */
  changed: string[] | null;
  transactionId: string | number | null;
  commitTime: string | null;
  /** DMS partition-key-value when present. */
  key: string | null;
  /** DMS control details (table-def …) when present. */
  control?: unknown;
  /** When the message was built: DMS metadata.timestamp, Debezium ts_ms (ISO-8601). Not the commit time. */
  timestamp?: string;
  /**
   * Updates whose `changed` is unknown (a key-only before-image, or none): the before-image's columns whose
   * value differs in data (a changed primary key), the only changes that are certain.
   */
  certainChanges?: string[];
  /** The same updates: data's columns whose old value is unknown (the before-image lacks them). */
  unknownOld?: string[];
  /** Debezium message events (op m, PostgreSQL logical decoding messages). */
  message?: CdcMessage;
}

export interface CdcMessage {
  prefix: string | null;
  /** The content decoded from base64 when it is UTF-8 text, the content as written when it is not base64; else null. */
  content: string | null;
  /** The content as the record holds it (Debezium writes bytes in base64), or null when it is not base64. */
  contentBase64: string | null;
}

export interface RecordView {
  shardId: string;
  sequenceNumber: string;
  subSequenceNumber?: number;
  partitionKey: string;
  /** ISO-8601. */
  arrivalTime: string | null;
  format: RecordFormat;
  cdc: CdcView | null;
  /**
   * The parsed JSON document (dms, debezium, json), or the text (text). For dms/debezium, cdc.data and
   * cdc.before point into it; toJsonRecord leaves it out for them so the output does not carry the row twice.
   */
  payload?: unknown;
  payloadBase64?: string;
  /** Set when the record (or this user record of an aggregate) could not be decoded; payloadBase64 then holds its bytes. */
  error?: string;
  /** Set when the payload was gzip-compressed. */
  compressed?: 'gzip';
  /**
   * The payload as decoded UTF-8 text (after gunzip), kept because it was decoded anyway: --grep and
   * raw output use it without re-serializing. Not part of the JSON output; redactView drops it.
   */
  text?: string;
  /**
   * cdc.data and cdc.before as JSON text copied from the record (DMS single-line records only, see
   * splitDmsText), so `tail --json` need not serialize the parsed rows again. Dropped with `text` by redactView.
   */
  rowJson?: RowJson;
}

export interface RowJson {
  data: string;
  before: string;
}

/**
 * Parsed JSON nested deeper than this is reported as undecodable: V8's JSON.parse is iterative and accepts any
 * depth, but JSON.stringify (and any recursive walk) overflows the stack a few thousand levels down, which
 * would crash `tail --json` on one hostile record. No CDC record nests anywhere near this deep.
 */
export const MAX_JSON_DEPTH = 512;

/**
 * Cap on one inflated payload. A Kinesis record is at most 10 MiB (Kinesis Data Streams Developer Guide, Handle large records); a gzip
 * bomb of that size could otherwise inflate to gigabytes and take the process down.
 */
export const MAX_INFLATED_BYTES = 256 * MIB;

/** KPL aggregation format: 4 magic bytes, protobuf AggregatedRecord, 16-byte MD5 of the protobuf (amazon-kinesis-producer aggregation-format.md). */
const KPL_MAGIC_0 = 0xf3;
const KPL_MAGIC_1 = 0x89;
const KPL_MAGIC_2 = 0x9a;
const KPL_MAGIC_3 = 0xc2;
const KPL_MD5_BYTES = 16;

type BaseView = Pick<RecordView, 'shardId' | 'sequenceNumber' | 'subSequenceNumber' | 'partitionKey' | 'arrivalTime'>;

/**
 * Views are built with explicit literals, never `{ ...base }`: object spread takes V8's slow CloneObject path
 * (docs/performance.md, "Decode").
 */
function newView(base: BaseView, format: RecordFormat, cdc: CdcView | null, compressed: 'gzip' | undefined): RecordView {
  const view: RecordView =
    base.subSequenceNumber === undefined
      ? { shardId: base.shardId, sequenceNumber: base.sequenceNumber, partitionKey: base.partitionKey, arrivalTime: base.arrivalTime, format, cdc }
      : {
          shardId: base.shardId,
          sequenceNumber: base.sequenceNumber,
          subSequenceNumber: base.subSequenceNumber,
          partitionKey: base.partitionKey,
          arrivalTime: base.arrivalTime,
          format,
          cdc,
        };
  if (compressed) view.compressed = compressed;
  return view;
}

export function decodeRecord(data: Uint8Array, meta: RecordMeta): RecordView[] {
  const base: BaseView = {
    shardId: String(meta.shardId),
    sequenceNumber: String(meta.sequenceNumber),
    partitionKey: String(meta.partitionKey),
    arrivalTime: isoTime(meta.arrivalTime),
  };
  let bytes: Buffer;
  try {
    // A Buffer view over the same memory: no copy.
    bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  } catch (err) {
    const view = newView(base, 'binary', null, undefined);
    view.payloadBase64 = '';
    view.error = `not a byte array: ${message(err)}`;
    return [view];
  }
  try {
    let compressed: 'gzip' | undefined;
    if (isGzip(bytes)) {
      const inflated = inflate(bytes);
      if (typeof inflated === 'string') return [errorView(base, bytes, inflated, 'gzip')];
      bytes = inflated;
      compressed = 'gzip';
    }
    if (isKpl(bytes)) return decodeAggregate(bytes, base, compressed);
    return [decodePayload(bytes, base, compressed)];
  } catch (err) {
    // Nothing above is expected to throw; this keeps the promise "never throws" if something does.
    return [errorView(base, bytes, `cannot decode: ${message(err)}`)];
  }
}

// ---------------------------------------------------------------------------------------------------------
// Bytes

function isGzip(b: Buffer): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

function isKpl(b: Buffer): boolean {
  return b.length >= 4 && b[0] === KPL_MAGIC_0 && b[1] === KPL_MAGIC_1 && b[2] === KPL_MAGIC_2 && b[3] === KPL_MAGIC_3;
}

/** The inflated bytes, or the reason they cannot be had. */
function inflate(b: Buffer): Buffer | string {
  try {
    return gunzipSync(b, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (err) {
    return `truncated or corrupt gzip: ${message(err)}`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// KPL aggregates

interface KplUserRecord {
  partitionKey?: unknown;
  subSequenceNumber: number;
  data: string;
}
interface KinesisAggModule {
  deaggregateSync(
    record: { partitionKey: string; sequenceNumber: string; data: string },
    computeChecksums: boolean,
    done: (err: Error | null | undefined, records?: KplUserRecord[]) => void,
  ): void;
}

let kinesisAgg: KinesisAggModule | undefined;

/**
 * aws-kinesis-agg is loaded on the first aggregated record, not at import: it pulls in protobufjs and async,
 * which are slow to load (docs/performance.md, "Decode"), and most streams never carry a KPL aggregate. createRequire keeps the load
 * synchronous, so decodeRecord stays synchronous.
 */
function loadKinesisAgg(): KinesisAggModule {
  kinesisAgg ??= createRequire(import.meta.url)('aws-kinesis-agg') as KinesisAggModule;
  return kinesisAgg;
}

/**
 * De-aggregates with aws-kinesis-agg's deaggregateSync and computeChecksums=true: it decodes the protobuf and
 * checks the MD5 trailer, calling back synchronously (its callbacks run before it returns). Its input and its
 * user records' data are base64 strings, which costs two copies per aggregate; aggregates are rare in DMS
 * streams, so the library's verified decoder is worth that. When the MD5 does not match, the library returns
 * no user records: the whole Kinesis record is flagged and kept as bytes, never silently trusted.
 */
function decodeAggregate(bytes: Buffer, base: BaseView, compressed: 'gzip' | undefined): RecordView[] {
  if (bytes.length < 4 + KPL_MD5_BYTES) {
    return [errorView(base, bytes, `KPL aggregate too short (${bytes.length} bytes) to hold its MD5 trailer`, compressed)];
  }
  let failure: string | undefined;
  let userRecords: KplUserRecord[] = [];
  try {
    loadKinesisAgg().deaggregateSync(
      { partitionKey: base.partitionKey, sequenceNumber: base.sequenceNumber, data: bytes.toString('base64') },
      true,
      (err, records) => {
        // The library may call back more than once (a failed user record, then the end); keep the first failure.
        if (err) failure ??= message(err);
        if (records) userRecords = records;
      },
    );
  } catch (err) {
    failure ??= message(err);
  }
  if (failure !== undefined) {
    const reason = /checksum/i.test(failure) ? 'KPL aggregate MD5 mismatch: the record is corrupt or was altered' : `bad KPL aggregate: ${failure}`;
    return [errorView(base, bytes, reason, compressed)];
  }
  if (userRecords.length === 0) return [errorView(base, bytes, 'KPL aggregate holds no user records', compressed)];

  const views: RecordView[] = [];
  for (let i = 0; i < userRecords.length; i++) {
    const user = userRecords[i]!;
    const subSequenceNumber = typeof user.subSequenceNumber === 'number' ? user.subSequenceNumber : i;
    const userBytes = Buffer.from(user.data, 'base64');
    const partitionKey = typeof user.partitionKey === 'string' ? user.partitionKey : base.partitionKey;
    const userBase: BaseView = { shardId: base.shardId, sequenceNumber: base.sequenceNumber, subSequenceNumber, partitionKey, arrivalTime: base.arrivalTime };
    if (typeof user.partitionKey !== 'string') {
      views.push(errorView(userBase, userBytes, 'KPL user record points outside the partition key table', compressed));
      continue;
    }
    let payload: Buffer = userBytes;
    let userCompressed = compressed;
    if (isGzip(userBytes)) {
      const inflated = inflate(userBytes);
      if (typeof inflated === 'string') {
        views.push(errorView(userBase, userBytes, inflated, 'gzip'));
        continue;
      }
      payload = inflated;
      userCompressed = 'gzip';
    }
    views.push(decodePayload(payload, userBase, userCompressed));
  }
  return views;
}

// ---------------------------------------------------------------------------------------------------------
// Payloads

function decodePayload(bytes: Buffer, base: BaseView, compressed: 'gzip' | undefined): RecordView {
  if (bytes.length === 0) return newView(base, 'tombstone', null, compressed);
  const first = firstNonSpace(bytes);
  const looksLikeJson = first === 0x7b /* { */ || first === 0x5b; /* [ */
  let text: string;
  if (looksLikeJson) {
    // Invalid UTF-8 decodes to U+FFFD, so only a text holding one needs the (costly) byte check. The check
    // runs first for other payloads: binary ones are not decoded in vain.
    text = bytes.toString('utf8');
    if (text.includes('\ufffd') && !isUtf8(bytes)) return errorView(base, bytes, 'invalid UTF-8 in a JSON payload', compressed);
  } else {
    if (!isUtf8(bytes)) {
      const view = newView(base, 'binary', null, compressed);
      view.payloadBase64 = bytes.toString('base64');
      return view;
    }
    text = bytes.toString('utf8');
  }
  if (looksLikeJson || mayStartJsonScalar(first)) {
    const split = first === 0x7b ? splitDmsText(text) : undefined;
    let parsed: unknown;
    try {
      parsed = split ? split.doc : JSON.parse(text);
    } catch (err) {
      if (looksLikeJson) return errorView(base, bytes, `invalid JSON: ${message(err)}`, compressed);
      return textView(base, text, compressed);
    }
    if (parsed !== null && typeof parsed === 'object' && openingBracketsExceed(text, MAX_JSON_DEPTH) && exceedsDepth(parsed, 0)) {
      return errorView(base, bytes, `JSON nested deeper than ${MAX_JSON_DEPTH} levels`, compressed);
    }
    let view: RecordView | undefined;
    if (isPlainObject(parsed)) {
      const dms = dmsView(parsed);
      if (dms) view = newView(base, 'dms', dms, compressed);
      else {
        const debezium = debeziumView(parsed);
        if (debezium) view = newView(base, 'debezium', debezium, compressed);
      }
    }
    view ??= newView(base, 'json', null, compressed);
    view.payload = parsed;
    view.text = text;
    const cdc = view.cdc;
    if (split && cdc && view.format === 'dms') {
      // A row that is not an object is shown as null (dmsView); only an object's own text can stand for it.
      view.rowJson = { data: cdc.data === null ? 'null' : split.dataJson, before: cdc.before === null ? 'null' : (split.beforeJson ?? 'null') };
    }
    return view;
  }
  return textView(base, text, compressed);
}

function textView(base: BaseView, text: string, compressed: 'gzip' | undefined): RecordView {
  const view = newView(base, 'text', null, compressed);
  view.payload = text;
  view.text = text;
  return view;
}

function errorView(base: BaseView, bytes: Uint8Array, error: string, compressed?: 'gzip'): RecordView {
  const view = newView(base, 'binary', null, compressed);
  view.payloadBase64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  view.error = error;
  return view;
}

function firstNonSpace(b: Buffer): number {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    // JSON whitespace: space, tab, LF, CR (RFC 8259 §2).
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return c;
  }
  return -1;
}

/** A string, number, true, false or null can be a whole JSON text too (RFC 8259 §2). */
function mayStartJsonScalar(c: number): boolean {
  return c === 0x22 || c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e;
}

/**
 * Each level of nesting opens with its own { or [, so a text with at most `limit` of them (inside strings or
 * not) cannot nest deeper than that. Counting them with indexOf is much cheaper than walking the parsed value.
 */
function openingBracketsExceed(text: string, limit: number): boolean {
  let n = 0;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++n > limit) return true;
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++n > limit) return true;
  return false;
}

/** Bounded recursion: returns as soon as MAX_JSON_DEPTH is passed, so the walk itself cannot overflow. */
function exceedsDepth(value: object, depth: number): boolean {
  if (depth >= MAX_JSON_DEPTH) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (v !== null && typeof v === 'object' && exceedsDepth(v, depth + 1)) return true;
    }
    return false;
  }
  for (const k in value) {
    const v: unknown = (value as Record<string, unknown>)[k];
    if (v !== null && typeof v === 'object' && exceedsDepth(v, depth + 1)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// Times and messages

/**
 * ISO-8601 of an arrival time, the time of day formatted by hand and the date part memoized (records fetched
 * together share a day): Date.prototype.toISOString was a large share of a record's decoding
 * (docs/performance.md, "Decode"). Outside years 1970..9999 it falls back to toISOString.
 */
const DAY_MS = 86_400_000;
const YEAR_10000_MS = 253_402_300_800_000;
let memoDayMs = Number.NaN;
let memoDayPrefix = '';
function isoTime(d: Date | undefined): string | null {
  if (!(d instanceof Date)) return null;
  const ms = d.getTime();
  if (Number.isNaN(ms)) return null;
  if (ms < 0 || ms >= YEAR_10000_MS) return d.toISOString();
  const dayMs = ms - (ms % DAY_MS);
  if (dayMs !== memoDayMs) {
    memoDayPrefix = new Date(dayMs).toISOString().slice(0, 11); // "YYYY-MM-DDT"
    memoDayMs = dayMs;
  }
  let rest = ms - dayMs;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const sec = Math.floor(rest / 1000);
  rest -= sec * 1000;
  return `${memoDayPrefix}${pad2(h)}:${pad2(m)}:${pad2(sec)}.${rest < 10 ? '00' : rest < 100 ? '0' : ''}${rest}Z`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
