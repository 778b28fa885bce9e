/**
 * Records as DMS and Debezium really write them (issue 19): key-only before-images, unknown times, message
 * events, tombstones, rows named by their key columns, text newlines. One line per case; the shapes and what
 * tail must show for them are in test/helpers/cdc-shapes.ts, which the integration test puts on a stream.
 */
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { decodeRecord, type CdcView, type RecordMeta, type RecordView } from '../../src/core/decode.js';
import { parseKeyColumnsFlag } from '../../src/core/key-columns.js';
import { compileFilter, OPS, type RecordFilter } from '../../src/core/record-filter.js';
import { formatJsonLine, formatPretty, formatTemplate, prettyLayout, toJsonRecord } from '../../src/render/record.js';
import { UsageError } from '../../src/errors.js';
import { KEY_COLUMNS_FLAG, prettyTail, SHAPES, type Shape } from '../helpers/cdc-shapes.js';

const META: RecordMeta = { shardId: 'shardId-000000000000', sequenceNumber: '4965', partitionKey: '', arrivalTime: new Date('2026-11-21T08:00:03.000Z') };
const plain = new Chalk({ level: 0 });
const decode = (s: Shape): RecordView => {
  const views = decodeRecord(typeof s.data === 'string' ? Buffer.from(s.data) : s.data, { ...META, partitionKey: s.partitionKey });
  expect(views).toHaveLength(1);
  return views[0]!;
};
/** Pretty lines of all shapes in order, through one layout, as one tail writes them. */
const prettyStream = (keyColumns?: string[]) => {
  const layout = prettyLayout(new Date('2026-11-21T12:00:00Z'), keyColumns ? parseKeyColumnsFlag(keyColumns) : undefined);
  return SHAPES.map((s) => prettyTail(formatPretty(decode(s), plain, layout)));
};

describe('real-shaped records: the --json line', () => {
  it.each(SHAPES)('$name', (s) => {
    const v = decode(s);
    const line = formatJsonLine(v);
    // The fast line and the plain JSON.stringify of the record agree, and carry what the shape says.
    expect(JSON.parse(line)).toStrictEqual(JSON.parse(JSON.stringify(toJsonRecord(v))));
    const out = JSON.parse(line) as { format: string; cdc: Record<string, unknown> | null; payload?: unknown; partitionKey: string };
    expect(out.format).toBe(s.format);
    expect(out.partitionKey).toBe(s.partitionKey);
    if (s.cdc === null) expect(out.cdc).toBeNull();
    else for (const [k, want] of Object.entries(s.cdc)) expect(out.cdc?.[k], k).toStrictEqual(want);
    if (s.payload !== undefined) expect(out.payload).toStrictEqual(s.payload);
    if (s.format === 'tombstone') expect(Object.keys(out)).toEqual(['shardId', 'sequenceNumber', 'partitionKey', 'arrivalTime', 'format', 'cdc']);
  });
});

describe('real-shaped records: the pretty line', () => {
  const lines = prettyStream();
  it.each(SHAPES.map((s, i) => ({ ...s, i })))('$name', ({ pretty, i }) => {
    expect(lines[i]).toBe(pretty);
  });
  const keyed = prettyStream([KEY_COLUMNS_FLAG]);
  it.each(SHAPES.map((s, i) => ({ ...s, i })))(`with --key-columns ${KEY_COLUMNS_FLAG}: $name`, ({ pretty, prettyKeyed, i }) => {
    expect(keyed[i]).toBe(prettyKeyed ?? pretty);
  });
  it('without the table-def the schema-table rows keep the table as their key (as before)', () => {
    const layout = prettyLayout(new Date('2026-11-21T12:00:00Z'));
    const insert = SHAPES.find((s) => s.name.startsWith('DMS PostgreSQL insert'))!;
    expect(prettyTail(formatPretty(decode(insert), plain, layout))).toBe('insert  public.customers  public.customers');
  });
  it('--key-columns wins over the table-def, and names columns the row lacks as ∅', () => {
    const layout = prettyLayout(new Date('2026-11-21T12:00:00Z'), parseKeyColumnsFlag(['PUBLIC.Customers=id,plan,region']));
    const [control, insert] = SHAPES.slice(0, 2).map(decode);
    formatPretty(control!, plain, layout);
    expect(prettyTail(formatPretty(insert!, plain, layout))).toBe('insert  public.customers  id=9,plan=free,region=∅');
  });
});

const view = (over: Partial<CdcView>, format: RecordView['format'] = 'dms'): RecordView => ({
  shardId: 'shardId-000000000000',
  sequenceNumber: '1',
  partitionKey: 'k',
  arrivalTime: null,
  format,
  cdc: { recordType: 'data', operation: 'update', schema: 's', table: 't', data: null, before: null, changed: null, transactionId: null, commitTime: null, key: null, ...over },
});

describe('unknown times are null, not 1970', () => {
  const deb = (source: Record<string, unknown>, env: Record<string, unknown> = {}) => decode({ name: '', partitionKey: 'k', data: JSON.stringify({ before: null, after: { id: 1 }, source: { table: 't', ...source }, op: 'c', ...env }), format: '', cdc: null, pretty: '' }).cdc!;
  const dms = (md: Record<string, unknown>) => decode({ name: '', partitionKey: 'k', data: JSON.stringify({ data: { id: 1 }, metadata: { 'record-type': 'data', operation: 'insert', 'table-name': 't', ...md } }), format: '', cdc: null, pretty: '' }).cdc!;
  it.each([
    { name: 'Debezium source.ts_ms 0 → commitTime null', cdc: () => deb({ ts_ms: 0 }), commitTime: null, timestamp: undefined },
    { name: 'Debezium source.ts_ms absent → null', cdc: () => deb({}), commitTime: null, timestamp: undefined },
    { name: 'Debezium envelope ts_ms 0 → timestamp left out', cdc: () => deb({ ts_ms: 1763712001101 }, { ts_ms: 0 }), commitTime: '2025-11-21T08:00:01.101Z', timestamp: undefined },
    { name: 'Debezium ts_us only → milliseconds of it', cdc: () => deb({ ts_us: 1763712001101999 }, { ts_us: 1763712001200500 }), commitTime: '2025-11-21T08:00:01.101Z', timestamp: '2025-11-21T08:00:01.200Z' },
    { name: 'Debezium ts_ns only → milliseconds of it', cdc: () => deb({ ts_ns: 1763712001101999872 }, { ts_ns: 1763712001200000000 }), commitTime: '2025-11-21T08:00:01.101Z', timestamp: '2025-11-21T08:00:01.200Z' },
    { name: 'Debezium ts_ms 0 with ts_us set → ts_us', cdc: () => deb({ ts_ms: 0, ts_us: 1763712001101000 }), commitTime: '2025-11-21T08:00:01.101Z', timestamp: undefined },
    { name: 'Debezium ts_ms, ts_us and ts_ns all 0 → null', cdc: () => deb({ ts_ms: 0, ts_us: 0, ts_ns: 0 }, { ts_ms: 0, ts_us: 0, ts_ns: 0 }), commitTime: null, timestamp: undefined },
    { name: 'Debezium ts_ms as a string (not an epoch number) → null', cdc: () => deb({ ts_ms: '1763712001101' }), commitTime: null, timestamp: undefined },
    { name: 'DMS commit-timestamp of the zero epoch, microseconds → null', cdc: () => dms({ 'commit-timestamp': '1970-01-01T00:00:00.000000Z', timestamp: '2026-11-21T08:00:01.120004Z' }), commitTime: null, timestamp: '2026-11-21T08:00:01.120004Z' },
    { name: 'DMS zero epoch without fraction or Z, space separated → null', cdc: () => dms({ 'commit-timestamp': '1970-01-01 00:00:00', timestamp: '1970-01-01T00:00:00Z' }), commitTime: null, timestamp: undefined },
    { name: 'DMS empty commit-timestamp and timestamp → null, left out', cdc: () => dms({ 'commit-timestamp': '', timestamp: '' }), commitTime: null, timestamp: undefined },
    { name: 'DMS "0" → null', cdc: () => dms({ 'commit-timestamp': '0' }), commitTime: null, timestamp: undefined },
    { name: 'DMS 1970-01-01 past midnight is a real time, kept', cdc: () => dms({ 'commit-timestamp': '1970-01-01T00:00:00.000001Z' }), commitTime: '1970-01-01T00:00:00.000001Z', timestamp: undefined },
    { name: 'DMS real times kept as written', cdc: () => dms({ 'commit-timestamp': '2026-11-21T08:00:01.101990Z', timestamp: '2026-11-21T08:00:01.120004Z' }), commitTime: '2026-11-21T08:00:01.101990Z', timestamp: '2026-11-21T08:00:01.120004Z' },
  ])('$name', ({ cdc, commitTime, timestamp }) => {
    const c = cdc();
    expect(c.commitTime).toBe(commitTime);
    expect(c.timestamp).toBe(timestamp);
    expect('timestamp' in c).toBe(timestamp !== undefined);
  });
  it('a record whose every time is unknown shows no time in pretty, not 00:00:00', () => {
    const v = decode({ name: '', partitionKey: 'k', data: JSON.stringify({ before: null, after: { id: 1 }, source: { table: 't', ts_ms: 0 }, op: 'c', ts_ms: 0 }), format: '', cdc: null, pretty: '' });
    expect(formatPretty({ ...v, arrivalTime: null }, plain).slice(0, 12)).toBe('--:--:--.---');
  });
});

describe('message content', () => {
  const msg = (message: unknown) =>
    decode({ name: '', partitionKey: 'k', data: JSON.stringify({ op: 'm', ts_ms: 1, source: { db: 'shop', schema: '', table: '' }, message }), format: '', cdc: null, pretty: '' }).cdc!.message;
  it.each([
    { name: 'base64 of UTF-8 text → decoded', message: { prefix: 'p', content: Buffer.from('naïve ☕\n').toString('base64') }, want: { prefix: 'p', content: 'naïve ☕\n', contentBase64: Buffer.from('naïve ☕\n').toString('base64') } },
    { name: 'base64 of bytes that are not text → content null', message: { prefix: 'p', content: Buffer.from([0xff, 0xfe, 0x00]).toString('base64') }, want: { prefix: 'p', content: null, contentBase64: '//4A' } },
    { name: 'base64 of UTF-8 with a NUL → not text', message: { prefix: 'p', content: Buffer.from('a\u0000b').toString('base64') }, want: { prefix: 'p', content: null, contentBase64: 'YQBi' } },
    { name: 'base64-url-safe (binary.handling.mode) → decoded', message: { prefix: 'p', content: Buffer.from('??>>').toString('base64url') }, want: { prefix: 'p', content: '??>>', contentBase64: Buffer.from('??>>').toString('base64url') } },
    { name: 'empty content → empty text', message: { prefix: 'p', content: '' }, want: { prefix: 'p', content: '', contentBase64: '' } },
    { name: 'content that is not base64 → as written', message: { prefix: 'p', content: 'hello world' }, want: { prefix: 'p', content: 'hello world', contentBase64: null } },
    { name: 'no content, no prefix → nulls', message: {}, want: { prefix: null, content: null, contentBase64: null } },
    { name: 'no message member → nulls', message: undefined, want: { prefix: null, content: null, contentBase64: null } },
  ])('$name', ({ message, want }) => {
    expect(msg(message)).toStrictEqual(want);
  });
  it('a long text content is cut in pretty, control characters escaped', () => {
    const long = 'x'.repeat(300);
    const v = decode({ name: '', partitionKey: 'k', data: JSON.stringify({ op: 'm', source: { schema: '', table: '' }, message: { prefix: 'p', content: Buffer.from(`a\tb${long}`).toString('base64') } }), format: '', cdc: null, pretty: '' });
    expect(formatPretty(v, plain)).toMatch(/content = a\\tbx+…$/);
  });
});

describe('changes of an update whose before-image is partial (pretty, JSON)', () => {
  it.each([
    { name: 'key-only, key unchanged', data: { id: 1, a: 'x' }, before: { id: 1 }, certain: [], unknown: ['a'], pretty: 'a = x  (old values unknown: key-only before-image)' },
    { name: 'key-only, key changed', data: { id: 2, a: 'x' }, before: { id: 1 }, certain: ['id'], unknown: ['a'], pretty: 'id: 1 → 2, a = x  (old values unknown: key-only before-image)' },
    { name: 'composite key, one part changed', data: { t: 7, id: 2, a: 'x' }, before: { t: 7, id: 1 }, certain: ['id'], unknown: ['a'], pretty: 'id: 1 → 2, a = x  (old values unknown: key-only before-image)' },
    { name: 'before-image lacking a LOB column (MySQL): the other columns compared', data: { id: 1, s: 'B', doc: 'big' }, before: { id: 1, s: 'A' }, certain: ['s'], unknown: ['doc'], pretty: 's: A → B, doc = big  (old values unknown: key-only before-image)' },
    { name: 'no before-image', data: { id: 1, a: null }, before: null, certain: [], unknown: ['id', 'a'], pretty: 'id = 1, a = null  (old values unknown: no before-image)' },
    { name: 'empty before-image', data: { id: 1 }, before: {}, certain: [], unknown: ['id'], pretty: 'id = 1  (old values unknown: no before-image)' },
    { name: 'nested key value changed deeply', data: { id: { a: [1, 3] }, v: 1 }, before: { id: { a: [1, 2] } }, certain: ['id'], unknown: ['v'], pretty: 'id: {"a":[1,2]} → {"a":[1,3]}, v = 1  (old values unknown: key-only before-image)' },
  ])('$name', ({ data, before, certain, unknown, pretty }) => {
    for (const v of [
      decode({ name: '', partitionKey: 'k', data: JSON.stringify({ data, ...(before ? { 'before-image': before } : {}), metadata: { 'record-type': 'data', operation: 'update', 'schema-name': 's', 'table-name': 't' } }), format: '', cdc: null, pretty: '' }),
      decode({ name: '', partitionKey: 'k', data: JSON.stringify({ before, after: data, source: { schema: 's', table: 't' }, op: 'u' }), format: '', cdc: null, pretty: '' }),
    ]) {
      expect(v.cdc).toMatchObject({ changed: null, certainChanges: certain, unknownOld: unknown });
      expect(formatPretty(v, plain)).toBe(`--:--:--.---  0000  update  s.t  k  ${pretty}`.replace('--:--:--.---', '08:00:03.000'));
      expect(JSON.parse(formatJsonLine(v))).toStrictEqual(JSON.parse(JSON.stringify(toJsonRecord(v))));
    }
  });
  it('a view without the JSON members (built elsewhere) is drawn the same way', () => {
    expect(formatPretty(view({ data: { id: 2, a: 1 }, before: { id: 2 } }), plain)).toBe('--:--:--.---  0000  update  s.t  k  a = 1  (old values unknown: key-only before-image)');
  });
  it('inserts, deletes and full before-images get no certainChanges/unknownOld', () => {
    for (const s of SHAPES.filter((x) => x.cdc && x.cdc.operation !== 'update')) expect(decode(s).cdc).not.toHaveProperty('certainChanges');
  });
});

describe('--op message / tombstone and --table', () => {
  const views = SHAPES.map(decode);
  const pick = (filter: RecordFilter) => {
    const keep = compileFilter(filter);
    return views.filter(keep).map((v) => `${v.format}:${v.cdc?.operation ?? '-'}`);
  };
  it.each<{ name: string; filter: RecordFilter; kept: string[] }>([
    { name: '--op message: both message events', filter: { ops: ['message'] }, kept: ['debezium:message', 'debezium:message'] },
    { name: '--op tombstone: the tombstone only', filter: { ops: ['tombstone'] }, kept: ['tombstone:-'] },
    { name: '--op delete,tombstone: deletes and the tombstone', filter: { ops: ['delete', 'tombstone'] }, kept: ['dms:delete', 'debezium:delete', 'tombstone:-', 'debezium:delete'] },
    { name: '--op TOMBSTONE ignores case', filter: { ops: ['TOMBSTONE'] }, kept: ['tombstone:-'] },
    { name: "--table '*' matches no message event and no tombstone", filter: { tables: ['*'] }, kept: views.filter((v) => v.cdc && v.cdc.operation !== 'message').map((v) => `${v.format}:${v.cdc!.operation}`) },
    { name: "--table '*.*' neither", filter: { tables: ['*.*'] }, kept: views.filter((v) => v.cdc && v.cdc.operation !== 'message').map((v) => `${v.format}:${v.cdc!.operation}`) },
    { name: '--table shop.* matches shop.orders, not the message events of database shop', filter: { tables: ['shop.*'] }, kept: ['dms:update'] },
    { name: '--table with --op message keeps nothing', filter: { tables: ['*'], ops: ['message'] }, kept: [] },
    { name: '--table with --op tombstone keeps nothing', filter: { tables: ['*'], ops: ['tombstone'] }, kept: [] },
  ])('$name', ({ filter, kept }) => {
    expect(pick(filter)).toEqual(kept);
  });
  it('--op accepts message and tombstone', () => {
    expect(OPS).toContain('message');
    expect(OPS).toContain('tombstone');
  });
  it('a template names the tombstone by %o, with the key as %k', () => {
    const t = views.find((v) => v.format === 'tombstone')!;
    expect(formatTemplate(t, '%o %k [%t] [%d] [%p]')).toBe('tombstone {"id":45} [] [] []');
  });
});

describe('--key-columns', () => {
  it.each([
    { values: ['public.orders=id'], want: [['public.orders', ['id']]] },
    { values: ['Shop.Lines=order_id, line_no', 'public.a=x'], want: [['shop.lines', ['order_id', 'line_no']], ['public.a', ['x']]] },
  ])('accepts $values', ({ values, want }) => {
    expect([...parseKeyColumnsFlag(values)]).toEqual(want);
  });
  it.each([
    { value: 'orders=id', why: /expected schema\.table=column/ },
    { value: 'public.orders', why: /expected schema\.table=column/ },
    { value: 'public.orders=', why: /expected schema\.table=column/ },
    { value: 'public.orders=id,,x', why: /expected schema\.table=column/ },
    { value: '.orders=id', why: /expected schema\.table=column/ },
    { value: 'public.=id', why: /expected schema\.table=column/ },
    { value: 'pub lic.orders=id', why: /expected schema\.table=column/ },
  ])('refuses $value', ({ value, why }) => {
    expect(() => parseKeyColumnsFlag([value])).toThrow(UsageError);
    expect(() => parseKeyColumnsFlag([value])).toThrow(why);
  });
  it('refuses a table given twice', () => {
    expect(() => parseKeyColumnsFlag(['public.a=x', 'PUBLIC.A=y'])).toThrow(/--key-columns: PUBLIC\.A is given twice/);
  });
});
