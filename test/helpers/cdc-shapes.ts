/**
 * Records shaped as AWS DMS and Debezium write them to Kinesis, with what `tail` must show for each: the
 * `cdc` members of the `--json` line and the pretty line (from the operation on, the time and shard left
 * out). Shared by test/unit/decode-shapes.test.ts and test/integration/tail-shapes.test.ts, which put them
 * on one shard in this order: the pretty lines depend on it (the DMS table-def comes before its rows).
 *
 * Shapes follow the AWS DMS User Guide (Kinesis and Kafka targets: the data/before-image/metadata document,
 * partition-key-type, IncludeTransactionDetails, IncludeControlDetails) and the Debezium PostgreSQL and
 * MySQL connector documentation (change event values with and without the schema envelope; snapshot reads;
 * REPLICA IDENTITY DEFAULT; truncate; logical decoding messages; transaction BEGIN/END; heartbeats; MySQL
 * schema change events) and Debezium Server's Kinesis sink (a 0-byte tombstone after a delete).
 */

export interface Shape {
  name: string;
  partitionKey: string;
  data: string | Buffer;
  /** The `format` of the `--json` line. */
  format: string;
  /** Members of `cdc` (null for records that are not CDC changes). */
  cdc: Record<string, unknown> | null;
  /** For json records: the payload. */
  payload?: unknown;
  /** The pretty line from the operation on, with single runs of two spaces between columns. */
  pretty: string;
  /** The pretty line with `--key-columns ${KEY_COLUMNS_FLAG}` when it differs. */
  prettyKeyed?: string;
}

export const KEY_COLUMNS_FLAG = 'public.accounts=tenant_id,id';

const T0 = 1763712001101; // 2025-11-21T08:00:01.101Z
const iso = (ms: number) => new Date(ms).toISOString();
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const json = (doc: unknown) => JSON.stringify(doc);

// ---------------------------------------------------------------------------------------------------------
// DMS

const dmsMeta = (operation: string, schema: string, table: string, extra: Record<string, unknown> = {}) => ({
  timestamp: '2026-11-21T08:00:01.120004Z',
  'record-type': 'data',
  operation,
  'partition-key-type': 'schema-table',
  'schema-name': schema,
  'table-name': table,
  ...extra,
});
const txDetails = (id: number, commit: string) => ({
  'transaction-id': id,
  'prev-transaction-id': id - 1,
  'transaction-record-id': 1,
  'prev-transaction-record-id': 0,
  'commit-timestamp': commit,
  'stream-position': '00000003/1A2B3C4D.2.00000003/1A2B3C4D',
});

const DMS: Shape[] = [
  {
    name: 'DMS control create-table with IncludeControlDetails: its primary key names the rows of public.customers below',
    partitionKey: 'public.customers',
    data: json({
      control: { 'table-def': { columns: { id: { type: 'INT32', nullable: false }, email: { type: 'STRING', length: 255, nullable: true }, plan: { type: 'STRING', length: 16, nullable: true } }, 'primary-key': ['id'] } },
      metadata: { timestamp: '2026-11-21T08:00:00.000000Z', 'record-type': 'control', operation: 'create-table', 'partition-key-type': 'task-id', 'schema-name': 'public', 'table-name': 'customers' },
    }),
    format: 'dms',
    cdc: { recordType: 'control', operation: 'create-table', schema: 'public', table: 'customers', key: null },
    pretty: 'create-table  public.customers  public.customers',
  },
  {
    name: 'DMS PostgreSQL insert partitioned by schema-table: the row named by the table-def key',
    partitionKey: 'public.customers',
    data: json({ data: { id: 9, email: 'ada@example.com', plan: 'free' }, metadata: dmsMeta('insert', 'public', 'customers', { 'partition-key-value': 'public.customers', ...txDetails(88230, '2026-11-21T08:00:00.901990Z') }) }),
    format: 'dms',
    cdc: { operation: 'insert', schema: 'public', table: 'customers', key: 'public.customers', changed: null, commitTime: '2026-11-21T08:00:00.901990Z', transactionId: 88230 },
    pretty: 'insert  public.customers  id=9',
  },
  {
    name: 'DMS PostgreSQL update, key-only before-image, key unchanged: no certain change, the rest unknown',
    partitionKey: 'public.customers',
    data: json({ data: { id: 9, email: 'ada@example.com', plan: 'pro' }, 'before-image': { id: 9 }, metadata: dmsMeta('update', 'public', 'customers', txDetails(88231, '2026-11-21T08:00:01.101990Z')) }),
    format: 'dms',
    cdc: { operation: 'update', data: { id: 9, email: 'ada@example.com', plan: 'pro' }, before: { id: 9 }, changed: null, certainChanges: [], unknownOld: ['email', 'plan'], commitTime: '2026-11-21T08:00:01.101990Z' },
    pretty: 'update  public.customers  id=9  email = ada@example.com, plan = pro  (old values unknown: key-only before-image)',
  },
  {
    name: 'DMS PostgreSQL update that changed the primary key: the old key in the before-image, a certain change',
    partitionKey: 'public.customers',
    data: json({ data: { id: 45, email: 'jane@example.com', plan: 'free' }, 'before-image': { id: 46 }, metadata: dmsMeta('update', 'public', 'customers', txDetails(88232, '2026-11-21T08:00:02.000001Z')) }),
    format: 'dms',
    cdc: { operation: 'update', before: { id: 46 }, changed: null, certainChanges: ['id'], unknownOld: ['email', 'plan'] },
    pretty: 'update  public.customers  id=45  id: 46 → 45, email = jane@example.com, plan = free  (old values unknown: key-only before-image)',
  },
  {
    name: 'DMS delete partitioned by schema-table, no partition-key-value: the key columns in data name the row',
    partitionKey: 'public.customers',
    data: json({ data: { id: 45, email: null, plan: null }, metadata: dmsMeta('delete', 'public', 'customers', { 'transaction-id': 88233 }) }),
    format: 'dms',
    cdc: { operation: 'delete', data: { id: 45, email: null, plan: null }, key: null, transactionId: 88233, commitTime: null },
    pretty: 'delete  public.customers  id=45',
  },
  {
    name: 'DMS full load with a zero-epoch commit-timestamp: unknown, not 1970; no table-def seen: the table as key',
    partitionKey: 'public.accounts',
    data: json({ data: { tenant_id: 7, id: 1, balance: 12.5 }, metadata: dmsMeta('load', 'public', 'accounts', { 'partition-key-value': 'public.accounts', 'commit-timestamp': '1970-01-01T00:00:00.000000Z' }) }),
    format: 'dms',
    cdc: { operation: 'load', commitTime: null, timestamp: '2026-11-21T08:00:01.120004Z' },
    pretty: 'load  public.accounts  public.accounts',
    prettyKeyed: 'load  public.accounts  tenant_id=7,id=1',
  },
  {
    name: 'DMS update without BeforeImageSettings, an empty timestamp: every column a value, timestamp left out',
    partitionKey: 'public.accounts',
    data: json({ data: { tenant_id: 7, id: 1, balance: 20 }, metadata: dmsMeta('update', 'public', 'accounts', { timestamp: '' }) }),
    format: 'dms',
    cdc: { operation: 'update', before: null, changed: null, certainChanges: [], unknownOld: ['tenant_id', 'id', 'balance'], commitTime: null, timestamp: undefined },
    pretty: 'update  public.accounts  public.accounts  tenant_id = 7, id = 1, balance = 20  (old values unknown: no before-image)',
    prettyKeyed: 'update  public.accounts  tenant_id=7,id=1  tenant_id = 7, id = 1, balance = 20  (old values unknown: no before-image)',
  },
  {
    name: 'DMS MySQL update with a full before-image, primary-key partitioning: unchanged from before',
    partitionKey: 'shop.orders.1001',
    data: json({
      data: { order_id: 1001, status: 'PAID', amount: '129.90' },
      'before-image': { order_id: 1001, status: 'NEW', amount: '129.90' },
      metadata: { ...dmsMeta('update', 'shop', 'orders', { 'partition-key-value': 'shop.orders.1001' }), 'partition-key-type': 'primary-key' },
    }),
    format: 'dms',
    cdc: { operation: 'update', changed: ['status'], certainChanges: undefined, unknownOld: undefined, key: 'shop.orders.1001' },
    pretty: 'update  shop.orders  shop.orders.1001  status: NEW → PAID',
  },
];

// ---------------------------------------------------------------------------------------------------------
// Debezium PostgreSQL

const pgSource = (ms: number, extra: Record<string, unknown> = {}) => ({
  version: '2.7.3.Final',
  connector: 'postgresql',
  name: 'shop',
  ts_ms: ms,
  ts_us: ms * 1000,
  ts_ns: ms * 1_000_000,
  snapshot: 'false',
  db: 'shop',
  sequence: '["439040800","439041101"]',
  schema: 'public',
  table: 'customers',
  txId: 88231,
  lsn: 439041101,
  xmin: null,
  ...extra,
});
const field = (name: string, type: string, optional = true) => ({ type, optional, field: name });
const customerStruct = (name: string) => ({ type: 'struct', optional: true, name: 'shop.public.customers.Value', field: name, fields: [field('id', 'int32', false), field('email', 'string'), field('plan', 'string')] });
const withSchema = (payload: Record<string, unknown>) => ({
  schema: { type: 'struct', optional: false, name: 'shop.public.customers.Envelope', version: 2, fields: [customerStruct('before'), customerStruct('after'), { type: 'struct', field: 'source', fields: [] }, field('op', 'string', false), field('ts_ms', 'int64')] },
  payload,
});
const messageSchema = (payload: Record<string, unknown>) => ({
  schema: { type: 'struct', optional: false, name: 'io.debezium.connector.postgresql.MessageValue', fields: [{ type: 'struct', field: 'source', fields: [] }, field('op', 'string', false), field('ts_ms', 'int64'), { type: 'struct', field: 'message', fields: [field('prefix', 'string'), field('content', 'bytes')] }] },
  payload,
});

const POSTGRES: Shape[] = [
  {
    name: 'Debezium PostgreSQL create with the schema envelope, ts_us and ts_ns beside ts_ms',
    partitionKey: '{"id":9}',
    data: json(withSchema({ before: null, after: { id: 9, email: 'ada@example.com', plan: 'free' }, source: pgSource(T0), op: 'c', ts_ms: T0 + 19, ts_us: (T0 + 19) * 1000, ts_ns: (T0 + 19) * 1e6 })),
    format: 'debezium',
    cdc: { operation: 'insert', schema: 'public', table: 'customers', transactionId: 88231, commitTime: iso(T0), timestamp: iso(T0 + 19) },
    pretty: 'insert  public.customers  {"id":9}',
  },
  {
    name: 'Debezium PostgreSQL snapshot read, source.ts_ms 0: commitTime null',
    partitionKey: '{"id":10}',
    data: json({ before: null, after: { id: 10, email: 'bob@example.com', plan: 'pro' }, source: pgSource(0, { snapshot: 'true', ts_us: 0, ts_ns: 0, txId: 88001 }), op: 'r', ts_ms: T0 }),
    format: 'debezium',
    cdc: { operation: 'load', commitTime: null, timestamp: iso(T0) },
    pretty: 'load  public.customers  {"id":10}',
  },
  {
    name: 'Debezium PostgreSQL update, REPLICA IDENTITY DEFAULT, before null: every column a value, none a change',
    partitionKey: '{"id":9}',
    data: json({ before: null, after: { id: 9, email: 'ada@example.com', plan: 'pro' }, source: pgSource(T0 + 1000), op: 'u', ts_ms: T0 + 1010 }),
    format: 'debezium',
    cdc: { operation: 'update', before: null, changed: null, certainChanges: [], unknownOld: ['id', 'email', 'plan'] },
    pretty: 'update  public.customers  {"id":9}  id = 9, email = ada@example.com, plan = pro  (old values unknown: no before-image)',
  },
  {
    name: 'Debezium PostgreSQL update that changed the key, key-only before (schema envelope): id: 46 → 45',
    partitionKey: '{"id":45}',
    data: json(withSchema({ before: { id: 46 }, after: { id: 45, email: 'jane@example.com', plan: 'free' }, source: pgSource(T0 + 2000), op: 'u', ts_ms: T0 + 2010 })),
    format: 'debezium',
    cdc: { operation: 'update', changed: null, certainChanges: ['id'], unknownOld: ['email', 'plan'] },
    pretty: 'update  public.customers  {"id":45}  id: 46 → 45, email = jane@example.com, plan = free  (old values unknown: key-only before-image)',
  },
  {
    name: 'Debezium PostgreSQL delete, REPLICA IDENTITY DEFAULT: the key in before, after null',
    partitionKey: '{"id":45}',
    data: json({ before: { id: 45 }, after: null, source: pgSource(T0 + 3000), op: 'd', ts_ms: T0 + 3010 }),
    format: 'debezium',
    cdc: { operation: 'delete', data: null, before: { id: 45 }, changed: null },
    pretty: 'delete  public.customers  {"id":45}',
  },
  {
    name: "Debezium Server's tombstone after that delete: 0 bytes, the row key as partition key",
    partitionKey: '{"id":45}',
    data: Buffer.alloc(0),
    format: 'tombstone',
    cdc: null,
    pretty: 'tombstone  {"id":45}',
  },
  {
    name: 'Debezium PostgreSQL truncate: no before, no after',
    partitionKey: 'default',
    data: json({ before: null, after: null, source: pgSource(T0 + 4000), op: 't', ts_ms: T0 + 4010 }),
    format: 'debezium',
    cdc: { operation: 'truncate', schema: 'public', table: 'customers', data: null, before: null },
    pretty: 'truncate  public.customers  default',
  },
  {
    name: 'Debezium PostgreSQL transactional message: prefix and text content, no schema or table',
    partitionKey: '{"prefix":"audit"}',
    data: json({ op: 'm', ts_ms: T0 + 5010, source: pgSource(T0 + 5000, { schema: '', table: '', txId: 783, lsn: 26070480 }), message: { prefix: 'audit', content: b64('order 1001 shipped') } }),
    format: 'debezium',
    cdc: { operation: 'message', schema: null, table: null, data: null, transactionId: 783, message: { prefix: 'audit', content: 'order 1001 shipped', contentBase64: b64('order 1001 shipped') } },
    pretty: 'message  -  {"prefix":"audit"}  prefix = audit, content = order 1001 shipped',
  },
  {
    name: 'Debezium PostgreSQL non-transactional message with the schema envelope, binary content, source.ts_ms 0',
    partitionKey: '{"prefix":"wal-mark"}',
    data: json(messageSchema({ op: 'm', ts_ms: T0 + 6000, source: pgSource(0, { schema: '', table: '', txId: null, ts_us: 0, ts_ns: 0 }), message: { prefix: 'wal-mark', content: b64(Buffer.from([0, 1, 2, 255])) } })),
    format: 'debezium',
    cdc: { operation: 'message', schema: null, table: null, transactionId: null, commitTime: null, timestamp: iso(T0 + 6000), message: { prefix: 'wal-mark', content: null, contentBase64: 'AAEC/w==' } },
    pretty: 'message  -  {"prefix":"wal-mark"}  prefix = wal-mark, content = 4 bytes, base64 AAEC/w==',
  },
];

// ---------------------------------------------------------------------------------------------------------
// Debezium MySQL, and the other documents a Debezium connector writes

const mysqlSource = (ms: number) => ({
  version: '2.7.3.Final',
  connector: 'mysql',
  name: 'dbserver1',
  ts_ms: ms,
  snapshot: 'false',
  db: 'inventory',
  sequence: null,
  table: 'customers',
  server_id: 223344,
  gtid: null,
  file: 'mysql-bin.000003',
  pos: 484,
  row: 0,
  thread: 7,
  query: null,
});
const ROW = { id: 1004, first_name: 'Anne', last_name: 'Kretchmar', email: 'annek@noanswer.org' };
const BEGIN = { status: 'BEGIN', id: '0e4d5dcd-a33b-11ea-80f1-02010a22a99e:11', ts_ms: T0 + 7000, event_count: null, data_collections: null };
const END = { status: 'END', id: BEGIN.id, ts_ms: T0 + 7100, event_count: 2, data_collections: [{ data_collection: 'inventory.customers', event_count: 2 }] };
const HEARTBEAT = { schema: { type: 'struct', optional: false, name: 'io.debezium.connector.common.Heartbeat', fields: [field('ts_ms', 'int64', false)] }, payload: { ts_ms: T0 + 8000 } };
const SCHEMA_CHANGE = { source: { ...mysqlSource(T0 + 9000), table: 'customers' }, ts_ms: T0 + 9001, databaseName: 'inventory', schemaName: null, ddl: 'ALTER TABLE customers ADD COLUMN middle_name VARCHAR(2000)', tableChanges: [] };

const cut200 = (s: string) => (s.length > 200 ? `${s.slice(0, 199)}…` : s);

const MYSQL: Shape[] = [
  {
    name: 'Debezium MySQL transaction BEGIN (transaction topic): plain JSON',
    partitionKey: BEGIN.id,
    data: json(BEGIN),
    format: 'json',
    cdc: null,
    payload: BEGIN,
    pretty: `json  ${json(BEGIN)}`,
  },
  {
    name: 'Debezium MySQL create without the schema envelope: schema from source.db',
    partitionKey: '{"id":1004}',
    data: json({ before: null, after: ROW, source: mysqlSource(T0 + 7010), op: 'c', ts_ms: T0 + 7020, transaction: { id: BEGIN.id, total_order: 1, data_collection_order: 1 } }),
    format: 'debezium',
    cdc: { operation: 'insert', schema: 'inventory', table: 'customers', transactionId: BEGIN.id, commitTime: iso(T0 + 7010) },
    pretty: 'insert  inventory.customers  {"id":1004}',
  },
  {
    name: 'Debezium MySQL update with the full before (binlog_row_image=FULL): changed [email]',
    partitionKey: '{"id":1004}',
    data: json({ before: ROW, after: { ...ROW, email: 'anne@example.com' }, source: mysqlSource(T0 + 7030), op: 'u', ts_ms: T0 + 7040, transaction: { id: BEGIN.id, total_order: 2, data_collection_order: 2 } }),
    format: 'debezium',
    cdc: { operation: 'update', changed: ['email'], certainChanges: undefined },
    pretty: 'update  inventory.customers  {"id":1004}  email: annek@noanswer.org → anne@example.com',
  },
  {
    name: 'Debezium MySQL transaction END: plain JSON',
    partitionKey: BEGIN.id,
    data: json(END),
    format: 'json',
    cdc: null,
    payload: END,
    pretty: `json  ${json(END)}`,
  },
  {
    name: 'Debezium MySQL delete: the old row in before',
    partitionKey: '{"id":1004}',
    data: json({ before: { ...ROW, email: 'anne@example.com' }, after: null, source: mysqlSource(T0 + 7200), op: 'd', ts_ms: T0 + 7210 }),
    format: 'debezium',
    cdc: { operation: 'delete', data: null, schema: 'inventory' },
    pretty: 'delete  inventory.customers  {"id":1004}',
  },
  {
    name: 'Debezium MySQL truncate',
    partitionKey: 'default',
    data: json({ before: null, after: null, source: mysqlSource(T0 + 7300), op: 't', ts_ms: T0 + 7310 }),
    format: 'debezium',
    cdc: { operation: 'truncate', schema: 'inventory', table: 'customers' },
    pretty: 'truncate  inventory.customers  default',
  },
  {
    name: 'Debezium heartbeat with the schema envelope: plain JSON',
    partitionKey: '{"serverName":"dbserver1"}',
    data: json(HEARTBEAT),
    format: 'json',
    cdc: null,
    payload: HEARTBEAT,
    pretty: `json  ${cut200(json(HEARTBEAT))}`,
  },
  {
    name: 'Debezium MySQL schema change event (no op): plain JSON',
    partitionKey: '{"databaseName":"inventory"}',
    data: json(SCHEMA_CHANGE),
    format: 'json',
    cdc: null,
    payload: SCHEMA_CHANGE,
    pretty: `json  ${cut200(json(SCHEMA_CHANGE))}`,
  },
  {
    name: 'a text line keeps its trailing newline, escaped',
    partitionKey: 'log',
    data: 'connector restarted\n',
    format: 'text',
    cdc: null,
    payload: 'connector restarted\n',
    pretty: 'text  connector restarted\\n',
  },
];

export const SHAPES: Shape[] = [...DMS, ...POSTGRES, ...MYSQL];

/** A pretty line without its time and shard, with runs of spaces (column padding) as two. */
export function prettyTail(line: string): string {
  return line.replace(/^(\d{4}-\d\d-\d\d )?(\d\d:\d\d:\d\d\.\d{3}|--:--:--\.---) {2}\S+ {2}/, '').replace(/ {2,}/g, '  ');
}
