// Decode throughput benchmark (issue 8 (b)): decodeRecord over (1) the fixture mix in test/fixtures and
// (2) 1 KiB DMS records (insert / update with a full before-image / delete), each beside a bare
// `JSON.parse(bytes.toString('utf8'))` loop over the same bytes, measured in the same run and alternated so
// drift in machine load hits both. One thread, so the figures are per core.
// Target: ≥ 100 MiB/s on 1 KiB DMS records (50 shards × 2 MiB/s read).
// Run after a build: `npx tsc -p tsconfig.build.json && node bench/decode.js [secondsPerRound]`.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeRecord } from '../dist/core/decode.js';
import { seededRandom } from '../dist/core/random.js';

const FIXTURES = fileURLToPath(new URL('../test/fixtures/', import.meta.url));
const MIB = 1024 * 1024;
const TARGET_MIBPS = 100;


export function fixtureMix() {
  return readdirSync(FIXTURES)
    .filter((f) => f !== 'README.md')
    .sort()
    .map((f) => readFileSync(FIXTURES + f));
}

/** `count` DMS records of `targetBytes` each (± a few bytes), in json-unformatted style as DMS writes them. */
export function dmsRecords(count = 2000, targetBytes = 1024, seed = 42) {
  const rand = seededRandom(seed);
  const ops = ['insert', 'update', 'delete'];
  const out = [];
  for (let i = 0; i < count; i++) {
    const op = ops[i % 3];
    const id = 100000 + i;
    const row = {
      order_id: id,
      customer_id: Math.floor(rand() * 1e6),
      status: op === 'update' ? 'PAID' : 'NEW',
      amount: (rand() * 1000).toFixed(2),
      currency: 'EUR',
      created_at: '2026-11-20T10:15:00.000000Z',
      updated_at: '2026-11-20T10:16:02.000118Z',
      note: '',
    };
    const doc = {
      data: op === 'delete' ? { order_id: id, customer_id: null, status: null, amount: null, currency: null, created_at: null, updated_at: null, note: null } : row,
      ...(op === 'update' ? { 'before-image': { ...row, status: 'NEW', updated_at: '2026-11-20T10:15:00.000000Z' } } : {}),
      metadata: {
        timestamp: '2026-11-20T10:16:02.000118Z',
        'record-type': 'data',
        operation: op,
        'partition-key-type': 'primary-key',
        'partition-key-value': `shop.orders.${id}`,
        'schema-name': 'shop',
        'table-name': 'orders',
        'transaction-id': 73014444000 + i,
      },
    };
    const pad = targetBytes - Buffer.byteLength(JSON.stringify(doc));
    const filler = Array.from({ length: Math.max(0, pad) }, () => String.fromCharCode(97 + Math.floor(rand() * 26))).join('');
    if (op === 'delete') doc.metadata['stream-position'] = filler.slice(0, Math.max(0, pad - 20)); // deletes carry no row text; 20 = the added key
    else if (op === 'update') {
      // the note appears twice (data and before-image): split the padding so the record stays at targetBytes
      row.note = filler.slice(0, Math.ceil(filler.length / 2));
      doc['before-image'].note = filler.slice(0, Math.floor(filler.length / 2));
    } else row.note = filler;
    out.push(Buffer.from(JSON.stringify(doc)));
  }
  return out;
}

/**
 * One metadata object per record, as a GetRecords response gives, each with its own arrival millisecond:
 * the worst case for decode's arrival-time memo.
 */
const metas = new Map();
function metaFor(records) {
  let list = metas.get(records);
  if (!list) {
    const t0 = Date.parse('2026-11-20T10:16:02.500Z');
    list = records.map((_, i) => ({
      shardId: 'shardId-000000000003',
      sequenceNumber: `4965000000000000000000000000000000000000000000000${String(i).padStart(7, '0')}`,
      partitionKey: `shop.orders.${1000 + i}`,
      arrivalTime: new Date(t0 + i),
    }));
    metas.set(records, list);
  }
  return list;
}

function decodeAll(records) {
  const meta = metaFor(records);
  let views = 0;
  for (let i = 0; i < records.length; i++) views += decodeRecord(records[i], meta[i]).length;
  return views;
}

function parseAll(records) {
  let n = 0;
  for (const r of records) {
    try {
      if (JSON.parse(r.toString('utf8')) !== undefined) n++;
    } catch {
      n++;
    }
  }
  return n;
}

/** Loops `fn(records)` for about `seconds` of wall time; returns records/s and MiB/s of input bytes per CPU second. */
function measure(fn, records, seconds) {
  const bytes = records.reduce((s, r) => s + r.length, 0);
  let passes = 0;
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let elapsedS = 0;
  do {
    fn(records);
    passes++;
    elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
  } while (elapsedS < seconds);
  const cpu = process.cpuUsage(cpuStart);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  // Per core = per CPU second of this process (user + system, GC threads included, so conservative): on a
  // machine shared with other work, wall time would measure the neighbours as much as the decoder.
  return {
    records: passes * records.length,
    wallSeconds: elapsedS,
    cpuSeconds: cpuS,
    recordsPerSecond: (passes * records.length) / cpuS,
    mibPerSecond: (passes * bytes) / MIB / cpuS,
    wallMiBPerSecond: (passes * bytes) / MIB / elapsedS,
  };
}

function compare(records, secondsPerRound, rounds) {
  // Warm both paths up (JIT, lazy loading of the KPL decoder) before measuring.
  measure(decodeAll, records, 0.3);
  measure(parseAll, records, 0.3);
  const decode = [];
  const parse = [];
  for (let i = 0; i < rounds; i++) {
    decode.push(measure(decodeAll, records, secondsPerRound));
    parse.push(measure(parseAll, records, secondsPerRound));
  }
  const best = (xs) => xs.reduce((a, b) => (b.mibPerSecond > a.mibPerSecond ? b : a));
  const d = best(decode);
  const p = best(parse);
  return {
    distinctRecords: records.length,
    meanRecordBytes: Math.round(records.reduce((s, r) => s + r.length, 0) / records.length),
    decode: d,
    jsonParse: p,
    ratioToJsonParse: d.mibPerSecond / p.mibPerSecond,
  };
}

export function benchDecode(secondsPerRound = 1, rounds = 3) {
  return {
    fixtureMix: compare(fixtureMix(), secondsPerRound, rounds),
    dms1KiB: compare(dmsRecords(), secondsPerRound, rounds),
    targetMiBps: TARGET_MIBPS,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = benchDecode(Number(process.argv[2] ?? 1));
  const row = (name, m) =>
    `  ${name.padEnd(30)} ${Math.round(m.recordsPerSecond).toLocaleString('en-US').padStart(11)} records/s  ${m.mibPerSecond.toFixed(1).padStart(7)} MiB/s  (wall ${m.wallMiBPerSecond.toFixed(1)} MiB/s)`;
  console.log('decode throughput per core (per CPU second of one thread), best of 3 rounds');
  for (const [name, c] of [['fixture mix', r.fixtureMix], ['1 KiB DMS records', r.dms1KiB]]) {
    console.log(`${name} (${c.distinctRecords} distinct records, mean ${c.meanRecordBytes} bytes)`);
    console.log(row('decodeRecord', c.decode));
    console.log(row('JSON.parse(utf8) baseline', c.jsonParse));
    console.log(`  decode / baseline              ${c.ratioToJsonParse.toFixed(2)}×`);
  }
  const ok = r.dms1KiB.decode.mibPerSecond >= TARGET_MIBPS;
  console.log(`target ≥ ${TARGET_MIBPS} MiB/s on 1 KiB DMS records: ${ok ? 'met' : 'NOT met'} (${r.dms1KiB.decode.mibPerSecond.toFixed(1)} MiB/s)`);
}
