import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { decodeRecord, type RecordMeta, type RecordView } from '../../src/core/decode.js';
import { compileFilter, payloadText, REDACTED, redactView, type RecordFilter } from '../../src/core/record-filter.js';
import { formatPretty, formatRaw, formatTemplate, prettyLayout, shortShardId, toJsonRecord } from '../../src/render/record.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const META: RecordMeta = {
  shardId: 'shardId-000000000003',
  sequenceNumber: '49650000000000000000000000000000000000000000000000000042',
  partitionKey: 'outer-key',
  arrivalTime: new Date('2026-11-20T10:16:02.507Z'),
};
const view = (file: string, meta: RecordMeta = META): RecordView => decodeRecord(readFileSync(FIXTURES + file), meta)[0]!;
const raw = (s: string | Uint8Array): RecordView => decodeRecord(typeof s === 'string' ? Buffer.from(s) : s, META)[0]!;

/**
 * Why a fixture is not JSON, in this Node.js's own words: V8's JSON.parse messages differ between
 * versions (Node 24 adds "(line 1 column 30)"), and the decoder passes them on as they are.
 */
const jsonError = (file: string): string => {
  try {
    JSON.parse(readFileSync(FIXTURES + file, 'utf8'));
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${file} is valid JSON`);
};
const TRUNCATED_WHY = `invalid JSON: ${jsonError('malformed-truncated.json')}`;

const plain = new Chalk({ level: 0 });
const colour = new Chalk({ level: 1 });
const ESC = '\u001b[';

describe('formatPretty', () => {
  it.each([
    { name: 'MySQL update shows only the changed column as old → new', file: 'update-before-image-mysql.json', line: '10:16:02.507  0003  update  shop.orders  shop.orders.1001  status: NEW → PAID' },
    { name: 'insert: time, short shard id, op, schema.table, key', file: 'insert.json', line: '10:16:02.507  0003  insert  shop.orders  shop.orders.1001' },
    { name: 'gzip insert renders like the plain one', file: 'insert.json.gz', line: '10:16:02.507  0003  insert  shop.orders  shop.orders.1001' },
    { name: 'delete without partition-key-value falls back to the Kinesis partition key', file: 'delete.json', line: '10:16:02.507  0003  delete  public.customers  outer-key' },
    { name: 'load', file: 'load.json', line: '10:16:02.507  0003  load    inventory.items  inventory.items.A-17' },
    { name: 'update with a key-only before-image shows the other columns as values, not changes, with one marker', file: 'update-transaction-details-postgres.json', line: '10:16:02.507  0003  update  public.customers  outer-key  email = ada@example.com, plan = pro, note = naïve café ☕  (old values unknown: key-only before-image)' },
    { name: 'control record shows its control operation', file: 'control-create-table.json', line: '10:16:02.507  0003  create-table  public.customers  task-7QXWZ.public.customers' },
    { name: 'task-level control record without a schema shows the table alone', file: 'control-task-level.json', line: '10:16:02.507  0003  create-table  awsdms_apply_exceptions  outer-key' },
    { name: 'Debezium update with a key-only before', file: 'debezium-update-with-schema.json', line: '10:16:02.507  0003  update  public.customers  outer-key  email = ada@example.com, plan = pro  (old values unknown: key-only before-image)' },
    { name: 'undecodable record says why', file: 'malformed-truncated.json', line: `10:16:02.507  0003  undecodable: ${TRUNCATED_WHY}` },
    { name: 'KPL bad MD5 says why', file: 'kpl-aggregated-bad-md5.bin', line: '10:16:02.507  0003  undecodable: KPL aggregate MD5 mismatch: the record is corrupt or was altered' },
    { name: 'text record, trailing newline kept, escaped', file: 'not-json.txt', line: '10:16:02.507  0003  text    plain text log line, not JSON\\n' },
  ])('$name', ({ file, line }) => {
    expect(formatPretty(view(file), plain)).toBe(line);
  });

  it.each([
    { name: 'insert in green', file: 'insert.json', code: '32m' },
    { name: 'update in yellow', file: 'update-before-image-mysql.json', code: '33m' },
    { name: 'delete in red', file: 'delete.json', code: '31m' },
    { name: 'load in blue', file: 'load.json', code: '34m' },
  ])('colours the operation: $name', ({ file, code }) => {
    const line = formatPretty(view(file), colour);
    const op = view(file).cdc!.operation;
    expect(line).toContain(`${ESC}${code}${op}`);
  });

  it('dims the whole control line', () => {
    const line = formatPretty(view('control-add-column.json'), colour);
    expect(line.startsWith(`${ESC}2m`)).toBe(true);
    expect(line.endsWith(`${ESC}22m`)).toBe(true);
  });

  it('shows errors in red', () => {
    expect(formatPretty(view('malformed-truncated.json'), colour)).toContain(`${ESC}31mundecodable: `);
  });

  it('uses UTC time of day, falling back to the commit time when there is no arrival time', () => {
    const v = view('update-transaction-details-postgres.json', { ...META, arrivalTime: undefined });
    expect(formatPretty(v, plain).slice(0, 12)).toBe('08:00:01.101');
  });

  it('escapes control characters from the record so they cannot drive the terminal', () => {
    const v = raw(JSON.stringify({ data: { id: '\u001b[2Jx\ny' }, metadata: { 'record-type': 'data', operation: 'insert', 'schema-name': 's', 'table-name': 't\r', 'partition-key-value': 'k\u0007' } }));
    const line = formatPretty(v, plain);
    expect(line).toBe('10:16:02.507  0003  insert  s.t\\r  k\\x07');
    expect(raw('evil \u001b]0;title\u0007 text').format).toBe('text');
    expect(formatPretty(raw('evil \u001b]0;title\u0007 text'), plain)).toBe('10:16:02.507  0003  text    evil \\x1b]0;title\\x07 text');
  });

  it('cuts long values with an ellipsis', () => {
    const before = { id: 1, s: 'a'.repeat(100) };
    const v = raw(JSON.stringify({ data: { id: 1, s: 'b' }, 'before-image': before, metadata: { 'record-type': 'data', operation: 'update', 'schema-name': 's', 'table-name': 't' } }));
    expect(formatPretty(v, plain)).toBe(`10:16:02.507  0003  update  s.t  outer-key  s: ${'a'.repeat(59)}… → b`);
  });

  it('binary record shows its size', () => {
    expect(formatPretty(raw(Uint8Array.from([0, 1, 2, 0xff])), plain)).toBe('10:16:02.507  0003  binary  4 bytes');
  });

  it.each([
    ['shardId-000000000003', '0003'],
    ['shardId-000000012345', '12345'],
    ['shardId-000000000000', '0000'],
    ['custom', 'custom'],
  ])('short shard id %s → %s', (id, short) => {
    expect(shortShardId(id)).toBe(short);
  });
});

describe('formatTemplate', () => {
  const v = view('update-before-image-mysql.json');
  it.each([
    { template: '%s', out: 'shardId-000000000003' },
    { template: '%S', out: META.sequenceNumber },
    { template: '%k', out: 'outer-key' },
    { template: '%T', out: '2026-11-20T10:16:02.507Z' },
    { template: '%o', out: 'update' },
    { template: '%t', out: 'shop.orders' },
    { template: '%d', out: '{"order_id":1001,"customer_id":77,"status":"PAID","amount":"129.90","created_at":"2026-11-20T10:15:00.000000Z"}' },
    { template: '100%% %o', out: '100% update' },
    { template: '%o\\t%t\\n', out: 'update\tshop.orders\n' },
    { template: 'back\\\\slash', out: 'back\\slash' },
    { template: '%x and %', out: '%x and %' },
    { template: '[%k] %o %t', out: '[outer-key] update shop.orders' },
  ])('$template', ({ template, out }) => {
    expect(formatTemplate(v, template)).toBe(out);
  });

  it('%p is the payload exactly as received', () => {
    const text = readFileSync(FIXTURES + 'update-before-image-mysql.json', 'utf8');
    expect(formatTemplate(v, '%p')).toBe(text);
  });

  it.each([
    { name: 'text record: %o is its format, %t and %d empty', file: 'not-json.txt', template: '%o|%t|%d', out: 'text||' },
    { name: 'undecodable record: %o is error, %p the base64 bytes', file: 'malformed-truncated.json', template: '%o %p', out: `error ${readFileSync(FIXTURES + 'malformed-truncated.json').toString('base64')}` },
    { name: 'control record without schema: %t is the table', file: 'control-task-level.json', template: '%o %t %d', out: 'create-table awsdms_apply_exceptions null' },
  ])('$name', ({ file, template, out }) => {
    expect(formatTemplate(view(file), template)).toBe(out);
  });

  it('%d of a plain JSON record is its JSON', () => {
    expect(formatTemplate(raw('{"a": [1, 2]}'), '%o %d')).toBe('json {"a":[1,2]}');
  });
});

describe('formatRaw', () => {
  it.each([
    { name: 'DMS record: the text as received (pretty-printed stays pretty)', v: () => view('insert.json'), out: readFileSync(FIXTURES + 'insert.json', 'utf8') },
    { name: 'gzip record: the inflated text', v: () => view('insert.json.gz'), out: readFileSync(FIXTURES + 'insert.json', 'utf8') },
    { name: 'text record: the text', v: () => view('not-json.txt'), out: 'plain text log line, not JSON\n' },
    { name: 'binary record: base64', v: () => raw(Uint8Array.from([0xff, 0])), out: '/wA=' },
    { name: 'undecodable: base64 of its bytes', v: () => view('kpl-aggregated-bad-md5.bin'), out: readFileSync(FIXTURES + 'kpl-aggregated-bad-md5.bin').toString('base64') },
  ])('$name', ({ v, out }) => {
    expect(formatRaw(v())).toBe(out);
  });
});

describe('toJsonRecord', () => {
  it('DMS update: the CONTRACT fields, no payload copy, no undefined fields', () => {
    const json = toJsonRecord(view('update-before-image-mysql.json'));
    expect(json).toStrictEqual({
      shardId: 'shardId-000000000003',
      sequenceNumber: META.sequenceNumber,
      partitionKey: 'outer-key',
      arrivalTime: '2026-11-20T10:16:02.507Z',
      format: 'dms',
      cdc: {
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
      },
    });
  });

  it('KPL user records carry subSequenceNumber right after sequenceNumber', () => {
    const views = decodeRecord(readFileSync(FIXTURES + 'kpl-aggregated-3-records.bin'), META);
    const lines = views.map((v) => JSON.stringify(toJsonRecord(v)));
    expect(lines.map((l) => JSON.parse(l).subSequenceNumber)).toEqual([0, 1, 2]);
    expect(lines[1]).toMatch(/^\{"shardId":"shardId-000000000003","sequenceNumber":"\d+","subSequenceNumber":1,"partitionKey":"shop\.orders\.1001",/);
  });

  it.each([
    { name: 'text → payload string, cdc null', file: 'not-json.txt', want: { format: 'text', cdc: null, payload: 'plain text log line, not JSON\n' } },
    { name: 'undecodable → error and payloadBase64', file: 'malformed-truncated.json', want: { format: 'binary', cdc: null, payloadBase64: readFileSync(FIXTURES + 'malformed-truncated.json').toString('base64'), error: TRUNCATED_WHY } },
    { name: 'gzip → compressed flag', file: 'insert.json.gz', want: { format: 'dms', compressed: 'gzip' } },
  ])('$name', ({ file, want }) => {
    const json = toJsonRecord(view(file)) as Record<string, unknown>;
    expect(json).toMatchObject(want);
    expect(Object.values(json)).not.toContain(undefined);
    expect(json).not.toHaveProperty('text');
  });

  it('plain JSON keeps its payload', () => {
    expect(toJsonRecord(raw('{"a":1}'))).toMatchObject({ format: 'json', cdc: null, payload: { a: 1 } });
  });
});

describe('redactView', () => {
  const cols = new Set(['status', 'email', 'secret']);

  it('masks the columns in data and before-image, and in the payload behind raw output', () => {
    const v = redactView(view('update-before-image-mysql.json'), cols);
    expect(v.cdc!.data).toMatchObject({ status: REDACTED, order_id: 1001 });
    expect(v.cdc!.before).toMatchObject({ status: REDACTED, order_id: 1001 });
    expect(v.cdc!.changed).toEqual(['status']);
    expect(formatRaw(v)).not.toMatch(/PAID|"NEW"/);
    expect(formatTemplate(v, '%d %p')).not.toMatch(/PAID|"NEW"/);
    expect(JSON.stringify(toJsonRecord(v))).not.toMatch(/PAID|"NEW"/);
    expect(formatPretty(v, plain)).toBe(`10:16:02.507  0003  update  shop.orders  shop.orders.1001  status: ${REDACTED} → ${REDACTED}`);
  });

  it('masks wherever the column appears: nested, in arrays, in plain JSON, in Debezium before/after', () => {
    const nested = redactView(raw(JSON.stringify({ a: { email: 'x@y', list: [{ secret: 1, keep: 2 }] }, email: null })), cols);
    expect(nested.payload).toEqual({ a: { email: REDACTED, list: [{ secret: REDACTED, keep: 2 }] }, email: REDACTED });
    const deb = redactView(view('debezium-delete-bare.json'), cols);
    expect(deb.cdc!.before).toEqual({ id: 12, email: REDACTED, plan: 'free' });
    expect(JSON.stringify(toJsonRecord(deb))).not.toContain('bob@example.com');
    const kplViews = decodeRecord(readFileSync(FIXTURES + 'kpl-aggregated-3-records.bin'), META).map((v) => redactView(v, cols));
    expect(kplViews.map((v) => v.cdc!.data!.status ?? null)).toEqual([REDACTED, REDACTED, null]);
  });

  it('leaves the original view untouched and returns it as is when nothing is to be redacted', () => {
    const original = view('update-before-image-mysql.json');
    redactView(original, cols);
    expect(original.cdc!.data!.status).toBe('PAID');
    expect(original.text).toContain('PAID');
    expect(redactView(original, new Set())).toBe(original);
  });

  it('matches column names exactly', () => {
    const v = redactView(view('update-before-image-mysql.json'), new Set(['STATUS', 'stat']));
    expect(v.cdc!.data!.status).toBe('PAID');
  });
});

describe('compileFilter', () => {
  const all = [
    'insert.json',
    'update-before-image-mysql.json',
    'update-transaction-details-postgres.json',
    'delete.json',
    'load.json',
    'control-create-table.json',
    'control-task-level.json',
    'debezium-update-with-schema.json',
    'debezium-delete-bare.json',
    'not-json.txt',
    'malformed-truncated.json',
  ];
  const pick = (filter: RecordFilter) => {
    const keep = compileFilter(filter);
    return all.filter((f) => keep(view(f)));
  };

  it.each<{ name: string; filter: RecordFilter; kept: string[] }>([
    { name: 'no filter keeps everything', filter: {}, kept: all },
    { name: 'exact table', filter: { tables: ['shop.orders'] }, kept: ['insert.json', 'update-before-image-mysql.json', 'malformed-truncated.json'] },
    { name: 'schema wildcard', filter: { tables: ['public.*'] }, kept: ['update-transaction-details-postgres.json', 'delete.json', 'control-create-table.json', 'debezium-update-with-schema.json', 'malformed-truncated.json'] },
    { name: 'wildcard in the middle, several patterns', filter: { tables: ['inv*.it*', 'shop.cust*'] }, kept: ['load.json', 'debezium-delete-bare.json', 'malformed-truncated.json'] },
    { name: 'pattern without a dot matches the table name', filter: { tables: ['customers'] }, kept: ['update-transaction-details-postgres.json', 'delete.json', 'control-create-table.json', 'debezium-update-with-schema.json', 'debezium-delete-bare.json', 'malformed-truncated.json'] },
    { name: 'table with no schema matches *.table', filter: { tables: ['*.awsdms_*'] }, kept: ['control-task-level.json', 'malformed-truncated.json'] },
    { name: 'table patterns ignore case', filter: { tables: ['SHOP.ORDERS'] }, kept: ['insert.json', 'update-before-image-mysql.json', 'malformed-truncated.json'] },
    { name: 'op update (DMS and Debezium)', filter: { ops: ['update'] }, kept: ['update-before-image-mysql.json', 'update-transaction-details-postgres.json', 'debezium-update-with-schema.json', 'malformed-truncated.json'] },
    { name: 'op control keeps every control record', filter: { ops: ['control'] }, kept: ['control-create-table.json', 'control-task-level.json', 'malformed-truncated.json'] },
    { name: 'ops insert,delete,load', filter: { ops: ['insert', 'delete', 'load'] }, kept: ['insert.json', 'delete.json', 'load.json', 'debezium-delete-bare.json', 'malformed-truncated.json'] },
    { name: 'a control operation by name', filter: { ops: ['create-table'] }, kept: ['control-create-table.json', 'control-task-level.json', 'malformed-truncated.json'] },
    { name: 'table and op together', filter: { tables: ['shop.*'], ops: ['delete'] }, kept: ['debezium-delete-bare.json', 'malformed-truncated.json'] },
    { name: 'grep over the payload text', filter: { grep: /PAID/ }, kept: ['update-before-image-mysql.json'] },
    { name: 'grep sees non-ASCII text', filter: { grep: /café/ }, kept: ['update-transaction-details-postgres.json'] },
    { name: 'grep sees metadata, not only data', filter: { grep: /"transaction-id":\s*88302/ }, kept: ['delete.json'] },
    { name: 'grep over text and undecodable bytes', filter: { grep: /log line|trunc/ }, kept: ['not-json.txt', 'malformed-truncated.json'] },
    { name: 'grep and op together', filter: { ops: ['update'], grep: /ada@/ }, kept: ['update-transaction-details-postgres.json', 'debezium-update-with-schema.json'] },
  ])('$name', ({ filter, kept }) => {
    expect(pick(filter)).toEqual(kept);
  });

  it('a /g regex matches every record, not every other one (lastIndex reset)', () => {
    const keep = compileFilter({ grep: /orders/g });
    const v = view('insert.json');
    expect([keep(v), keep(v), keep(v)]).toEqual([true, true, true]);
  });

  it('grep runs on the payload text after redaction when the text was dropped', () => {
    const redacted = redactView(view('update-before-image-mysql.json'), new Set(['status']));
    expect(payloadText(redacted)).not.toContain('PAID');
    expect(compileFilter({ grep: /PAID/ })(redacted)).toBe(false);
  });

  it('grep over a KPL user record sees only that user record', () => {
    const views = decodeRecord(readFileSync(FIXTURES + 'kpl-aggregated-3-records.bin'), META);
    const keep = compileFilter({ grep: /PAID/ });
    expect(views.map(keep)).toEqual([false, true, false]);
  });
});

describe('pretty lines in a stream line up, and a time of another day carries its date (issue 20, item 15)', () => {
  it('the table column is as wide as the widest seen so far, so keys start in one column', () => {
    const layout = prettyLayout(new Date('2026-11-27T12:00:00Z'));
    const files = ['update-before-image-mysql.json', 'insert.json', 'delete.json'];
    const views = files.map((f) => view(f));
    expect(new Set(views.map((v) => v.cdc!.table)).size).toBeGreaterThan(1); // tables of different lengths
    // Warm up on every table once, as a running tail does, then the key column is the same on every line.
    for (const v of views) formatPretty(v, plain, layout);
    const starts = views.map((v) => {
      const line = formatPretty(v, plain, layout);
      return line.indexOf(`  ${v.cdc!.key ?? v.partitionKey}`, line.indexOf(v.cdc!.table!) );
    });
    expect(new Set(starts).size).toBe(1);
  });
  it('a record of today shows the time only; of another day, the date too', () => {
    const today = formatPretty(view('insert.json'), plain, prettyLayout(new Date(`${META.arrivalTime!.toISOString().slice(0, 10)}T23:00:00Z`)));
    const later = formatPretty(view('insert.json'), plain, prettyLayout(new Date('2030-01-01T00:00:00Z')));
    expect(today).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}/);
    expect(later).toMatch(new RegExp(`^${META.arrivalTime!.toISOString().slice(0, 10)} \\d\\d:\\d\\d:\\d\\d\\.\\d{3}  `));
  });
});
