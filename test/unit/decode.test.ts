import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { changedColumns, decodeRecord, MAX_JSON_DEPTH, type CdcView, type RecordMeta, type RecordView } from '../../src/core/decode.js';
import { seededRandom } from '../../src/core/random.js';
import { aggregate } from '../helpers/kpl.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const fixture = (name: string) => readFileSync(FIXTURES + name);

const META: RecordMeta = {
  shardId: 'shardId-000000000003',
  sequenceNumber: '49650000000000000000000000000000000000000000000000000042',
  partitionKey: 'outer-key',
  arrivalTime: new Date('2026-11-20T10:16:02.507Z'),
};
const ARRIVAL = '2026-11-20T10:16:02.507Z';

const decodeOne = (bytes: Uint8Array, meta: RecordMeta = META): RecordView => {
  const views = decodeRecord(bytes, meta);
  expect(views).toHaveLength(1);
  return views[0]!;
};

const INSERT_CDC: CdcView = {
  recordType: 'data',
  operation: 'insert',
  schema: 'shop',
  table: 'orders',
  data: { order_id: 1001, customer_id: 77, status: 'NEW', amount: '129.90', created_at: '2026-11-20T10:15:00.000000Z' },
  before: null,
  changed: null,
  transactionId: 73014444033,
  commitTime: null,
  key: 'shop.orders.1001',
  timestamp: '2026-11-20T10:15:00.412233Z',
};

const MYSQL_UPDATE_CDC: CdcView = {
  recordType: 'data',
  operation: 'update',
  schema: 'shop',
  table: 'orders',
  data: { order_id: 1001, customer_id: 77, status: 'PAID', amount: '129.90', created_at: '2026-11-20T10:15:00.000000Z' },
  before: { order_id: 1001, customer_id: 77, status: 'NEW', amount: '129.90', created_at: '2026-11-20T10:15:00.000000Z' },
  changed: ['status'],
  transactionId: 73014444107,
  commitTime: null,
  key: 'shop.orders.1001',
  timestamp: '2026-11-20T10:16:02.000118Z',
};

const DELETE_CDC: CdcView = {
  recordType: 'data',
  operation: 'delete',
  schema: 'public',
  table: 'customers',
  data: { id: 9, email: null, plan: null, note: null },
  before: null,
  changed: null,
  transactionId: 88302,
  commitTime: null,
  key: null,
  timestamp: '2026-11-21T09:30:00.000001Z',
};

/** Every fixture in test/fixtures, decoded and checked field by field. */
const FIXTURE_CASES: { name: string; file: string; format: RecordView['format']; cdc: CdcView | null; extra?: Partial<RecordView> }[] = [
  { name: 'DMS insert (pretty-printed json) → dms view with partition-key-value as key', file: 'insert.json', format: 'dms', cdc: INSERT_CDC },
  { name: 'gzip-compressed DMS insert → the same view as insert.json, flagged compressed', file: 'insert.json.gz', format: 'dms', cdc: INSERT_CDC, extra: { compressed: 'gzip' } },
  { name: 'MySQL update with a full before-image → changed ["status"]', file: 'update-before-image-mysql.json', format: 'dms', cdc: MYSQL_UPDATE_CDC },
  {
    name: 'PostgreSQL update with key-only before-image → changed null, transaction details, non-ASCII text intact',
    file: 'update-transaction-details-postgres.json',
    format: 'dms',
    cdc: {
      recordType: 'data',
      operation: 'update',
      schema: 'public',
      table: 'customers',
      data: { id: 9, email: 'ada@example.com', plan: 'pro', note: 'naïve café ☕' },
      before: { id: 9 },
      changed: null,
      transactionId: 88231,
      commitTime: '2026-11-21T08:00:01.101990Z',
      key: null,
      timestamp: '2026-11-21T08:00:01.120004Z',
      certainChanges: [],
      unknownOld: ['email', 'plan', 'note'],
    },
  },
  { name: 'DMS delete → key column set, others null', file: 'delete.json', format: 'dms', cdc: DELETE_CDC },
  {
    name: 'DMS full-load record → operation load',
    file: 'load.json',
    format: 'dms',
    cdc: {
      recordType: 'data',
      operation: 'load',
      schema: 'inventory',
      table: 'items',
      data: { sku: 'A-17', name: 'Widget', price: 4.5, tags: null },
      before: null,
      changed: null,
      transactionId: null,
      commitTime: null,
      key: 'inventory.items.A-17',
      timestamp: '2026-11-19T23:59:58.000000Z',
    },
  },
  {
    name: 'DMS control create-table → control record with table-def',
    file: 'control-create-table.json',
    format: 'dms',
    cdc: {
      recordType: 'control',
      operation: 'create-table',
      schema: 'public',
      table: 'customers',
      data: null,
      before: null,
      changed: null,
      transactionId: null,
      commitTime: null,
      key: 'task-7QXWZ.public.customers',
      control: {
        'table-def': {
          columns: { id: { type: 'INT64', nullable: false }, email: { type: 'STRING', length: 255, nullable: true } },
          'primary-key': ['id'],
        },
      },
      timestamp: '2026-11-19T23:59:00.000000Z',
    },
  },
  {
    name: 'DMS control add-column → control record, no key when partition-key-value is absent',
    file: 'control-add-column.json',
    format: 'dms',
    cdc: {
      recordType: 'control',
      operation: 'add-column',
      schema: 'public',
      table: 'customers',
      data: null,
      before: null,
      changed: null,
      transactionId: null,
      commitTime: null,
      key: null,
      control: {
        'table-def': {
          columns: {
            id: { type: 'INT64', nullable: false },
            email: { type: 'STRING', length: 255, nullable: true },
            plan: { type: 'STRING', length: 32, nullable: true },
          },
          'primary-key': ['id'],
        },
      },
      timestamp: '2026-11-21T07:00:00.000000Z',
    },
  },
  {
    name: 'task-level control record with an empty schema name → schema null',
    file: 'control-task-level.json',
    format: 'dms',
    cdc: {
      recordType: 'control',
      operation: 'create-table',
      schema: null,
      table: 'awsdms_apply_exceptions',
      data: null,
      before: null,
      changed: null,
      transactionId: null,
      commitTime: null,
      key: null,
      timestamp: '2026-11-21T07:05:00.000000Z',
    },
  },
  {
    name: 'Debezium envelope with schema → update view, schema from source.schema, txId, source ts_ms as commit time',
    file: 'debezium-update-with-schema.json',
    format: 'debezium',
    cdc: {
      recordType: 'data',
      operation: 'update',
      schema: 'public',
      table: 'customers',
      data: { id: 9, email: 'ada@example.com', plan: 'pro' },
      before: { id: 9 },
      changed: null,
      transactionId: 88231,
      commitTime: new Date(1763712001101).toISOString(),
      key: null,
      timestamp: new Date(1763712001120).toISOString(),
      certainChanges: [],
      unknownOld: ['email', 'plan'],
    },
  },
  {
    name: 'bare Debezium payload delete → delete view, schema from source.db, data null, old row in before',
    file: 'debezium-delete-bare.json',
    format: 'debezium',
    cdc: {
      recordType: 'data',
      operation: 'delete',
      schema: 'shop',
      table: 'customers',
      data: null,
      before: { id: 12, email: 'bob@example.com', plan: 'free' },
      changed: null,
      transactionId: null,
      commitTime: new Date(1763712100000).toISOString(),
      key: null,
      timestamp: new Date(1763712100004).toISOString(),
    },
  },
  {
    name: 'plain text → text format with the text as payload',
    file: 'not-json.txt',
    format: 'text',
    cdc: null,
    extra: { payload: 'plain text log line, not JSON\n' },
  },
];

describe('decodeRecord: fixtures', () => {
  it.each(FIXTURE_CASES)('$name', ({ file, format, cdc, extra }) => {
    const bytes = fixture(file);
    const view = decodeOne(bytes);
    expect(view.shardId).toBe(META.shardId);
    expect(view.sequenceNumber).toBe(META.sequenceNumber);
    expect(view.partitionKey).toBe(META.partitionKey);
    expect(view.arrivalTime).toBe(ARRIVAL);
    expect(view.subSequenceNumber).toBeUndefined();
    expect(view.error).toBeUndefined();
    expect(view.format).toBe(format);
    expect(view.cdc).toStrictEqual(cdc);
    if (extra) expect(view).toMatchObject(extra);
    if (!extra?.compressed) expect(view.compressed).toBeUndefined();
    if (format === 'dms' || format === 'debezium') {
      const plain = file.endsWith('.gz') ? fixture(file.replace(/\.gz$/, '')) : bytes;
      expect(view.payload).toStrictEqual(JSON.parse(plain.toString('utf8')));
      expect(view.text).toBe(plain.toString('utf8'));
    }
  });

  it('insert.json.gz decodes to the same view as insert.json, apart from the compressed flag', () => {
    const { compressed, ...gz } = decodeOne(fixture('insert.json.gz'));
    expect(compressed).toBe('gzip');
    expect(gz).toStrictEqual(decodeOne(fixture('insert.json')));
  });

  it('KPL aggregate → 3 user records with subSequenceNumber 0,1,2, their own partition keys, the outer sequence number', () => {
    const views = decodeRecord(fixture('kpl-aggregated-3-records.bin'), META);
    expect(views.map((v) => v.subSequenceNumber)).toEqual([0, 1, 2]);
    expect(views.map((v) => v.partitionKey)).toEqual(['shop.orders.1001', 'shop.orders.1001', 'shop.orders.1002']);
    expect(views.map((v) => v.cdc?.operation)).toEqual(['insert', 'update', 'delete']);
    for (const v of views) {
      expect(v.shardId).toBe(META.shardId);
      expect(v.sequenceNumber).toBe(META.sequenceNumber);
      expect(v.arrivalTime).toBe(ARRIVAL);
      expect(v.format).toBe('dms');
      expect(v.error).toBeUndefined();
    }
    expect(views[0]!.cdc).toStrictEqual(INSERT_CDC);
    expect(views[1]!.cdc).toStrictEqual(MYSQL_UPDATE_CDC);
    expect(views[2]!.cdc).toStrictEqual(DELETE_CDC);
    expect(Object.keys(views[0]!).slice(0, 4)).toEqual(['shardId', 'sequenceNumber', 'subSequenceNumber', 'partitionKey']);
  });

  it('KPL aggregate with a wrong MD5 → one record flagged with error, raw bytes kept, nothing trusted', () => {
    const bytes = fixture('kpl-aggregated-bad-md5.bin');
    const view = decodeOne(bytes);
    expect(view.error).toMatch(/MD5 mismatch/);
    expect(view.format).toBe('binary');
    expect(view.cdc).toBeNull();
    expect(view.payloadBase64).toBe(bytes.toString('base64'));
    expect(view.partitionKey).toBe(META.partitionKey);
    expect(view.subSequenceNumber).toBeUndefined();
  });

  it('truncated JSON → error with the bytes, no throw', () => {
    const bytes = fixture('malformed-truncated.json');
    const view = decodeOne(bytes);
    expect(view.error).toMatch(/^invalid JSON: /);
    expect(view.format).toBe('binary');
    expect(view.cdc).toBeNull();
    expect(view.payloadBase64).toBe(bytes.toString('base64'));
    expect(view.payload).toBeUndefined();
  });

  it('the test KPL builder reproduces the fixture byte for byte (so the built aggregates below are real ones)', () => {
    const users = decodeRecord(fixture('kpl-aggregated-3-records.bin'), META);
    const rebuilt = aggregate(
      ['shop.orders.1001', 'shop.orders.1002'],
      users.map((v, i) => ({ partitionKeyIndex: i === 2 ? 1 : 0, data: v.text! })),
    );
    expect(rebuilt.equals(fixture('kpl-aggregated-3-records.bin'))).toBe(true);
  });
});

const bytes = (s: string) => Buffer.from(s);
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest();
const dms = (doc: Record<string, unknown>) => bytes(JSON.stringify(doc));
const md = (operation: string, extra: Record<string, unknown> = {}) => ({
  timestamp: '2026-11-21T08:00:00.000000Z',
  'record-type': 'data',
  operation,
  'partition-key-type': 'primary-key',
  'schema-name': 's',
  'table-name': 't',
  ...extra,
});

describe('decodeRecord: formats and edge cases', () => {
  const cases: { name: string; input: Uint8Array; expect: Partial<RecordView> }[] = [
    { name: 'JSON object that is neither DMS nor Debezium → json with the parsed payload', input: bytes('{"a":1,"b":[true,null]}'), expect: { format: 'json', cdc: null, payload: { a: 1, b: [true, null] } } },
    { name: 'JSON array → json', input: bytes(' [1,2,3]\n'), expect: { format: 'json', cdc: null, payload: [1, 2, 3] } },
    { name: 'JSON number → json', input: bytes('42'), expect: { format: 'json', payload: 42 } },
    { name: 'JSON string → json', input: bytes('"hi"'), expect: { format: 'json', payload: 'hi' } },
    { name: 'text that starts like a JSON literal but is not → text', input: bytes('nothing to see'), expect: { format: 'text', payload: 'nothing to see' } },
    { name: 'number-led text → text', input: bytes('404 not found'), expect: { format: 'text', payload: '404 not found' } },
    { name: 'empty record → tombstone (Debezium Server writes one after a delete), no payload', input: new Uint8Array(0), expect: { format: 'tombstone', cdc: null } },
    { name: 'bytes that are not UTF-8 → binary with base64, not an error', input: Uint8Array.from([0x00, 0xff, 0xfe, 0x80]), expect: { format: 'binary', cdc: null, payloadBase64: 'AP/+gA==' } },
    { name: 'JSON-looking bytes with invalid UTF-8 → error', input: Uint8Array.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), expect: { format: 'binary', payloadBase64: 'eyLDKCJ9', error: 'invalid UTF-8 in a JSON payload' } },
    { name: 'truncated JSON array → error', input: bytes('[1,2'), expect: { format: 'binary', payloadBase64: 'WzEsMg==' } },
    { name: 'truncated gzip → error, flagged compressed, the compressed bytes kept', input: gzipSync(fixture('insert.json')).subarray(0, 40), expect: { format: 'binary', compressed: 'gzip' } },
    { name: 'gzip of binary → binary, flagged compressed', input: gzipSync(Uint8Array.from([0xff, 0x00])), expect: { format: 'binary', compressed: 'gzip', payloadBase64: '/wA=' } },
    { name: 'gzip of text → text, flagged compressed', input: gzipSync(bytes('hello')), expect: { format: 'text', compressed: 'gzip', payload: 'hello' } },
    { name: 'metadata without record-type or operation → plain json', input: bytes('{"metadata":{"x":1},"data":{}}'), expect: { format: 'json', cdc: null } },
    { name: `JSON nested deeper than ${MAX_JSON_DEPTH} levels → error`, input: bytes('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1)), expect: { format: 'binary', error: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` } },
    { name: `JSON nested ${MAX_JSON_DEPTH} levels → json`, input: bytes('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)), expect: { format: 'json' } },
  ];
  it.each(cases)('$name', ({ name, input, expect: expected }) => {
    const view = decodeOne(input);
    expect(view).toMatchObject(expected);
    // Only the cases named "→ error" may carry one.
    expect(view.error !== undefined).toBe(/→ error/.test(name));
  });

  it('a partly truncated gzip keeps its own bytes in payloadBase64 and says why', () => {
    const gz = gzipSync(fixture('insert.json')).subarray(0, 40);
    const view = decodeOne(gz);
    expect(view.error).toMatch(/^truncated or corrupt gzip: /);
    expect(view.payloadBase64).toBe(Buffer.from(gz).toString('base64'));
  });

  it('a Uint8Array view into a larger buffer decodes only its own bytes', () => {
    const big = Buffer.from(`xxxx${fixture('delete.json').toString('utf8')}yyyy`);
    const view = decodeOne(new Uint8Array(big.buffer, big.byteOffset + 4, big.length - 8));
    expect(view.cdc).toStrictEqual(DELETE_CDC);
  });

  const times: { name: string; arrival: Date | undefined; iso: string | null }[] = [
    { name: 'no arrival time → null', arrival: undefined, iso: null },
    { name: 'invalid date → null', arrival: new Date(Number.NaN), iso: null },
    { name: 'milliseconds are kept', arrival: new Date('2026-01-02T03:04:05.006Z'), iso: '2026-01-02T03:04:05.006Z' },
    { name: 'midnight', arrival: new Date('2026-12-31T00:00:00.000Z'), iso: '2026-12-31T00:00:00.000Z' },
    { name: 'last millisecond of a day', arrival: new Date('2024-02-29T23:59:59.999Z'), iso: '2024-02-29T23:59:59.999Z' },
    { name: 'before 1970 (toISOString path)', arrival: new Date('1969-07-20T20:17:40.000Z'), iso: '1969-07-20T20:17:40.000Z' },
  ];
  it.each(times)('arrival time: $name', ({ arrival, iso }) => {
    expect(decodeOne(bytes('x'), { ...META, arrivalTime: arrival }).arrivalTime).toBe(iso);
  });
  it('arrival times on two different days in a row are both right (the day memo is refreshed)', () => {
    const a = decodeOne(bytes('x'), { ...META, arrivalTime: new Date('2026-01-01T23:59:59.999Z') });
    const b = decodeOne(bytes('x'), { ...META, arrivalTime: new Date('2026-01-02T00:00:00.000Z') });
    expect([a.arrivalTime, b.arrivalTime]).toEqual(['2026-01-01T23:59:59.999Z', '2026-01-02T00:00:00.000Z']);
  });
});

describe('decodeRecord: DMS details', () => {
  const cases: { name: string; doc: Record<string, unknown>; expect: Partial<CdcView> }[] = [
    { name: 'empty before-image → changed null', doc: { data: { id: 1, a: 2 }, 'before-image': {}, metadata: md('update') }, expect: { changed: null, before: {} } },
    { name: 'update with no before-image → changed null', doc: { data: { id: 1, a: 2 }, metadata: md('update') }, expect: { changed: null, before: null } },
    { name: 'full before-image, nothing changed → changed []', doc: { data: { id: 1, a: 2 }, 'before-image': { id: 1, a: 2 }, metadata: md('update') }, expect: { changed: [] } },
    { name: 'several columns changed, in data order', doc: { data: { id: 1, a: 2, b: 3, c: 4 }, 'before-image': { id: 1, a: 9, b: 3, c: 8 }, metadata: md('update') }, expect: { changed: ['a', 'c'] } },
    { name: 'nested values compared deeply', doc: { data: { id: 1, j: { x: [1, 2] }, k: { y: 1 } }, 'before-image': { id: 1, j: { x: [1, 2] }, k: { y: 2 } }, metadata: md('update') }, expect: { changed: ['k'] } },
    { name: 'null → value counts as a change', doc: { data: { id: 1, a: 'x' }, 'before-image': { id: 1, a: null }, metadata: md('update') }, expect: { changed: ['a'] } },
    { name: 'before-image with a column data lacks → that column is listed', doc: { data: { id: 1 }, 'before-image': { id: 1, gone: 2 }, metadata: md('update') }, expect: { changed: ['gone'] } },
    { name: 'renamed before-image field (BeforeImageSettings.FieldName) is found', doc: { data: { id: 1, s: 'B' }, old: { id: 1, s: 'A' }, metadata: md('update') }, expect: { before: { id: 1, s: 'A' }, changed: ['s'] } },
    { name: 'changed is only computed for updates', doc: { data: { id: 1, a: null }, 'before-image': { id: 1, a: 5 }, metadata: md('delete') }, expect: { operation: 'delete', changed: null } },
    { name: 'string transaction id and partition key value kept', doc: { data: {}, metadata: md('insert', { 'transaction-id': 'abc', 'partition-key-value': 7 }) }, expect: { transactionId: 'abc', key: '7' } },
    { name: 'operation alone (no record-type) is enough to recognise DMS', doc: { data: { id: 1 }, metadata: { operation: 'insert', 'table-name': 't' } }, expect: { recordType: 'data', operation: 'insert', table: 't', schema: null } },
    { name: 'data that is not an object → null', doc: { data: 'x', metadata: md('insert') }, expect: { data: null } },
  ];
  it.each(cases)('$name', ({ doc, expect: expected }) => {
    const view = decodeOne(dms(doc));
    expect(view.format).toBe('dms');
    expect(view.cdc).toMatchObject(expected);
  });
});

describe('decodeRecord: Debezium details', () => {
  const env = (op: string, extra: Record<string, unknown> = {}) =>
    bytes(JSON.stringify({ before: null, after: { id: 1 }, source: { db: 'd', schema: 'sc', table: 'tb', ts_ms: 0 }, op, ts_ms: 5, ...extra }));
  const cases: { name: string; input: Uint8Array; expect: Partial<CdcView> }[] = [
    { name: 'op c → insert; source.ts_ms 0 is an unknown commit time, not 1970', input: env('c'), expect: { operation: 'insert', data: { id: 1 }, schema: 'sc', commitTime: null } },
    { name: 'op r (snapshot read) → load', input: env('r'), expect: { operation: 'load' } },
    { name: 'op t → truncate', input: env('t', { after: null }), expect: { operation: 'truncate', data: null } },
    { name: 'unknown op is kept as written', input: env('x'), expect: { operation: 'x' } },
    { name: 'op named like an Object.prototype member is kept as written', input: env('constructor'), expect: { operation: 'constructor' } },
    { name: 'update with a full before → changed columns', input: env('u', { before: { id: 1, a: 1 }, after: { id: 1, a: 2 } }), expect: { operation: 'update', changed: ['a'] } },
    { name: 'transaction block id when source has no txId', input: env('c', { transaction: { id: '571:53195832', total_order: 1 } }), expect: { transactionId: '571:53195832' } },
    { name: 'ts_ms out of Date range → commitTime null', input: env('c', { source: { table: 'tb', ts_ms: 1e300 } }), expect: { commitTime: null, schema: null } },
  ];
  it.each(cases)('$name', ({ input, expect: expected }) => {
    const view = decodeOne(input);
    expect(view.format).toBe('debezium');
    expect(view.cdc).toMatchObject(expected);
  });

  it('an object with op but no source object is plain json', () => {
    expect(decodeOne(bytes('{"op":"c","after":{}}')).format).toBe('json');
  });
});

describe('decodeRecord: KPL aggregates built here', () => {
  const insert = fixture('insert.json').toString('utf8');
  it.each([
    {
      name: 'gzip-compressed user record is inflated',
      agg: aggregate(['k'], [{ partitionKeyIndex: 0, data: gzipSync(insert) }]),
      check: (v: RecordView[]) => {
        expect(v).toHaveLength(1);
        expect(v[0]).toMatchObject({ subSequenceNumber: 0, partitionKey: 'k', format: 'dms', compressed: 'gzip' });
        expect(v[0]!.cdc).toStrictEqual(INSERT_CDC);
      },
    },
    {
      name: 'user record with a partition key index out of range → that record flagged, the others decoded',
      agg: aggregate(['k'], [{ partitionKeyIndex: 0, data: 'one' }, { partitionKeyIndex: 5, data: 'two' }, { partitionKeyIndex: 0, data: 'three' }]),
      check: (v: RecordView[]) => {
        expect(v.map((x) => x.subSequenceNumber)).toEqual([0, 1, 2]);
        expect(v.map((x) => x.payload ?? null)).toEqual(['one', null, 'three']);
        expect(v[1]).toMatchObject({ error: 'KPL user record points outside the partition key table', partitionKey: META.partitionKey, payloadBase64: Buffer.from('two').toString('base64') });
      },
    },
    {
      name: 'aggregate without user records → flagged',
      agg: aggregate(['k'], []),
      check: (v: RecordView[]) => {
        expect(v).toHaveLength(1);
        expect(v[0]!.error).toBe('KPL aggregate holds no user records');
      },
    },
    {
      name: 'magic bytes only → flagged as too short',
      agg: Buffer.from([0xf3, 0x89, 0x9a, 0xc2, 1, 2]),
      check: (v: RecordView[]) => {
        expect(v).toHaveLength(1);
        expect(v[0]).toMatchObject({ error: expect.stringMatching(/too short/), payloadBase64: '84mawgEC' });
      },
    },
    {
      name: 'valid MD5 over a protobuf user record missing its required data field → flagged',
      agg: (() => {
        const junk = Buffer.from([0x1a, 0x02, 0x08, 0x00]);
        return Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), junk, md5(junk)]);
      })(),
      check: (v: RecordView[]) => {
        expect(v).toHaveLength(1);
        expect(v[0]!.error).toMatch(/^bad KPL aggregate: .*data/);
      },
    },
    {
      name: 'aggregate cut short mid-record → flagged as a bad aggregate, the bytes kept',
      agg: fixture('kpl-aggregated-3-records.bin').subarray(0, 300),
      check: (v: RecordView[]) => {
        expect(v).toHaveLength(1);
        expect(v[0]).toMatchObject({ error: expect.stringMatching(/^bad KPL aggregate: /), payloadBase64: fixture('kpl-aggregated-3-records.bin').subarray(0, 300).toString('base64') });
      },
    },
    {
      name: 'gzip-compressed aggregate is inflated, then de-aggregated',
      agg: gzipSync(fixture('kpl-aggregated-3-records.bin')),
      check: (v: RecordView[]) => {
        expect(v.map((x) => [x.subSequenceNumber, x.cdc?.operation, x.compressed])).toEqual([
          [0, 'insert', 'gzip'],
          [1, 'update', 'gzip'],
          [2, 'delete', 'gzip'],
        ]);
      },
    },
  ])('$name', ({ agg, check }) => {
    check(decodeRecord(agg, META));
  });
});

describe('changedColumns', () => {
  it.each([
    { name: 'key-only before (strict subset) → null', data: { id: 1, a: 2 }, before: { id: 1 }, out: null },
    { name: 'same keys → the differing ones', data: { id: 1, a: 2 }, before: { id: 1, a: 3 }, out: ['a'] },
    { name: 'no data → null', data: null, before: { id: 1 }, out: null },
    { name: 'before with a key data lacks is not a subset → compared', data: { id: 1, a: 2 }, before: { x: 1 }, out: ['id', 'a', 'x'] },
    { name: 'identical images → none', data: { id: 1, a: [1, { b: 2 }] }, before: { id: 1, a: [1, { b: 2 }] }, out: [] },
    { name: 'nested values compared deeply', data: { id: 1, a: { b: [1, 2] } }, before: { id: 1, a: { b: [1, 3] } }, out: ['a'] },
    { name: 'empty before → null', data: { id: 1 }, before: {}, out: null },
    {
      name: 'columns named like Object.prototype members are not taken from it',
      data: JSON.parse('{"constructor":1,"toString":"x","__proto__":2,"id":1}') as Record<string, unknown>,
      before: JSON.parse('{"toString":"x","id":1,"other":2}') as Record<string, unknown>,
      out: ['constructor', '__proto__', 'other'],
    },
  ])('$name', ({ data, before, out }) => {
    expect(changedColumns(data, before)).toEqual(out);
  });

  it('agrees with the plain definition on 2,000 random image pairs', () => {
    // The definition, written for clarity: data's columns that before lacks or holds differently, then before's columns data lacks.
    const reference = (data: Record<string, unknown>, before: Record<string, unknown>): string[] | null => {
      const dk = Object.keys(data);
      const bk = Object.keys(before);
      if (bk.length === 0) return null;
      if (bk.length < dk.length && bk.every((k) => Object.hasOwn(data, k))) return null;
      return [...dk.filter((k) => !Object.hasOwn(before, k) || JSON.stringify(before[k]) !== JSON.stringify(data[k])), ...bk.filter((k) => !Object.hasOwn(data, k))];
    };
    const random = seededRandom(20261127);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const keys = ['id', 'a', 'b', 'status', 'constructor', 'toString', '__proto__', 'valueOf'];
    const values = [1, 2, 'x', 'y', null, true, [1], [2], { c: 1 }, { c: 2 }];
    const image = () => {
      const parts = keys.filter(() => random() < 0.5).map((k) => `${JSON.stringify(k)}:${JSON.stringify(pick(values))}`);
      return JSON.parse(`{${parts.join(',')}}`) as Record<string, unknown>;
    };
    for (let i = 0; i < 2000; i++) {
      const data = image();
      const before = random() < 0.3 ? (JSON.parse(JSON.stringify(data)) as Record<string, unknown>) : image();
      expect(changedColumns(data, before), JSON.stringify({ data, before })).toEqual(reference(data, before));
    }
  });
});
