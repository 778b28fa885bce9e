/** `cdcpipe top`'s pure half: frames (rates, shares, hottest, headroom), key advice and the screen's fitting. */
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { evenRanges, partitionKeyToHashKey, type ShardRange } from '../../src/core/hash-range.js';
import { buildTopFrame, type Rate, type TopInput } from '../../src/core/top-frame.js';
import { adviseHotShard, shellQuote, splitCommand, type Counts } from '../../src/core/top-keys.js';
import { topScreenLines } from '../../src/render/top.js';
import { sampleCallIntervalMs } from '../../src/aws/top-sampler.js';
import { SampleWindow, type WindowBucket, type WindowFigures } from '../../src/core/top-window.js';

const shards = (n: number): ShardRange[] => evenRanges(n).map((r, i) => ({ ...r, shardId: `shardId-${String(i).padStart(12, '0')}`, open: true }));
const FULL = { start: 0n, end: (1n << 128n) - 1n };
const keysOf = (entries: [string, number][]): Map<string, Counts> => new Map(entries.map(([k, records]) => [k, { records, bytes: records * 100 }]));
const byRecords = (c: Counts) => c.records;

/** Keys whose MD5 lies in the first `part` of the space, found by counting up. */
function keysBelow(limit: bigint, count: number, prefix = 'k'): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) if (partitionKeyToHashKey(`${prefix}-${i}`) < limit) out.push(`${prefix}-${i}`);
  return out;
}

describe('adviseHotShard', () => {
  it.each<[string, [string, number][], string]>([
    ['one key only: it cannot be split', [['a', 10]], 'hot-key'],
    ['one key with 60 % of the load: the median lies inside it', [['a', 60], ['b', 20], ['c', 20]], 'hot-key'],
    ['exactly half on one key still cannot be halved by a cut', [['a', 50], ['b', 25], ['c', 25]], 'hot-key'],
    ['three even keys: split', [['a', 1], ['b', 1], ['c', 1]], 'split'],
    ['many small keys: split', Array.from({ length: 50 }, (_, i) => [`k${i}`, 1 + (i % 3)] as [string, number]), 'split'],
  ])('%s', (_name, entries, kind) => {
    expect(adviseHotShard('s0', FULL, keysOf(entries), byRecords)?.kind).toBe(kind);
  });

  it('no keys in the shard: no advice', () => {
    expect(adviseHotShard('s0', { start: 0n, end: 1n }, keysOf([['a', 5]]), byRecords)).toBeUndefined();
  });

  it('the split key is a sampled key at the load median, inside the shard and not its first hash key', () => {
    const keys = keysBelow(1n << 125n, 101);
    const advice = adviseHotShard('s0', { start: 0n, end: (1n << 127n) - 1n }, keysOf(keys.map((k) => [k, 1])), byRecords);
    expect(advice?.kind).toBe('split');
    if (advice?.kind !== 'split') return;
    const at = partitionKeyToHashKey(advice.atKey);
    expect(advice.startingHashKey).toBe(at.toString());
    expect(at > 0n).toBe(true);
    const below = keys.filter((k) => partitionKeyToHashKey(k) < at).length;
    expect(Math.abs(below - 50.5)).toBeLessThanOrEqual(0.5);
    expect(advice.lowerShare + advice.upperShare).toBeCloseTo(1, 9);
    expect(Math.abs(advice.lowerShare - 0.5)).toBeLessThan(0.01);
  });

  it('weights follow the binding dimension: by bytes, the heavy-bytes key decides', () => {
    const keys = new Map<string, Counts>([
      ['a', { records: 1, bytes: 900 }],
      ['b', { records: 10, bytes: 50 }],
      ['c', { records: 10, bytes: 50 }],
    ]);
    expect(adviseHotShard('s0', FULL, keys, (c) => c.bytes)).toMatchObject({ kind: 'hot-key', partitionKey: 'a' });
    expect(adviseHotShard('s0', FULL, keys, byRecords)?.kind).toBe('split');
  });
});

describe('splitCommand and shellQuote', () => {
  it.each([
    ['customer-42', 'customer-42'],
    ['a b', "'a b'"],
    ["it's", "'it'\\''s'"],
    ['shop.orders.7', 'shop.orders.7'],
  ])('%j → %s', (raw, quoted) => expect(shellQuote(raw)).toBe(quoted));

  it('is a command reshard accepts: --split <shardId> --at-key <key>', () => {
    expect(splitCommand('orders', { kind: 'split', shardId: 'shardId-000000000001', atKey: 'a b', startingHashKey: '1', lowerShare: 0.5, upperShare: 0.5, keys: 3 })).toBe(
      "cdcpipe reshard orders --split shardId-000000000001 --at-key 'a b'",
    );
  });
});

const base = (over: Partial<TopInput> = {}): TopInput => ({
  stream: 'orders',
  streamMode: 'PROVISIONED',
  shards: shards(4),
  source: { kind: 'sample', via: 'polling', spanMs: 10_000 },
  hotAt: 0.8,
  nowMs: Date.UTC(2026, 11, 1, 12, 0, 0),
  notes: [],
  ...over,
});

describe('buildTopFrame', () => {
  const rates = (list: [number, number][]) => new Map(list.map(([r, b], i) => [`shardId-${String(i).padStart(12, '0')}`, { recordsPerSec: r, bytesPerSec: b }]));

  it.each<[string, [number, number][], { hottest?: string; headroom: number; hottestHeadroom?: number; hot: string[] }]>([
    ['idle stream: no hottest shard, full headroom', [], { headroom: 1, hot: [] }],
    ['900 records/s on one shard of 4: hot, headroom by records', [[900, 1000], [100, 1000], [0, 0], [0, 0]], { hottest: 'shardId-000000000000', headroom: 0.75, hottestHeadroom: 0.1, hot: ['shardId-000000000000'] }],
    ['bytes bind: 0.9 MiB/s on shard 2', [[10, 0], [10, 0], [10, 0.9 * 1024 * 1024], [10, 0]], { hottest: 'shardId-000000000002', headroom: 0.775, hottestHeadroom: 0.1, hot: ['shardId-000000000002'] }],
  ])('%s', (_name, list, want) => {
    const f = buildTopFrame(base({ shardRates: rates(list) }));
    expect(f.hottest?.shardId).toBe(want.hottest);
    expect(f.headroom.stream).toBeCloseTo(want.headroom, 6);
    if (want.hottestHeadroom !== undefined) expect(f.headroom.hottestShard).toBeCloseTo(want.hottestHeadroom, 6);
    expect(f.shards.filter((s) => s.hot).map((s) => s.shardId)).toEqual(want.hot);
    expect(f.shards.map((s) => s.keySpaceShare)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('traffic shares add up to 1 and follow records', () => {
    const f = buildTopFrame(base({ shardRates: rates([[300, 0], [100, 0], [100, 0], [0, 0]]) }));
    expect(f.shards.map((s) => s.trafficShare)).toEqual([0.6, 0.2, 0.2, 0]);
    expect(f.totals).toMatchObject({ recordsPerSec: 500, capacityRecordsPerSec: 4000, recordsUtilization: 0.125 });
  });

  it('stream-level CloudWatch: totals only, no per-shard rates, no hottest shard', () => {
    const f = buildTopFrame(base({ source: { kind: 'cloudwatch', level: 'stream', periodS: 60 }, streamRate: { recordsPerSec: 2000, bytesPerSec: 0 } }));
    expect(f.hottest).toBeUndefined();
    expect(f.shards[0]!.recordsPerSec).toBeUndefined();
    expect(f.headroom.stream).toBeCloseTo(0.5, 9);
  });

  it('a hot shard seen through CloudWatch asks for --sample; sampled keys give a split or the single key', () => {
    const hotRates = rates([[900, 0], [0, 0], [0, 0], [0, 0]]);
    expect(buildTopFrame(base({ source: { kind: 'cloudwatch', level: 'shard', periodS: 60 }, shardRates: hotRates })).advice).toMatchObject([{ kind: 'needs-sample', shardId: 'shardId-000000000000' }]);
    const quarter = 1n << 126n;
    const many = keysBelow(quarter, 40).map((k) => [k, 225] as [string, number]);
    const split = buildTopFrame(base({ shardRates: hotRates, keys: new Map([['shardId-000000000000', keysOf(many)]]) })).advice[0]!;
    expect(split).toMatchObject({ kind: 'split', command: expect.stringMatching(/^cdcpipe reshard orders --split shardId-000000000000 --at-key k-\d+$/) });
    const one = buildTopFrame(base({ shardRates: hotRates, keys: new Map([['shardId-000000000000', keysOf([[many[0]![0], 9000]])]]) })).advice[0]!;
    expect(one).toMatchObject({ kind: 'hot-key', partitionKey: many[0]![0] });
    expect(one.command).toBeUndefined();
    expect(one.text).toMatch(/100 % of the stream's records/);
  });

  it('top keys: by records across shards, with shares of the sampled records and rates over the span', () => {
    const keys = new Map([
      ['shardId-000000000000', keysOf([['a', 60], ['b', 10]])],
      ['shardId-000000000001', keysOf([['c', 30]])],
    ]);
    const f = buildTopFrame(base({ keys, shardRates: rates([[7, 0], [3, 0]]) }));
    expect(f.topKeys.map((k) => [k.partitionKey, k.share, k.recordsPerSec])).toEqual([
      ['a', 0.6, 6],
      ['c', 0.3, 3],
      ['b', 0.1, 1],
    ]);
  });
});

/** Every bucket kept: a window longer than the buckets. */
function mergeBuckets(buckets: WindowBucket[]): WindowFigures {
  const window = new SampleWindow(Infinity);
  return buckets.map((b) => window.push(b)).at(-1)!;
}

/** The reference for SampleWindow: each shard's rate from the kept buckets, summed again from scratch. */
function ratesFromScratch(buckets: WindowBucket[]): Map<string, Rate> {
  const totals = new Map<string, { records: number; bytes: number; ms: number }>();
  for (const b of buckets) {
    for (const [shardId, perKey] of b.shards) {
      const t = totals.get(shardId) ?? { records: 0, bytes: 0, ms: 0 };
      for (const c of perKey.values()) {
        t.records += c.records;
        t.bytes += c.bytes;
      }
      totals.set(shardId, t);
    }
  }
  for (const [shardId, t] of totals) t.ms = buckets.reduce((n, b) => n + (b.coveredMs?.get(shardId) ?? 0), 0);
  return new Map([...totals].map(([shardId, t]) => [shardId, { recordsPerSec: (t.records * 1000) / t.ms, bytesPerSec: (t.bytes * 1000) / t.ms }]));
}

describe('mergeBuckets', () => {
  it('sums counts per key and turns them into rates over the buckets\' total span', () => {
    const m = mergeBuckets([
      { spanMs: 1000, shards: new Map([['s0', keysOf([['a', 10]])]]) },
      { spanMs: 1000, shards: new Map([['s0', keysOf([['a', 10], ['b', 20]])], ['s1', keysOf([['c', 4]])]]) },
    ]);
    expect(m.spanMs).toBe(2000);
    expect(m.rates.get('s0')).toEqual({ recordsPerSec: 20, bytesPerSec: 2000 });
    expect(m.rates.get('s1')).toEqual({ recordsPerSec: 2, bytesPerSec: 200 });
    expect(m.keys.get('s0')!.get('a')).toEqual({ records: 20, bytes: 2000 });
  });

  it('with the time each shard\'s reads covered, each shard\'s rate is over its own reads, and key shares follow the rates', () => {
    // s0 read every second, s1 every 4 s (many shards, few calls): 12 records over 4 s is 3/s, not 6/s.
    const m = mergeBuckets([
      { spanMs: 1000, shards: new Map([['s0', keysOf([['a', 5]])]]), coveredMs: new Map([['s0', 1000]]) },
      { spanMs: 1000, shards: new Map([['s0', keysOf([['a', 5]])], ['s1', keysOf([['b', 12]])]]), coveredMs: new Map([['s0', 1000], ['s1', 4000]]) },
    ]);
    expect(m.rates.get('s0')!.recordsPerSec).toBe(5);
    expect(m.rates.get('s1')!.recordsPerSec).toBe(3);
    const frame = buildTopFrame(base({ shards: [{ ...shards(2)[0]!, shardId: 's0' }, { ...shards(2)[1]!, shardId: 's1' }], shardRates: m.rates, keys: m.keys, keySpanMs: m.keySpanMs }));
    expect(frame.topKeys.map((k) => [k.partitionKey, k.recordsPerSec, +k.share.toFixed(3)])).toEqual([
      ['a', 5, 0.625],
      ['b', 3, 0.375],
    ]);
  });
});

describe('SampleWindow', () => {
  it('keeps the last buckets that cover the window, taking the oldest out of the sums as it goes', () => {
    const w = new SampleWindow(2000);
    const bucket = (entries: [string, number][]) => ({ spanMs: 1000, shards: new Map([['s0', keysOf(entries)]]), coveredMs: new Map([['s0', 1000]]) });
    w.push(bucket([['a', 10]]));
    w.push(bucket([['a', 10], ['b', 5]]));
    const f = w.push(bucket([['b', 5]])); // the first bucket (a: 10) leaves: 2 s remain
    expect(f.spanMs).toBe(2000);
    expect([...f.keys.get('s0')!]).toEqual([['a', { records: 10, bytes: 1000 }], ['b', { records: 10, bytes: 1000 }]]);
    expect(f.rates.get('s0')!.recordsPerSec).toBe(10);
    const g = w.push(bucket([]));
    expect([...g.keys.get('s0')!.keys()]).toEqual(['b']); // a's count fell to 0: gone
    expect(g.keySpanMs.get('s0')).toBe(2000);
  });

  it('gives the same rates as summing the kept buckets again from scratch', () => {
    const random = (() => { let x = 5; return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32); })();
    const w = new SampleWindow(5000);
    const kept: WindowBucket[] = [];
    for (let i = 0; i < 40; i++) {
      const b = { spanMs: 500 + Math.floor(random() * 1000), shards: new Map([['s0', keysOf([['a', Math.floor(random() * 9)], ['b', 1 + Math.floor(random() * 9)]])], ['s1', keysOf([['c', 1 + Math.floor(random() * 3)]])]]), coveredMs: new Map([['s0', 900], ['s1', 1800]]) };
      kept.push(b);
      while (kept.length > 1 && kept.reduce((n, x) => n + x.spanMs, 0) - kept[0]!.spanMs >= 5000) kept.shift();
      const f = w.push(b);
      expect(f.spanMs).toBe(kept.reduce((n, x) => n + x.spanMs, 0));
      for (const [shardId, rate] of ratesFromScratch(kept)) {
        expect(f.rates.get(shardId)!.recordsPerSec).toBeCloseTo(rate.recordsPerSec, 9);
        expect(f.rates.get(shardId)!.bytesPerSec).toBeCloseTo(rate.bytesPerSec, 9);
      }
    }
  });
});

describe('sampleCallIntervalMs', () => {
  it.each([
    [4, 25, 1000],
    [25, 25, 1000],
    [100, 25, 4000],
    [100, 100, 1000],
    [1000, 25, 40_000],
  ])('%i shards at %i calls/s: each shard every %i ms', (n, calls, ms) => {
    expect(sampleCallIntervalMs(n, calls)).toBe(ms);
  });
});

describe('topScreenLines', () => {
  const color = new Chalk({ level: 0 });
  const frame = buildTopFrame(base({ shards: shards(8), shardRates: new Map(shards(8).map((s, i) => [s.shardId, { recordsPerSec: i * 100, bytesPerSec: i * 50_000 }])) }));

  it.each([40, 60, 80, 100, 140])('no line is wider than %i columns: columns go, rows do not wrap', (width) => {
    const lines = topScreenLines(frame, color, { width, height: 40, hotAt: 0.8 });
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(width);
    expect(lines.filter((l) => /^│ shardId-0000000000\d\d/.test(l))).toHaveLength(8);
  });

  it('a short terminal keeps the busiest shards and says how many it left out', () => {
    const lines = topScreenLines(frame, color, { width: 100, height: 12, hotAt: 0.8 });
    expect(lines.length).toBeLessThanOrEqual(12);
    expect(lines.join('\n')).toMatch(/quieter shards not shown/);
    expect(lines.join('\n')).toMatch(/shardId-000000000007/);
    expect(lines.join('\n')).not.toMatch(/shardId-000000000000 /);
  });
});
