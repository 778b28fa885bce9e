import { describe, expect, it } from 'vitest';
import { CdcGenerator, parseOpMix, type GeneratorOptions } from '../../src/core/cdc-generator.js';
import { decodeRecord } from '../../src/core/decode.js';
import { TokenBucket, backoffMs } from '../../src/core/rate.js';
import { checkLoad } from '../../src/core/load-check.js';
import { planCapacity } from '../../src/core/capacity.js';
import { UsageError } from '../../src/errors.js';

const BASE: GeneratorOptions = { seed: 1, kb: 2, tables: 4, ops: { insert: 70, update: 25, delete: 5 }, partitionKey: 'primary-key', format: 'dms' };
const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
const text = new TextDecoder();

function generate(opts: Partial<GeneratorOptions>, n: number) {
  const gen = new CdcGenerator({ ...BASE, ...opts });
  return Array.from({ length: n }, (_, i) => gen.next(T0 + i * 5));
}
const doc = (data: Uint8Array) => JSON.parse(text.decode(data)) as Record<string, Record<string, unknown>>;
const meta = { shardId: 'shardId-000000000000', sequenceNumber: '1', partitionKey: 'k', arrivalTime: undefined };

describe('CdcGenerator: sizes', () => {
  const cases: [string, number, 'dms' | 'debezium'][] = [
    ['DMS inserts and updates of --kb 2 are within 2 % of 2 KiB', 2, 'dms'],
    ['DMS inserts and updates of --kb 16 are within 2 % of 16 KiB', 16, 'dms'],
    ['Debezium changes of --kb 4 are within 2 % of 4 KiB', 4, 'debezium'],
  ];
  it.each(cases)('%s', (_name, kb, format) => {
    const recs = generate({ kb, format }, 400).filter((r) => r.operation !== 'delete');
    for (const r of recs) expect(Math.abs(r.data.length - kb * 1024) / (kb * 1024)).toBeLessThan(0.02);
  });
  it('records smaller than a row’s natural size are not truncated (--kb 0.1 gives whole JSON rows)', () => {
    for (const r of generate({ kb: 0.1 }, 50)) expect(() => JSON.parse(text.decode(r.data))).not.toThrow();
  });
});

describe('CdcGenerator: operation mix', () => {
  const cases: [string, string, { insert: number; update: number; delete: number }][] = [
    ['the default 70/25/5 mix comes out within 3 points over 5,000 records', 'insert=70,update=25,delete=5', { insert: 0.7, update: 0.25, delete: 0.05 }],
    ['insert only gives only inserts', 'insert=1', { insert: 1, update: 0, delete: 0 }],
    ['an update-heavy mix keeps its proportions', 'insert=20,update=70,delete=10', { insert: 0.2, update: 0.7, delete: 0.1 }],
  ];
  it.each(cases)('%s', (_name, raw, expected) => {
    const recs = generate({ ops: parseOpMix('--ops', raw), kb: 0.5 }, 5000);
    for (const op of ['insert', 'update', 'delete'] as const) {
      const share = recs.filter((r) => r.operation === op).length / recs.length;
      expect(Math.abs(share - expected[op])).toBeLessThan(0.03);
    }
  });
  const bad: [string, string][] = [
    ['an unknown operation is refused', 'insert=70,upsert=30'],
    ['all-zero weights are refused', 'insert=0,update=0'],
    ['a repeated operation is refused', 'insert=1,insert=2'],
    ['a negative weight is refused', 'insert=-1'],
  ];
  it.each(bad)('%s', (_name, raw) => {
    expect(() => parseOpMix('--ops', raw)).toThrow(UsageError);
    expect(() => parseOpMix('--ops', raw)).toThrow(/--ops/);
  });
});

describe('CdcGenerator: determinism and order', () => {
  it('the same seed and times give the same bytes', () => {
    const a = generate({ seed: 99 }, 300);
    const b = generate({ seed: 99 }, 300);
    expect(a.map((r) => text.decode(r.data))).toEqual(b.map((r) => text.decode(r.data)));
  });
  it('another seed gives other records', () => {
    expect(text.decode(generate({ seed: 1 }, 1)[0]!.data)).not.toBe(text.decode(generate({ seed: 2 }, 1)[0]!.data));
  });
  it('each row’s row_version runs 1, 2, 3 … in generation order, and a deleted row gets no more changes', () => {
    const last = new Map<string, number>();
    const deleted = new Set<string>();
    for (const r of generate({ ops: { insert: 30, update: 60, delete: 10 } }, 3000)) {
      expect(deleted.has(r.orderingKey)).toBe(false);
      expect(r.rowVersion).toBe((last.get(r.orderingKey) ?? 0) + 1);
      expect(doc(r.data).data!.row_version).toBe(r.rowVersion);
      last.set(r.orderingKey, r.rowVersion);
      if (r.operation === 'delete') deleted.add(r.orderingKey);
    }
  });
  it('transaction ids never go down', () => {
    const ids = generate({}, 500).map((r) => Number(doc(r.data).metadata!['transaction-id']));
    for (let i = 1; i < ids.length; i++) expect(ids[i]!).toBeGreaterThanOrEqual(ids[i - 1]!);
  });
});

describe('CdcGenerator: DMS shape', () => {
  const recs = generate({ ops: { insert: 40, update: 40, delete: 20 } }, 300);
  it('every record is a DMS data record with the metadata DMS writes', () => {
    for (const r of recs) {
      const d = doc(r.data);
      expect(Object.keys(d.metadata!)).toEqual(expect.arrayContaining(['timestamp', 'record-type', 'operation', 'partition-key-type', 'partition-key-value', 'schema-name', 'table-name', 'transaction-id', 'commit-timestamp']));
      expect(d.metadata!['record-type']).toBe('data');
      expect(d.metadata!.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(d.metadata!['partition-key-value']).toBe(r.partitionKey);
    }
  });
  it('updates carry a before-image that differs from the row', () => {
    const updates = recs.filter((r) => r.operation === 'update').map((r) => doc(r.data));
    expect(updates.length).toBeGreaterThan(50);
    for (const u of updates) {
      expect(u['before-image']).toBeDefined();
      expect(u['before-image']!.row_version).toBe(Number(u.data!.row_version) - 1);
    }
  });
  it('deletes carry the key columns and null elsewhere', () => {
    const deletes = recs.filter((r) => r.operation === 'delete').map((r) => doc(r.data));
    expect(deletes.length).toBeGreaterThan(20);
    for (const d of deletes) {
      const [key, ...rest] = Object.entries(d.data!).filter(([c]) => c !== 'row_version');
      expect(key![1]).not.toBeNull();
      for (const [, v] of rest) expect(v).toBeNull();
    }
  });
  it('decodeRecord classifies every record as dms with its operation, table and transaction', () => {
    for (const r of recs) {
      const [view] = decodeRecord(r.data, { ...meta, partitionKey: r.partitionKey });
      expect(view!.format).toBe('dms');
      expect(view!.cdc).toMatchObject({ recordType: 'data', operation: r.operation, schema: r.schema, table: r.table });
      expect(view!.cdc!.transactionId).not.toBeNull();
    }
  });
  it('schema-table partitioning keys records by schema.table', () => {
    for (const r of generate({ partitionKey: 'schema-table' }, 50)) {
      expect(r.partitionKey).toBe(`${r.schema}.${r.table}`);
      expect(doc(r.data).metadata!['partition-key-type']).toBe('schema-table');
    }
  });
  it('--tables 7 spreads changes over 7 distinct tables', () => {
    expect(new Set(generate({ tables: 7 }, 2000).map((r) => `${r.schema}.${r.table}`)).size).toBe(7);
  });
  it('Debezium records decode as debezium with c/u/d mapped to insert/update/delete', () => {
    for (const r of generate({ format: 'debezium', ops: { insert: 40, update: 40, delete: 20 } }, 200)) {
      const [view] = decodeRecord(r.data, meta);
      expect(view!.format).toBe('debezium');
      expect(view!.cdc!.operation).toBe(r.operation);
    }
  });
});

describe('TokenBucket pacing', () => {
  const cases: [string, number, number, number[], number][] = [
    ['200/s releases 200 records over 1 s in 50 ms ticks', 200, 200, Array.from({ length: 20 }, (_, i) => (i + 1) * 50), 200],
    ['an idle 5 s releases at most the 1 s capacity, not 5 s worth', 100, 100, [5000], 100],
    ['0.5/s releases one record every 2 s', 0.5, 1, [1000, 2000, 3000, 4000], 2],
  ];
  it.each(cases)('%s', (_name, rate, capacity, ticks, expected) => {
    const bucket = new TokenBucket(rate, capacity, 0);
    expect(ticks.reduce((n, t) => n + bucket.take(t), 0)).toBe(expected);
  });
  it('take honours the max', () => {
    expect(new TokenBucket(1000, 1000, 0).take(1000, 10)).toBe(10);
  });
  it('back-off grows exponentially to its cap', () => {
    expect([1, 2, 3, 4, 10].map((a) => backoffMs(a, 0.9999))).toEqual([99, 199, 399, 799, 1999]);
  });
});

describe('checkLoad: does the stream carry the load?', () => {
  const cases: [string, number, number, 'provisioned' | 'on-demand', number, string][] = [
    ['200 records/s × 2 KiB on 2 shards holds', 200, 2, 'provisioned', 2, 'holds'],
    ['1,000 records/s × 1 KiB fits 1 shard at 100 % but the plan recommends 2: tight', 1000, 1, 'provisioned', 1, 'tight'],
    ['3,000 records/s × 1 KiB on 2 shards does not hold', 3000, 1, 'provisioned', 2, 'does-not-hold'],
    ['3,000 records/s × 1 KiB on on-demand holds (under 4 MiB/s, 4,000 records/s)', 3000, 1, 'on-demand', 4, 'holds'],
    ['5,000 records/s × 1 KiB on a new on-demand stream is tight', 5000, 1, 'on-demand', 4, 'tight'],
  ];
  it.each(cases)('%s', (_name, rps, kb, mode, openShards, verdict) => {
    expect(checkLoad(planCapacity({ rps, kb }), { mode, openShards }).verdict).toBe(verdict);
  });
});
