/**
 * `put`'s input formats: each file or S3 object becomes records (partition key, data bytes, optional
 * explicit hash key) or bad inputs named by file and line. Pure: bytes in, records out.
 *
 * - tail: the NDJSON `cdcpipe tail --json` writes. Data from `dataBase64` (`tail --include-raw`, the
 *   record's bytes), else `payloadBase64`, else a text `payload`, else a JSON `payload` re-serialized.
 * - lines: each line is one record's data.
 * - firehose-archive: what Firehose wrote to S3: concatenated JSON documents or one record per line.
 * - firehose-errors: Firehose error output, one JSON object per line with `rawData` (base64),
 *   `errorCode` and `errorMessage`.
 */
import { gzipSync } from 'node:zlib';
import { HASH_KEY_MAX, PARTITION_KEY_MAX_CHARS } from './limits.js';
import { renderKey, type KeyTemplate } from './put-key.js';
import { splitDocuments, splitLines, startsWithJson, type Piece } from './put-split.js';

export const PUT_FORMATS = ['auto', 'tail', 'lines', 'firehose-archive', 'firehose-errors'] as const;
export type PutFormatFlag = (typeof PUT_FORMATS)[number];
export type PutFormat = Exclude<PutFormatFlag, 'auto'>;

export interface PutRecord {
  partitionKey: string;
  data: Uint8Array;
  explicitHashKey?: string;
}

export interface BadInput {
  where: string;
  reason: string;
  /** The input as read (cut to a few KiB), so a --failed-file keeps what was wrong. */
  text?: string;
}

export interface ParseOptions {
  /** --key: where keys come from; without it, tail lines keep their own and other formats use `auto`. */
  key?: KeyTemplate;
  defaultKey: KeyTemplate;
  maxRecordBytes: number;
  /** --error-code (firehose-errors): only these codes are put. */
  errorCodes?: ReadonlySet<string>;
  random(): number;
}

export interface ParsedSource {
  format: PutFormat;
  records: PutRecord[];
  bad: BadInput[];
  /** firehose-errors: lines per errorCode, all of them (before --error-code). */
  byErrorCode: Record<string, number>;
  /** Lines left out by --error-code. */
  filtered: number;
  /** tail lines whose data is a JSON payload re-serialized (not the record's exact bytes). */
  reserialized: number;
}

const BAD_TEXT_MAX = 4096;
const encoder = new TextEncoder();

/** `auto`: tail or firehose-errors by the first line's members; else an archive (JSON documents or lines). */
export function detectFormat(bytes: Uint8Array): PutFormat {
  const first = splitLines(bytes.subarray(0, Math.min(bytes.length, 64 * 1024)))[0];
  if (first) {
    const obj = parseObject(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8', first.start, first.end));
    if (obj) {
      if (typeof obj.rawData === 'string' && ('errorCode' in obj || 'lastErrorCode' in obj)) return 'firehose-errors';
      // A --failed-file line of a bad input: read as tail, so it is reported as bad again, never written.
      if (typeof obj.bad === 'string' && typeof obj.input === 'string') return 'tail';
      if (typeof obj.partitionKey === 'string' && ('dataBase64' in obj || 'payload' in obj || 'payloadBase64' in obj || 'sequenceNumber' in obj)) return 'tail';
    }
  }
  return startsWithJson(bytes) ? 'firehose-archive' : 'lines';
}

export function parseSource(name: string, bytes: Uint8Array, format: PutFormat, opts: ParseOptions): ParsedSource {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: ParsedSource = { format, records: [], bad: [], byErrorCode: {}, filtered: 0, reserialized: 0 };
  const pieces: Piece[] = format === 'firehose-archive' && startsWithJson(buf) ? splitDocuments(buf) : splitLines(buf);
  const bad = (piece: Piece, reason: string): void =>
    void out.bad.push({ where: `${name}:${piece.line}`, reason, text: buf.toString('utf8', piece.start, Math.min(piece.end, piece.start + BAD_TEXT_MAX)) });
  for (const piece of pieces) {
    if (piece.unterminated) {
      bad(piece, 'a JSON document that does not end (the object is cut short)');
      continue;
    }
    const result = parsePiece(buf, piece, format, opts, out);
    if (result === undefined) continue;
    if (typeof result === 'string') {
      bad(piece, result);
      continue;
    }
    const size = result.data.length + Buffer.byteLength(result.partitionKey, 'utf8');
    if (size > opts.maxRecordBytes) {
      bad(piece, `a record of ${size} bytes (data + partition key), over the stream's maximum record size of ${opts.maxRecordBytes} bytes`);
      continue;
    }
    out.records.push(result);
  }
  return out;
}

type Parsed = PutRecord | string | undefined;

function parsePiece(buf: Buffer, piece: Piece, format: PutFormat, opts: ParseOptions, out: ParsedSource): Parsed {
  if (format === 'tail') return parseTailLine(buf.toString('utf8', piece.start, piece.end), piece.line, opts, out);
  if (format === 'firehose-errors') return parseErrorLine(buf.toString('utf8', piece.start, piece.end), piece.line, opts, out);
  const data = buf.subarray(piece.start, piece.end);
  let json: unknown;
  let parsed = false;
  const doc = (): unknown => {
    if (!parsed) {
      parsed = true;
      json = parseJson(data.toString('utf8'));
    }
    return json;
  };
  if (format === 'firehose-archive' && (data[0] === 0x7b || data[0] === 0x5b) && doc() === undefined) return 'not valid JSON';
  return keyed(data, opts.key ?? opts.defaultKey, doc, piece.line, opts);
}

function keyed(data: Uint8Array, template: KeyTemplate, doc: () => unknown, line: number, opts: ParseOptions, explicitHashKey?: string): Parsed {
  const key = renderKey(template, { json: doc, line, random: opts.random });
  if ('error' in key) return key.error;
  return explicitHashKey === undefined ? { partitionKey: key.key, data } : { partitionKey: key.key, data, explicitHashKey };
}

function parseTailLine(text: string, line: number, opts: ParseOptions, out: ParsedSource): Parsed {
  const obj = parseObject(text);
  if (!obj) return 'not a JSON object (expected a `cdcpipe tail --json` line)';
  if (typeof obj.bad === 'string') return `marked bad by an earlier put: ${obj.bad}`;
  let data: Uint8Array;
  if (typeof obj.dataBase64 === 'string' || typeof obj.payloadBase64 === 'string') {
    const member = typeof obj.dataBase64 === 'string' ? 'dataBase64' : 'payloadBase64';
    const decoded = decodeBase64(obj[member] as string);
    if (!decoded) return `${member} is not valid base64`;
    data = decoded;
  } else if (typeof obj.payload === 'string' && obj.format !== 'json') {
    data = encoder.encode(obj.payload);
  } else if (obj.format === 'dms' || obj.format === 'debezium') {
    return `a ${obj.format} record without its bytes (tail --json leaves the document out): write the input with \`cdcpipe tail --json --include-raw\``;
  } else if (obj.payload !== undefined) {
    data = encoder.encode(JSON.stringify(obj.payload));
    out.reserialized++;
  } else {
    return 'no data: expected dataBase64, payloadBase64 or payload';
  }
  // tail shows a gzip record inflated and says so: write it compressed again, as it was.
  if (obj.compressed === 'gzip' && !(data[0] === 0x1f && data[1] === 0x8b)) data = gzipSync(data);
  let explicitHashKey: string | undefined;
  if (obj.explicitHashKey !== undefined) {
    if (typeof obj.explicitHashKey !== 'string' || !/^\d{1,39}$/.test(obj.explicitHashKey) || BigInt(obj.explicitHashKey) > HASH_KEY_MAX) {
      return 'explicitHashKey: expected a decimal number in 0 .. 2^128 - 1';
    }
    explicitHashKey = obj.explicitHashKey;
  }
  if (opts.key) return keyed(data, opts.key, () => parseJson(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')), line, opts, explicitHashKey);
  const key = obj.partitionKey;
  if (typeof key !== 'string' || key === '') return 'partitionKey: missing or empty (or pass --key)';
  if (key.length > PARTITION_KEY_MAX_CHARS && [...key].length > PARTITION_KEY_MAX_CHARS) return `partitionKey: more than ${PARTITION_KEY_MAX_CHARS} characters`;
  return explicitHashKey === undefined ? { partitionKey: key, data } : { partitionKey: key, data, explicitHashKey };
}

function parseErrorLine(text: string, line: number, opts: ParseOptions, out: ParsedSource): Parsed {
  const obj = parseObject(text);
  if (!obj || typeof obj.rawData !== 'string') return 'not a Firehose error record (expected a JSON object with rawData)';
  const code = String(obj.errorCode ?? obj.lastErrorCode ?? 'unknown');
  out.byErrorCode[code] = (out.byErrorCode[code] ?? 0) + 1;
  if (opts.errorCodes && !opts.errorCodes.has(code)) {
    out.filtered++;
    return undefined;
  }
  const data = decodeBase64(obj.rawData);
  if (!data) return 'rawData is not valid base64';
  return keyed(data, opts.key ?? opts.defaultKey, () => parseJson(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')), line, opts);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  const v = parseJson(text);
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/**
 * Strict base64: padded to a multiple of 4, the standard alphabet only. Buffer.from skips characters
 * outside the alphabet and stops at an inner `=`, so any of those decodes fewer bytes than the length
 * promises; it also takes the URL-safe `-` and `_`, which are refused here. (One decode and a length check,
 * not a regular expression over every character: this runs once per record.)
 */
export function decodeBase64(text: string): Buffer | undefined {
  const n = text.length;
  if (n % 4 !== 0 || text.includes('-') || text.includes('_')) return undefined;
  const padding = text.charCodeAt(n - 1) !== 0x3d ? 0 : text.charCodeAt(n - 2) === 0x3d ? 2 : 1;
  const decoded = Buffer.from(text, 'base64');
  return decoded.length === (n / 4) * 3 - padding ? decoded : undefined;
}

/** A record as one line of the `tail` format: what --failed-file holds, and what `put` reads back. */
export function tailLine(rec: { partitionKey: string; data: Uint8Array; explicitHashKey?: string }, extra: Record<string, string> = {}): string {
  const data = Buffer.from(rec.data.buffer, rec.data.byteOffset, rec.data.byteLength).toString('base64');
  return JSON.stringify({ partitionKey: rec.partitionKey, dataBase64: data, ...(rec.explicitHashKey !== undefined ? { explicitHashKey: rec.explicitHashKey } : {}), ...extra });
}

/** A bad input as a --failed-file line: `put` reads it back as bad again, never as data. */
export function badLine(bad: BadInput): string {
  return JSON.stringify({ bad: bad.reason, input: bad.where, ...(bad.text !== undefined ? { text: bad.text } : {}) });
}
