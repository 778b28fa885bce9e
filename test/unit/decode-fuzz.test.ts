/**
 * Fuzzed record payloads (issue 8): decode never throws and always returns at least one view, whatever the
 * bytes. Deterministic: every input comes from a seeded PRNG, so a failure reproduces. The views are also
 * rendered (pretty line, JSON line) because a view that decodes but cannot be printed would still crash tail.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { gzipSync } from 'node:zlib';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { decodeRecord, type RecordMeta, type RecordView } from '../../src/core/decode.js';
import { formatJsonLine, formatPretty, formatRaw, formatTemplate, toJsonRecord } from '../../src/render/record.js';
import { compileFilter, redactView } from '../../src/core/record-filter.js';
import { seededRandom } from '../../src/core/random.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const fixture = (name: string) => readFileSync(FIXTURES + name);
const META: RecordMeta = { shardId: 'shardId-000000000001', sequenceNumber: '1', partitionKey: 'pk', arrivalTime: new Date('2026-11-20T00:00:00Z') };
const FORMATS = new Set(['dms', 'debezium', 'json', 'text', 'binary', 'tombstone']);
const plain = new Chalk({ level: 0 });
const filter = compileFilter({ tables: ['*.*'], ops: ['insert', 'control'], grep: /a/g });
const REDACT = new Set(['id', 'data', 'a']);


function randomBytes(rand: () => number, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

/**
 * Decodes and renders one input; returns a description of what went wrong, or null. Collecting problems
 * instead of calling expect() thousands of times keeps the suite fast and the failure message useful.
 */
function problem(input: Uint8Array): string | null {
  let views: RecordView[];
  try {
    views = decodeRecord(input, META);
  } catch (err) {
    return `decodeRecord threw ${String(err)}`;
  }
  if (!Array.isArray(views) || views.length === 0) return 'no view returned';
  for (const v of views) {
    if (v.shardId !== META.shardId || v.sequenceNumber !== META.sequenceNumber) return 'record identity lost';
    if (!FORMATS.has(v.format)) return `unknown format ${String(v.format)}`;
    if (v.error !== undefined && typeof v.payloadBase64 !== 'string') return 'error without the bytes';
    if (v.format === 'binary' && typeof v.payloadBase64 !== 'string') return 'binary without payloadBase64';
    try {
      const jsonLine = formatJsonLine(v);
      if (/[\r\n]/.test(jsonLine)) return 'JSON line holds a line break';
      const stringified = JSON.stringify(toJsonRecord(v));
      // Only rows copied from the record may be spelled differently; then the values must still be the same.
      if (v.rowJson === undefined ? jsonLine !== stringified : !isDeepStrictEqual(JSON.parse(jsonLine), JSON.parse(stringified))) {
        return 'JSON line differs from JSON.stringify of the record';
      }
      const line = formatPretty(v, plain);
      if (line.includes('\n') || line.includes('\u001b')) return 'pretty line breaks the line or carries escapes';
      formatTemplate(v, '%s %S %k %T %o %t %d %p %%');
      formatRaw(v);
      filter(v);
      JSON.stringify(toJsonRecord(redactView(v, REDACT)));
    } catch (err) {
      return `rendering threw ${String(err)}`;
    }
  }
  return null;
}

function expectNoProblems(inputs: Iterable<[string, Uint8Array]>): number {
  const problems: string[] = [];
  let n = 0;
  for (const [label, input] of inputs) {
    n++;
    const p = problem(input);
    if (p) problems.push(`${label}: ${p}`);
    if (problems.length >= 5) break;
  }
  expect(problems).toEqual([]);
  return n;
}

const FIXTURE_NAMES = [
  'insert.json',
  'update-before-image-mysql.json',
  'update-transaction-details-postgres.json',
  'delete.json',
  'control-create-table.json',
  'debezium-update-with-schema.json',
  'debezium-delete-bare.json',
];

describe('decode fuzz (seeded)', () => {
  it('2,000 random byte strings of 0..2 KiB, some behind gzip, KPL or JSON magic', () => {
    const rand = seededRandom(0xc0ffee);
    const prefixes = [[], [0x1f, 0x8b], [0x1f, 0x8b, 0x08, 0x00], [0xf3, 0x89, 0x9a, 0xc2], [0x7b], [0x5b], [0x22]];
    function* inputs(): Generator<[string, Uint8Array]> {
      for (let i = 0; i < 2000; i++) {
        const prefix = prefixes[i % prefixes.length]!;
        yield [`random #${i}`, Buffer.concat([Buffer.from(prefix), randomBytes(rand, Math.floor(rand() * 2048))])];
      }
    }
    expect(expectNoProblems(inputs())).toBe(2000);
  });

  it('deeply nested JSON: 100,000 levels of [[[…]]], of {"a":{…}}, unclosed, and inside a DMS record', () => {
    const depth = 100_000;
    const cases: [string, Uint8Array][] = [
      ['100k arrays', Buffer.from('['.repeat(depth) + ']'.repeat(depth))],
      ['100k objects', Buffer.from('{"a":'.repeat(depth) + '1' + '}'.repeat(depth))],
      ['100k unclosed', Buffer.from('['.repeat(depth))],
      ['100k in DMS data', Buffer.from(`{"metadata":{"record-type":"data","operation":"update","schema-name":"s","table-name":"t"},"data":{"a":${'['.repeat(depth)}${']'.repeat(depth)}},"before-image":{"a":1}}`)],
      ['100k gzip-compressed', gzipSync('['.repeat(depth) + ']'.repeat(depth))],
    ];
    expectNoProblems(cases);
    expect(cases.map(([label, input]) => [label, decodeRecord(input, META)[0]!.error?.replace(/:.*/, '')])).toEqual([
      ['100k arrays', 'JSON nested deeper than 512 levels'],
      ['100k objects', 'JSON nested deeper than 512 levels'],
      ['100k unclosed', 'invalid JSON'],
      ['100k in DMS data', 'JSON nested deeper than 512 levels'],
      ['100k gzip-compressed', 'JSON nested deeper than 512 levels'],
    ]);
  });

  it('1 MiB records: a DMS row with a 1 MiB column, 1 MiB of random bytes, 1 MiB of text', () => {
    const rand = seededRandom(7);
    const big = 'x'.repeat(1024 * 1024);
    const dms = Buffer.from(JSON.stringify({ data: { id: 1, blob: big }, metadata: { 'record-type': 'data', operation: 'insert', 'schema-name': 's', 'table-name': 't' } }));
    expectNoProblems([
      ['1 MiB DMS', dms],
      ['1 MiB random', randomBytes(rand, 1024 * 1024)],
      ['1 MiB text', Buffer.from(big)],
    ]);
    const view = decodeRecord(dms, META)[0]!;
    expect(view.format).toBe('dms');
    expect((view.cdc?.data as { blob: string }).blob).toHaveLength(1024 * 1024);
  });

  it('invalid UTF-8 injected into every fixture at 50 seeded positions each', () => {
    const rand = seededRandom(99);
    const bad = [[0xff], [0xc3], [0x80], [0xed, 0xa0, 0x80] /* surrogate */, [0xf4, 0x90, 0x80, 0x80] /* > U+10FFFF */, [0xc0, 0xaf] /* overlong */];
    function* inputs(): Generator<[string, Uint8Array]> {
      for (const name of FIXTURE_NAMES) {
        const src = fixture(name);
        for (let i = 0; i < 50; i++) {
          const at = Math.floor(rand() * src.length);
          const seq = bad[i % bad.length]!;
          yield [`${name} @${at}`, Buffer.concat([src.subarray(0, at), Buffer.from(seq), src.subarray(at)])];
        }
      }
    }
    expectNoProblems(inputs());
    // A JSON document with an invalid byte is reported, not shown with replacement characters.
    const broken = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff]), Buffer.from('"}')]);
    expect(decodeRecord(broken, META)[0]!.error).toBe('invalid UTF-8 in a JSON payload');
  });

  it('truncated gzip: the compressed insert cut at every length', () => {
    const gz = gzipSync(fixture('insert.json'));
    function* inputs(): Generator<[string, Uint8Array]> {
      for (let len = 0; len < gz.length; len++) yield [`gzip[0..${len})`, gz.subarray(0, len)];
    }
    expectNoProblems(inputs());
    for (let len = 2; len < gz.length - 8; len++) expect(decodeRecord(gz.subarray(0, len), META)[0]!.error).toMatch(/gzip/);
  });

  it('truncated KPL: the aggregate cut at every length', () => {
    const kpl = fixture('kpl-aggregated-3-records.bin');
    function* inputs(): Generator<[string, Uint8Array]> {
      for (let len = 0; len < kpl.length; len++) yield [`kpl[0..${len})`, kpl.subarray(0, len)];
    }
    expectNoProblems(inputs());
    for (let len = 4; len < kpl.length; len++) expect(decodeRecord(kpl.subarray(0, len), META).some((v) => v.error !== undefined)).toBe(true);
  });

  it('corrupted KPL: 300 seeded byte flips, half with the MD5 recomputed so the protobuf decoder sees the damage', () => {
    const rand = seededRandom(1234);
    const kpl = fixture('kpl-aggregated-3-records.bin');
    const body = kpl.subarray(4, kpl.length - 16);
    function* inputs(): Generator<[string, Uint8Array]> {
      for (let i = 0; i < 300; i++) {
        const copy = Buffer.from(body);
        const flips = 1 + Math.floor(rand() * 4);
        for (let f = 0; f < flips; f++) copy[Math.floor(rand() * copy.length)] = Math.floor(rand() * 256);
        const md5 = i % 2 === 0 ? createHash('md5').update(copy).digest() : kpl.subarray(kpl.length - 16);
        yield [`kpl flip #${i}`, Buffer.concat([kpl.subarray(0, 4), copy, md5])];
      }
    }
    expect(expectNoProblems(inputs())).toBe(300);
  });
});
