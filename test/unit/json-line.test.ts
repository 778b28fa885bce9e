/**
 * The `tail --json` fast path: decode cuts a single-line DMS record into its data, before-image and metadata
 * texts (splitDmsText), and formatJsonLine copies the rows' text into the line instead of serializing them
 * again. Both must give what the plain path gives (JSON.parse of the whole text; JSON.stringify of
 * toJsonRecord): byte for byte for compactly written records, the same values otherwise. Inputs come from a
 * seeded PRNG, so a failure reproduces.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeRecord, splitDmsText, type RecordMeta, type RecordView } from '../../src/core/decode.js';
import { REDACTED, redactView } from '../../src/core/record-filter.js';
import { seededRandom } from '../../src/core/random.js';
import { formatJsonLine, toJsonRecord } from '../../src/render/record.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const META: RecordMeta = {
  shardId: 'shardId-000000000003',
  sequenceNumber: '49650000000000000000000000000000000000000000000000000042',
  partitionKey: 'shop.orders.1001',
  arrivalTime: new Date('2026-11-20T10:16:02.507Z'),
};
const decode = (text: string | Buffer, meta: RecordMeta = META): RecordView => decodeRecord(typeof text === 'string' ? Buffer.from(text) : text, meta)[0]!;
const slowLine = (view: RecordView): string => JSON.stringify(toJsonRecord(view));
/** A fixture as DMS writes it with MessageFormat json-unformatted: one line, no spaces. */
const compact = (file: string): string => JSON.stringify(JSON.parse(readFileSync(FIXTURES + file, 'utf8')));

const METADATA = { timestamp: '2026-11-20T10:16:02.000118Z', 'record-type': 'data', operation: 'update', 'partition-key-type': 'primary-key', 'partition-key-value': 'shop.orders.1001', 'schema-name': 'shop', 'table-name': 'orders', 'transaction-id': 73014444107 };

/** Values that stress the cut: the member names themselves, quotes, backslashes, escapes, unicode, nesting. */
const TRICKY_STRINGS = [
  ',"metadata":{',
  ',"before-image":{"a":1}',
  '},"metadata":{"x":1}}',
  'quote " and backslash \\',
  'line\nbreak\ttab\r',
  'naïve café ☕ 😀',
  '\u2028\u2029',
  '\u0000\u001f',
  '\ud800 lone surrogate',
  '',
];
const TRICKY_KEYS = ['metadata', 'before-image', 'data', '__proto__', 'constructor', '1', '0', 'a b', 'é', 'q"uote', 'back\\slash', 'ctl\u0001', '\ud800'];

function randomValue(rand: () => number, depth: number): unknown {
  const r = rand();
  if (r < 0.25) return TRICKY_STRINGS[Math.floor(rand() * TRICKY_STRINGS.length)];
  if (r < 0.4) return Math.floor(rand() * 2 ** 40) - 2 ** 39;
  if (r < 0.5) return rand() * 1000;
  if (r < 0.55) return null;
  if (r < 0.6) return rand() < 0.5;
  if (r < 0.7 && depth < 3) return Array.from({ length: Math.floor(rand() * 3) }, () => randomValue(rand, depth + 1));
  if (r < 0.8 && depth < 3) return randomRow(rand, depth + 1);
  return `v${Math.floor(rand() * 1000)}`;
}

function randomRow(rand: () => number, depth = 0): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  const n = Math.floor(rand() * 6);
  for (let i = 0; i < n; i++) {
    const key = rand() < 0.3 ? TRICKY_KEYS[Math.floor(rand() * TRICKY_KEYS.length)]! : `col_${Math.floor(rand() * 8)}`;
    // defineProperty: a plain assignment to __proto__ would set the prototype, not a column.
    Object.defineProperty(row, key, { value: randomValue(rand, depth), enumerable: true, writable: true, configurable: true });
  }
  return row;
}

/** A DMS-shaped document: data, sometimes a before-image (an object, or now and then null or an array), metadata, sometimes extra members. */
function randomDmsText(rand: () => number): string {
  const data = randomRow(rand);
  const doc: Record<string, unknown> = { data: rand() < 0.05 ? [1] : data };
  const b = rand();
  if (b < 0.5) doc['before-image'] = { ...data, status: 'OLD' };
  else if (b < 0.6) doc['before-image'] = randomRow(rand);
  else if (b < 0.65) doc['before-image'] = null;
  else if (b < 0.7) doc['before-image'] = ['not', 'an', 'object'];
  const tricky = () => TRICKY_STRINGS[Math.floor(rand() * TRICKY_STRINGS.length)];
  const operation = rand() < 0.05 ? tricky() : ['insert', 'update', 'delete', 'load'][Math.floor(rand() * 4)]!;
  doc.metadata = { ...METADATA, operation, ...(rand() < 0.2 ? { 'partition-key-value': tricky() } : {}) };
  if (rand() < 0.1) Object.assign(doc.metadata as object, { 'schema-name': tricky(), 'table-name': tricky() });
  if (rand() < 0.1) doc.extra = { a: 1 };
  if (rand() < 0.05) doc.control = { 'table-def': {} };
  return JSON.stringify(doc);
}

describe('splitDmsText', () => {
  it('cuts a single-line DMS record into its rows and metadata', () => {
    const text = compact('update-before-image-mysql.json');
    const split = splitDmsText(text)!;
    expect(split.doc).toStrictEqual(JSON.parse(text));
    expect(split.dataJson).toBe(JSON.stringify(JSON.parse(text).data));
    expect(split.beforeJson).toBe(JSON.stringify(JSON.parse(text)['before-image']));
    expect(Object.keys(split.doc)).toEqual(['data', 'before-image', 'metadata']);
  });

  it('a record without a before-image: the rows are data alone', () => {
    const split = splitDmsText(compact('insert.json'))!;
    expect(split.beforeJson).toBeUndefined();
    expect(split.doc).toStrictEqual(JSON.parse(compact('insert.json')));
  });

  it.each([
    ['pretty-printed (line breaks)', readFileSync(FIXTURES + 'update-before-image-mysql.json', 'utf8')],
    ['a space before the first member', '{ "data":{"a":1},"metadata":{}}'],
    ['metadata first (control record)', compact('control-task-level.json')],
    ['control record', compact('control-create-table.json')],
    ['Debezium', compact('debezium-update-with-schema.json')],
    ['truncated', '{"data":{"id":1,"name":"trunc'],
    ['no metadata', '{"data":{"a":1}}'],
    ['a line break between members', '{"data":{"a":1},\n"metadata":{}}'],
    ['a line break inside a row', '{"data":{"a":\r\n1},"metadata":{"record-type":"data","operation":"insert"}}'],
    ['a renamed before-image', '{"data":{"a":1},"before":{"a":0},"metadata":{"record-type":"data"}}'],
    ['a member after metadata', '{"data":{"a":1},"metadata":{"record-type":"data"},"extra":1}'],
    ['a column named before-image holding an object', '{"data":{"x":{"y":1},"before-image":{"z":2}},"metadata":{"record-type":"data"}}'],
  ])('leaves %s to the whole parse', (_name, text) => {
    expect(splitDmsText(text)).toBeUndefined();
  });

  it('2,000 seeded DMS-shaped texts: the cut either matches JSON.parse of the whole text or is not made', () => {
    const rand = seededRandom(0x5eed);
    const mismatches: string[] = [];
    let cut = 0;
    for (let i = 0; i < 2000; i++) {
      const text = randomDmsText(rand);
      const split = splitDmsText(text);
      if (split === undefined) continue;
      cut++;
      const doc = JSON.parse(text) as Record<string, unknown>;
      // The pieces and the member names put back together are the text itself.
      const rebuilt = `{"data":${split.dataJson}${split.beforeJson === undefined ? '' : `,"before-image":${split.beforeJson}`},"metadata":${JSON.stringify(doc.metadata)}}`;
      // isDeepStrictEqual, not toStrictEqual: vitest reads a column named "constructor" as the object's type.
      if (!isDeepStrictEqual(split.doc, doc) || rebuilt !== text) mismatches.push(text);
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
    // Most texts are cut; those with extra members, or member names inside rows, are not.
    expect(cut).toBeGreaterThan(1400);
    expect(cut).toBeLessThan(2000);
  });
});

describe('decodeRecord on a cut text', () => {
  it('gives the view the whole parse gives, plus the rows as text', () => {
    const rand = seededRandom(42);
    for (let i = 0; i < 500; i++) {
      const text = randomDmsText(rand);
      const fast = decode(text);
      const plain = decode(` ${text}`); // a leading space: not cut, parsed whole
      expect(plain.rowJson).toBeUndefined();
      const { rowJson, text: fastText, ...fastRest } = fast;
      const { text: plainText, ...plainRest } = plain;
      expect(isDeepStrictEqual(fastRest, plainRest)).toBe(true);
      expect(fastText!.trim()).toBe(plainText!.trim());
      if (rowJson) {
        expect(isDeepStrictEqual(JSON.parse(rowJson.data), fast.cdc!.data)).toBe(true);
        expect(isDeepStrictEqual(JSON.parse(rowJson.before), fast.cdc!.before)).toBe(true);
      }
    }
  });

  it('a row that is not an object is null in the view and in the rows text', () => {
    const v = decode('{"data":[1,2],"before-image":"x","metadata":{"record-type":"data","operation":"update","schema-name":"s","table-name":"t"}}');
    expect(v.cdc).toMatchObject({ data: null, before: null });
    expect(v.rowJson).toEqual({ data: 'null', before: 'null' });
  });

  it('deep nesting inside a cut record is still refused, from just past the limit', () => {
    const nested = (depth: number) => decode(`{"data":{"a":${'['.repeat(depth)}${']'.repeat(depth)}},"metadata":{"record-type":"data","operation":"insert"}}`);
    expect(nested(10_000).error).toBe('JSON nested deeper than 512 levels');
    expect(nested(600).error).toBe('JSON nested deeper than 512 levels');
    expect(nested(500).error).toBeUndefined();
  });

  it('a record with a line break inside a row is parsed whole, and its JSON line stays one line', () => {
    const v = decode('{"data":{"a":\n1},"before-image":{"a":\r\n0},"metadata":{"record-type":"data","operation":"update"}}');
    expect(v.rowJson).toBeUndefined();
    expect(v.cdc!.changed).toEqual(['a']);
    expect(formatJsonLine(v)).not.toMatch(/[\r\n]/);
  });

  it('invalid UTF-8 in a cut record is reported, a literal U+FFFD is kept', () => {
    const bad = Buffer.concat([Buffer.from('{"data":{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"},"metadata":{"record-type":"data"}}')]);
    expect(decode(bad).error).toBe('invalid UTF-8 in a JSON payload');
    const replacement = decode('{"data":{"a":"\ufffd"},"metadata":{"record-type":"data","operation":"insert"}}');
    expect(replacement.error).toBeUndefined();
    expect(replacement.cdc!.data).toEqual({ a: '\ufffd' });
  });
});

describe('formatJsonLine', () => {
  it.each(['update-before-image-mysql.json', 'update-transaction-details-postgres.json', 'insert.json', 'delete.json', 'load.json'])(
    '%s written on one line: the line JSON.stringify gives, with the rows copied',
    (file) => {
      const v = decode(compact(file));
      expect(v.rowJson).toBeDefined();
      expect(formatJsonLine(v)).toBe(slowLine(v));
    },
  );

  it('the MySQL update shows status PAID over NEW, changed ["status"]', () => {
    const line = JSON.parse(formatJsonLine(decode(compact('update-before-image-mysql.json'))));
    expect(line.cdc).toMatchObject({ data: { status: 'PAID' }, before: { status: 'NEW' }, changed: ['status'] });
  });

  it('gzip, KPL sub-sequence numbers, odd partition keys and shard ids: still the JSON.stringify line', () => {
    const text = compact('update-before-image-mysql.json');
    const gz = decode(gzipSync(text));
    expect(gz.compressed).toBe('gzip');
    expect(formatJsonLine(gz)).toBe(slowLine(gz));
    const kpl = decodeRecord(readFileSync(FIXTURES + 'kpl-aggregated-3-records.bin'), META);
    for (const v of kpl) expect(formatJsonLine(v)).toBe(slowLine(v));
    for (const key of ['k"q', 'k\\b', 'k\nl', 'é ☕', '\ud800', '\u0001', '😀', '']) {
      const v = decode(text, { ...META, partitionKey: key, shardId: `shardId-${key}` });
      expect(v.rowJson).toBeDefined();
      expect(formatJsonLine(v)).toBe(slowLine(v));
    }
    const noTime = decode(text, { ...META, arrivalTime: undefined });
    expect(formatJsonLine(noTime)).toBe(slowLine(noTime));
  });

  it('2,000 seeded compact DMS-shaped texts: byte for byte the JSON.stringify line', () => {
    const rand = seededRandom(0xfeed);
    const mismatches: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const v = decode(randomDmsText(rand));
      const line = formatJsonLine(v);
      if (line !== slowLine(v)) mismatches.push(line);
      if (line.includes('\n') || line.includes('\r')) mismatches.push(`line break in ${line}`);
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
  });

  it('more distinct table and column names than render keeps written out: still the JSON.stringify line', () => {
    const mismatches: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const name = i % 3 === 0 ? `t"${i}` : `t${i}`;
      const text = JSON.stringify({ data: { [name]: 2 }, 'before-image': { [name]: 1 }, metadata: { ...METADATA, 'table-name': name } });
      const v = decode(text);
      if (formatJsonLine(v) !== slowLine(v)) mismatches.push(name);
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
  });

  it('a record not written the JSON.stringify way: its spelling is kept, the values are the same', () => {
    const text = '{"data":{"id":12345678901234567890,"price":1.50,"e":1e2,"name":"caf\\u00e9","slash":"a\\/b","dup":1,"dup":2},"before-image":{"id":12345678901234567890,"price":1.5,"e":100,"name":"café","slash":"a/b","dup":2},"metadata":{"record-type":"data","operation":"update","schema-name":"s","table-name":"t"}}';
    const v = decode(text);
    const line = formatJsonLine(v);
    expect(JSON.parse(line)).toStrictEqual(JSON.parse(slowLine(v)));
    // The BIGINT keeps its digits (JSON.stringify of the parsed number would print 12345678901234567000).
    expect(line).toContain('"data":{"id":12345678901234567890,');
    expect(v.cdc!.changed).toEqual([]);
  });

  it('pretty-printed DMS, Debezium, text and JSON records, errors: the JSON.stringify line', () => {
    const files = ['update-before-image-mysql.json', 'insert.json', 'insert.json.gz', 'debezium-update-with-schema.json', 'debezium-delete-bare.json', 'control-create-table.json', 'control-add-column.json', 'control-task-level.json', 'not-json.txt', 'malformed-truncated.json', 'kpl-aggregated-bad-md5.bin'];
    for (const file of files) {
      const v = decode(readFileSync(FIXTURES + file));
      expect(formatJsonLine(v)).toBe(slowLine(v));
    }
    const withControl = decode('{"data":{"a":1},"metadata":{"record-type":"data","operation":"insert"},"control":{"x":1}}');
    expect(formatJsonLine(withControl)).toBe(slowLine(withControl));
  });

  it('after --redact the masked rows are printed, not the copied text', () => {
    const v = redactView(decode(compact('update-before-image-mysql.json')), new Set(['status']));
    expect(v.rowJson).toBeUndefined();
    const line = formatJsonLine(v);
    expect(line).not.toMatch(/PAID|"NEW"/);
    expect(JSON.parse(line).cdc.data.status).toBe(REDACTED);
    expect(line).toBe(slowLine(v));
  });

  it('2,000 seeded DMS-shaped texts written with indentation (not cut): byte for byte the JSON.stringify line', () => {
    const rand = seededRandom(0xbeef);
    const mismatches: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const v = decode(JSON.stringify(JSON.parse(randomDmsText(rand)), null, '\t'));
      expect(v.rowJson).toBeUndefined();
      const line = formatJsonLine(v);
      if (line !== slowLine(v)) mismatches.push(line);
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
  });
});
