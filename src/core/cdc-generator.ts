/**
 * A seeded generator of realistic CDC records, as AWS DMS (MessageFormat json-unformatted, with
 * IncludePartitionValue, IncludeTransactionDetails and a MySQL-style full before-image) or Debezium
 * would write them to Kinesis (AWS DMS User Guide, Using Amazon Kinesis Data Streams as a target). Pure: no clock, no I/O —
 * the caller passes the time of each record; the same seed and times give the same bytes.
 *
 * Every row carries `row_version`, a per-row change counter (1 on insert, +1 on every later change,
 * kept on deletes), so a reader can verify that each row's changes arrive in order.
 */
import { UsageError } from '../errors.js';
import { KIB } from './units.js';
import { seededRandom } from './random.js';

export type CdcFormat = 'dms' | 'debezium';
export type PartitionKeyMode = 'primary-key' | 'schema-table';
export type GeneratedOperation = 'insert' | 'update' | 'delete';
export const CDC_FORMATS: readonly CdcFormat[] = ['dms', 'debezium'];
export const PARTITION_KEY_MODES: readonly PartitionKeyMode[] = ['primary-key', 'schema-table'];

/** Relative weights of each operation (they need not add up to 100). */
export interface OpMix {
  insert: number;
  update: number;
  delete: number;
}

export const DEFAULT_OP_MIX: OpMix = { insert: 70, update: 25, delete: 5 };
export const MAX_TABLES = 1000;

export interface GeneratorOptions {
  seed: number;
  /** Target size of each record's Data in KiB; records never shrink below their natural size (~0.4 KiB). */
  kb: number;
  tables: number;
  ops: OpMix;
  partitionKey: PartitionKeyMode;
  format: CdcFormat;
  /** Rows that can still receive updates, per table; older rows are forgotten so memory stays bounded. */
  liveRowsPerTable?: number;
}

export interface GeneratedRecord {
  partitionKey: string;
  /** The row's identity (schema.table.key): the unit whose order the producer preserves. */
  orderingKey: string;
  data: Uint8Array;
  operation: GeneratedOperation;
  schema: string;
  table: string;
  rowVersion: number;
}

/** Parses `insert=70,update=25,delete=5`; omitted operations weigh 0. */
export function parseOpMix(flag: string, raw: string): OpMix {
  const accepts = `a list such as insert=70,update=25,delete=5 (weights ≥ 0 for insert, update, delete; at least one > 0)`;
  const mix: OpMix = { insert: 0, update: 0, delete: 0 };
  const seen = new Set<string>();
  for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(insert|update|delete)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m || seen.has(m[1]!)) throw new UsageError(`${flag}: expected ${accepts}, got '${raw}'`);
    seen.add(m[1]!);
    mix[m[1] as GeneratedOperation] = Number(m[2]);
  }
  if (mix.insert + mix.update + mix.delete <= 0) throw new UsageError(`${flag}: expected ${accepts}, got '${raw}'`);
  return mix;
}


interface RowState {
  id: number;
  version: number;
  /** Seeds the row's stable columns (text, customer) so before- and after-images agree. */
  salt: number;
  status: number;
  amountCents: number;
  createdAtMs: number;
  updatedAtMs: number;
}

interface TableTemplate {
  schema: string;
  table: string;
  keyColumn: string;
  statuses: readonly string[];
  textColumn: string;
  /** The row image (without the padding text column's content). */
  columns(row: RowState, text: string | null): Record<string, unknown>;
}

const TEMPLATES: readonly TableTemplate[] = [
  {
    schema: 'shop',
    table: 'orders',
    keyColumn: 'order_id',
    statuses: ['NEW', 'PAID', 'PACKED', 'SHIPPED', 'DELIVERED', 'CANCELLED'],
    textColumn: 'notes',
    columns: (r, text) => ({
      order_id: r.id,
      customer_id: 1 + (r.salt % 50_000),
      status: TEMPLATES[0]!.statuses[r.status],
      amount: (r.amountCents / 100).toFixed(2),
      currency: 'EUR',
      created_at: isoMicros(r.createdAtMs),
      updated_at: isoMicros(r.updatedAtMs),
      row_version: r.version,
      notes: text,
    }),
  },
  {
    schema: 'public',
    table: 'customers',
    keyColumn: 'id',
    statuses: ['free', 'pro', 'team', 'enterprise'],
    textColumn: 'note',
    columns: (r, text) => ({
      id: r.id,
      email: `user${r.id}.${r.salt % 997}@example.com`,
      plan: TEMPLATES[1]!.statuses[r.status],
      country: COUNTRIES[r.salt % COUNTRIES.length],
      signed_up_at: isoMicros(r.createdAtMs),
      updated_at: isoMicros(r.updatedAtMs),
      row_version: r.version,
      note: text,
    }),
  },
  {
    schema: 'inventory',
    table: 'items',
    keyColumn: 'item_id',
    statuses: ['ACTIVE', 'BACKORDER', 'DISCONTINUED'],
    textColumn: 'description',
    columns: (r, text) => ({
      item_id: r.id,
      sku: `SKU-${(r.salt % 90_000) + 10_000}`,
      state: TEMPLATES[2]!.statuses[r.status],
      price: (r.amountCents / 100).toFixed(2),
      quantity: r.amountCents % 500,
      updated_at: isoMicros(r.updatedAtMs),
      row_version: r.version,
      description: text,
    }),
  },
  {
    schema: 'billing',
    table: 'invoices',
    keyColumn: 'invoice_id',
    statuses: ['DRAFT', 'OPEN', 'PAID', 'VOID'],
    textColumn: 'memo',
    columns: (r, text) => ({
      invoice_id: r.id,
      account_id: 1 + (r.salt % 20_000),
      state: TEMPLATES[3]!.statuses[r.status],
      total: (r.amountCents / 100).toFixed(2),
      due_date: isoMicros(r.createdAtMs + 30 * 86_400_000).slice(0, 10),
      updated_at: isoMicros(r.updatedAtMs),
      row_version: r.version,
      memo: text,
    }),
  },
  {
    schema: 'shop',
    table: 'payments',
    keyColumn: 'payment_id',
    statuses: ['PENDING', 'AUTHORIZED', 'CAPTURED', 'REFUNDED', 'FAILED'],
    textColumn: 'gateway_response',
    columns: (r, text) => ({
      payment_id: r.id,
      order_id: 1 + (r.salt % 1_000_000),
      status: TEMPLATES[4]!.statuses[r.status],
      amount: (r.amountCents / 100).toFixed(2),
      method: METHODS[r.salt % METHODS.length],
      updated_at: isoMicros(r.updatedAtMs),
      row_version: r.version,
      gateway_response: text,
    }),
  },
];

const COUNTRIES = ['DE', 'FR', 'US', 'BR', 'JP', 'IN', 'NL', 'ES', 'PL', 'CA'];
const METHODS = ['card', 'sepa', 'paypal', 'bank_transfer'];
const WORDS = ['lorem', 'ipsum', 'dolor', 'sit', 'amet', 'order', 'ship', 'parcel', 'customer', 'invoice', 'priority', 'express', 'gift', 'wrap', 'note', 'call', 'before', 'delivery', 'door', 'code', 'fragile', 'return', 'window', 'evening'];

/** DMS timestamps carry microseconds: 2026-11-20T10:15:00.412233Z. */
function isoMicros(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.floor((ms - whole) * 1000);
  return `${new Date(whole).toISOString().slice(0, -1)}${String(micros).padStart(3, '0')}Z`;
}

/** Deterministic filler text of exactly `length` ASCII characters (no JSON escaping needed). */
function fillerText(salt: number, length: number): string {
  if (length <= 0) return '';
  const rnd = seededRandom(salt);
  let s = '';
  while (s.length < length) s += `${WORDS[Math.floor(rnd() * WORDS.length)]!} `;
  return s.slice(0, length);
}

interface TableState {
  template: TableTemplate;
  schema: string;
  table: string;
  nextId: number;
  live: RowState[];
}

const encoder = new TextEncoder();

export class CdcGenerator {
  private readonly rnd: () => number;
  private readonly tables: TableState[];
  private readonly targetBytes: number;
  private readonly liveLimit: number;
  private transactionId: number;
  private transactionLeft = 0;
  private transactionRecordId = 0;
  private prevTransactionId: number;
  private prevTransactionRecordId = 0;
  private commitMs = 0;
  private lsn: number;
  /** Records generated so far. */
  count = 0;

  constructor(readonly options: GeneratorOptions) {
    if (!Number.isInteger(options.tables) || options.tables < 1 || options.tables > MAX_TABLES) throw new UsageError(`--tables: expected a whole number ≥ 1 and ≤ ${MAX_TABLES}, got '${options.tables}'`);
    this.rnd = seededRandom(options.seed);
    this.targetBytes = Math.round(options.kb * KIB);
    this.liveLimit = options.liveRowsPerTable ?? 10_000;
    this.tables = Array.from({ length: options.tables }, (_, i) => {
      const template = TEMPLATES[i % TEMPLATES.length]!;
      const round = Math.floor(i / TEMPLATES.length);
      // Beyond the five templates, more shards of the same tables: shop.orders_2, public.customers_2, …
      return { template, schema: template.schema, table: round === 0 ? template.table : `${template.table}_${round + 1}`, nextId: 1000 + Math.floor(this.rnd() * 9000), live: [] };
    });
    this.transactionId = 70_000_000 + Math.floor(this.rnd() * 1_000_000);
    this.prevTransactionId = this.transactionId - 1;
    this.lsn = 0x1a2b3c4d + Math.floor(this.rnd() * 0xffff);
  }

  /** The next change, stamped with `nowMs` (epoch milliseconds, may be fractional). */
  next(nowMs: number): GeneratedRecord {
    const t = this.tables[Math.floor(this.rnd() * this.tables.length)]!;
    let op = this.pickOperation();
    if (op !== 'insert' && t.live.length === 0) op = 'insert';
    this.advanceTransaction(nowMs);

    let row: RowState;
    let before: RowState | null = null;
    if (op === 'insert') {
      row = { id: t.nextId++, version: 1, salt: Math.floor(this.rnd() * 2 ** 31), status: 0, amountCents: 100 + Math.floor(this.rnd() * 99_900), createdAtMs: nowMs, updatedAtMs: nowMs };
      t.live.push(row);
      if (t.live.length > this.liveLimit) t.live.shift();
    } else {
      // Changes favour recent rows (the last 256 live ones), as real workloads do; this also puts
      // several changes of one row close together, which is what ordering checks need.
      const window = Math.min(t.live.length, 256);
      const index = t.live.length - 1 - Math.floor(this.rnd() * window);
      const current = t.live[index]!;
      before = { ...current };
      if (op === 'update') {
        current.version++;
        current.status = (current.status + 1 + Math.floor(this.rnd() * 2)) % t.template.statuses.length;
        if (this.rnd() < 0.3) current.amountCents = 100 + Math.floor(this.rnd() * 99_900);
        current.updatedAtMs = nowMs;
        row = current;
      } else {
        t.live.splice(index, 1);
        row = { ...current, version: current.version + 1 };
      }
    }
    this.count++;
    const data = this.options.format === 'dms' ? this.dms(t, op, row, before, nowMs) : this.debezium(t, op, row, before, nowMs);
    const orderingKey = `${t.schema}.${t.table}.${row.id}`;
    return {
      partitionKey: this.options.partitionKey === 'primary-key' ? orderingKey : `${t.schema}.${t.table}`,
      orderingKey,
      data,
      operation: op,
      schema: t.schema,
      table: t.table,
      rowVersion: row.version,
    };
  }

  private pickOperation(): GeneratedOperation {
    const { insert, update, delete: del } = this.options.ops;
    const r = this.rnd() * (insert + update + del);
    if (r < insert) return 'insert';
    if (r < insert + update) return 'update';
    return 'delete';
  }

  /** Transactions of 1–5 changes; ids grow, as a source database's do. */
  private advanceTransaction(nowMs: number): void {
    if (this.transactionLeft === 0) {
      this.prevTransactionId = this.transactionId;
      this.transactionId += 1 + Math.floor(this.rnd() * 3);
      this.transactionLeft = 1 + Math.floor(this.rnd() * 5);
      this.commitMs = nowMs - 1 - this.rnd() * 20;
      this.prevTransactionRecordId = this.transactionRecordId;
      this.transactionRecordId = 0;
    } else {
      this.prevTransactionRecordId = this.transactionRecordId;
    }
    this.transactionLeft--;
    this.transactionRecordId++;
    this.lsn += 40 + Math.floor(this.rnd() * 400);
  }

  private dms(t: TableState, op: GeneratedOperation, row: RowState, before: RowState | null, nowMs: number): Uint8Array {
    const key = `${t.schema}.${t.table}.${row.id}`;
    const lsn = this.lsn.toString(16).toUpperCase().padStart(8, '0');
    const metadata = {
      timestamp: isoMicros(nowMs),
      'record-type': 'data',
      operation: op,
      'partition-key-type': this.options.partitionKey,
      'partition-key-value': this.options.partitionKey === 'primary-key' ? key : `${t.schema}.${t.table}`,
      'schema-name': t.schema,
      'table-name': t.table,
      'transaction-id': this.transactionId,
      'prev-transaction-id': this.prevTransactionId,
      'transaction-record-id': this.transactionRecordId,
      'prev-transaction-record-id': this.prevTransactionRecordId,
      'commit-timestamp': isoMicros(this.commitMs),
      'stream-position': `00000003/${lsn}.${this.transactionRecordId}.00000003/${lsn}`,
    };
    const build = (text: string | null): Record<string, unknown> => {
      if (op === 'delete') {
        // DMS deletes carry the key columns, the others null; row_version keeps the change counter.
        const image = Object.fromEntries(Object.keys(t.template.columns(row, null)).map((c) => [c, null]));
        return { data: { ...image, [t.template.keyColumn]: row.id, row_version: row.version }, metadata };
      }
      const doc: Record<string, unknown> = { data: t.template.columns(row, text) };
      if (before) doc['before-image'] = t.template.columns(before, text);
      doc.metadata = metadata;
      return doc;
    };
    return this.sized(build, row.salt, op === 'update' ? 2 : op === 'delete' ? 0 : 1);
  }

  private debezium(t: TableState, op: GeneratedOperation, row: RowState, before: RowState | null, nowMs: number): Uint8Array {
    const tsMs = Math.floor(nowMs);
    const source = {
      version: '3.0.0.Final',
      connector: 'postgresql',
      name: 'cdcpipe',
      ts_ms: Math.floor(this.commitMs),
      snapshot: 'false',
      db: 'app',
      schema: t.schema,
      table: t.table,
      txId: this.transactionId,
      lsn: this.lsn,
    };
    const build = (text: string | null): Record<string, unknown> => {
      if (op === 'delete') {
        return { before: { ...t.template.columns(before!, text), row_version: row.version }, after: null, source, op: 'd', ts_ms: tsMs };
      }
      return { before: before ? t.template.columns(before, text) : null, after: t.template.columns(row, text), source, op: op === 'insert' ? 'c' : 'u', ts_ms: tsMs };
    };
    return this.sized(build, row.salt, op === 'update' ? 2 : 1);
  }

  /**
   * Serialises the record with its text column filled so the whole record is about --kb. `copies` is
   * how many times the text appears (an update's after- and before-image both hold it).
   */
  private sized(build: (text: string | null) => Record<string, unknown>, salt: number, copies: number): Uint8Array {
    const bare = JSON.stringify(build(''));
    const missing = this.targetBytes - encoder.encode(bare).length;
    if (copies === 0 || missing <= 0) return encoder.encode(copies === 0 ? JSON.stringify(build(null)) : bare);
    return encoder.encode(JSON.stringify(build(fillerText(salt, Math.floor(missing / copies)))));
  }
}
