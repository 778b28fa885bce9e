/**
 * One `cdcpipe top` frame from what was measured: per-shard write rates against the per-shard limits,
 * each shard's share of the traffic and of the key space, the hottest shard, the stream's headroom,
 * the busiest partition keys and, for each hot shard, where to split it or why no split helps. Pure:
 * the sampler and CloudWatch reads are src/services/top.ts, the drawing src/render/top.ts.
 */
import { shareOf, type ShardRange } from './hash-range.js';
import { SHARD_WRITE_BYTES_PER_S, SHARD_WRITE_RECORDS_PER_S } from './limits.js';
import { adviseHotShard, splitCommand, type Counts, type ShardAdvice } from './top-keys.js';

export interface Rate {
  recordsPerSec: number;
  bytesPerSec: number;
}

/** Where the figures come from, as the screen and the JSON say it. */
export type TopSource =
  | { kind: 'sample'; via: 'polling' | 'efo'; consumer?: string; spanMs: number; warning?: string; /** Polling: each shard is read once in this many ms. */ shardReadEveryMs?: number }
  | { kind: 'cloudwatch'; level: 'shard' | 'stream'; periodS: number; datapointAt?: string };

export interface TopInput {
  stream: string;
  streamMode: 'PROVISIONED' | 'ON_DEMAND';
  /** Open shards. */
  shards: readonly ShardRange[];
  source: TopSource;
  /** Per shard; missing shards count as idle. Undefined when only the stream's total is known (CloudWatch without shard-level metrics). */
  shardRates?: ReadonlyMap<string, Rate>;
  /** The stream's total, when there are no per-shard rates. */
  streamRate?: Rate;
  /** --sample: records and bytes per partition key, per shard, over `source.spanMs` (or the shard's `keySpanMs`). */
  keys?: ReadonlyMap<string, ReadonlyMap<string, Counts>>;
  /** --sample: per shard, the milliseconds its reads covered (shards are read at different times and rates). */
  keySpanMs?: ReadonlyMap<string, number>;
  /** WriteProvisionedThroughputExceeded per shard (shard-level metrics) or for the stream; undefined when unknown. */
  throttled?: { perShard?: ReadonlyMap<string, number>; stream?: number; periodS: number };
  /** Consumer lag per shard (ms), from a lag source; `label` names it. */
  lag?: { label: string; perShard: ReadonlyMap<string, number>; aggregateMs?: number };
  /** Utilization (0..1) from which a shard is hot. */
  hotAt: number;
  nowMs: number;
  notes: readonly string[];
  /** How many partition keys to list. */
  topKeys?: number;
}

export interface TopShardRow {
  shardId: string;
  startingHashKey: string;
  endingHashKey: string;
  keySpaceShare: number;
  recordsPerSec?: number;
  bytesPerSec?: number;
  /** recordsPerSec ÷ 1,000 and bytesPerSec ÷ 1 MiB (the per-shard write limits). */
  recordsUtilization?: number;
  bytesUtilization?: number;
  /** The larger of the two. */
  utilization?: number;
  /** Share of the stream's records. */
  trafficShare?: number;
  throttledWrites?: number;
  lagMs?: number;
  hot: boolean;
}

export interface TopKeyRow {
  partitionKey: string;
  shardId: string;
  /** Share of the stream's sampled records. */
  share: number;
  recordsPerSec: number;
  bytesPerSec: number;
}

/** `needs-sample`: a hot shard seen through CloudWatch, which has no per-key figures. */
export type TopAdvice = (ShardAdvice | { kind: 'needs-sample'; shardId: string }) & { text: string; command?: string };

export interface TopFrame {
  stream: string;
  at: string;
  streamMode: 'PROVISIONED' | 'ON_DEMAND';
  shardCount: number;
  source: TopSource;
  totals: Rate & { capacityRecordsPerSec: number; capacityBytesPerSec: number; recordsUtilization: number; bytesUtilization: number };
  /** Write headroom: 1 − the stream's utilization, and 1 − the hottest shard's (a shard throttles at its own limit). */
  headroom: { stream: number; hottestShard?: number };
  hottest?: { shardId: string; utilization: number; trafficShare: number };
  shards: TopShardRow[];
  topKeys: TopKeyRow[];
  advice: TopAdvice[];
  throttledWrites?: { total: number; periodS: number };
  lag?: { label: string; aggregateMs?: number };
  notes: string[];
}

const utilOf = (r: Rate) => Math.max(r.recordsPerSec / SHARD_WRITE_RECORDS_PER_S, r.bytesPerSec / SHARD_WRITE_BYTES_PER_S);

export function buildTopFrame(input: TopInput): TopFrame {
  const n = input.shards.length;
  const capacityRecordsPerSec = n * SHARD_WRITE_RECORDS_PER_S;
  const capacityBytesPerSec = n * SHARD_WRITE_BYTES_PER_S;
  const perShard = input.shardRates;
  const total: Rate = perShard
    ? [...input.shards].reduce((acc, s) => add(acc, perShard.get(s.shardId) ?? ZERO), { ...ZERO })
    : (input.streamRate ?? { ...ZERO });
  const rows: TopShardRow[] = input.shards.map((s) => {
    const row: TopShardRow = { shardId: s.shardId, startingHashKey: s.start.toString(), endingHashKey: s.end.toString(), keySpaceShare: shareOf(s), hot: false };
    if (perShard) {
      const r = perShard.get(s.shardId) ?? ZERO;
      row.recordsPerSec = r.recordsPerSec;
      row.bytesPerSec = r.bytesPerSec;
      row.recordsUtilization = r.recordsPerSec / SHARD_WRITE_RECORDS_PER_S;
      row.bytesUtilization = r.bytesPerSec / SHARD_WRITE_BYTES_PER_S;
      row.utilization = utilOf(r);
      row.trafficShare = total.recordsPerSec > 0 ? r.recordsPerSec / total.recordsPerSec : 0;
      row.hot = row.utilization >= input.hotAt && r.recordsPerSec > 0;
    }
    const throttled = input.throttled?.perShard?.get(s.shardId);
    if (throttled !== undefined) row.throttledWrites = throttled;
    const lag = input.lag?.perShard.get(s.shardId);
    if (lag !== undefined) row.lagMs = lag;
    return row;
  });
  const hottestRow = perShard ? rows.reduce<TopShardRow | undefined>((a, b) => (!a || (b.utilization ?? 0) > (a.utilization ?? 0) ? b : a), undefined) : undefined;
  const streamUtil = Math.max(total.recordsPerSec / capacityRecordsPerSec || 0, total.bytesPerSec / capacityBytesPerSec || 0);
  const frame: TopFrame = {
    stream: input.stream,
    at: new Date(input.nowMs).toISOString(),
    streamMode: input.streamMode,
    shardCount: n,
    source: input.source,
    totals: { ...total, capacityRecordsPerSec, capacityBytesPerSec, recordsUtilization: total.recordsPerSec / capacityRecordsPerSec || 0, bytesUtilization: total.bytesPerSec / capacityBytesPerSec || 0 },
    headroom: { stream: Math.max(0, 1 - streamUtil), ...(hottestRow && hottestRow.recordsPerSec ? { hottestShard: Math.max(0, 1 - hottestRow.utilization!) } : {}) },
    ...(hottestRow && hottestRow.recordsPerSec ? { hottest: { shardId: hottestRow.shardId, utilization: hottestRow.utilization!, trafficShare: hottestRow.trafficShare! } } : {}),
    shards: rows,
    topKeys: input.keys ? topKeys(input.keys, spanOf(input), input.topKeys ?? 10) : [],
    advice: [],
    notes: [...input.notes],
  };
  if (input.throttled) {
    const sum = input.throttled.perShard ? [...input.throttled.perShard.values()].reduce((a, b) => a + b, 0) : input.throttled.stream;
    if (sum !== undefined) frame.throttledWrites = { total: sum, periodS: input.throttled.periodS };
  }
  if (input.lag) frame.lag = { label: input.lag.label, ...(input.lag.aggregateMs !== undefined ? { aggregateMs: input.lag.aggregateMs } : {}) };
  frame.advice = adviceFor(input, rows, frame);
  return frame;
}

function adviceFor(input: TopInput, rows: readonly TopShardRow[], frame: TopFrame): TopAdvice[] {
  const out: TopAdvice[] = [];
  const streamRecords = frame.totals.recordsPerSec;
  for (const row of rows.filter((r) => r.hot)) {
    const keys = input.keys?.get(row.shardId);
    const shard = input.shards.find((s) => s.shardId === row.shardId)!;
    if (!keys) {
      out.push({ kind: 'needs-sample', shardId: row.shardId, text: `${row.shardId} is hot: run with --sample to see its partition keys and where to split it` });
      continue;
    }
    // Median by the dimension nearer its limit, as reshard --auto weighs load.
    const byBytes = (row.bytesUtilization ?? 0) > (row.recordsUtilization ?? 0);
    const advice = adviseHotShard(row.shardId, shard, keys, (c) => (byBytes ? c.bytes : c.records));
    if (!advice) continue;
    if (advice.kind === 'hot-key') {
      const keyRecords = keys.get(advice.partitionKey)?.records ?? 0;
      const spanS = spanOf(input)(row.shardId) / 1000;
      const streamShare = streamRecords > 0 && spanS > 0 ? keyRecords / spanS / streamRecords : 0;
      out.push({
        ...advice,
        text: `${row.shardId}: partition key ${JSON.stringify(advice.partitionKey)} carries ${pct(advice.shardShare)} of the shard's load (${pct(streamShare)} of the stream's records). One key always lands on one shard, so no split can spread it: change the partition key (a key with more distinct values, or this key with a suffix).`,
      });
    } else {
      out.push({
        ...advice,
        command: splitCommand(input.stream, advice),
        text: `${row.shardId}: load spread over ${advice.keys} keys; a split at the load median leaves ${pct(advice.lowerShare)} / ${pct(advice.upperShare)} of it in the two children`,
      });
    }
  }
  return out;
}

/** The milliseconds a shard's key counts cover: its own reads' span, else the sample's. */
function spanOf(input: TopInput): (shardId: string) => number {
  const whole = input.source.kind === 'sample' ? input.source.spanMs : 0;
  return (shardId) => input.keySpanMs?.get(shardId) ?? whole;
}

/** The busiest keys across shards, by records per second (each shard's counts over the time its reads covered). */
function topKeys(keys: ReadonlyMap<string, ReadonlyMap<string, Counts>>, spanMsOf: (shardId: string) => number, limit: number): TopKeyRow[] {
  let totalPerSec = 0;
  // The `limit` best so far, best first: a frame looks at every key of the window, but keeps only a few.
  const best: { key: string; shardId: string; recordsPerSec: number; bytesPerSec: number }[] = [];
  for (const [shardId, perKey] of keys) {
    const spanS = spanMsOf(shardId) / 1000;
    if (!(spanS > 0)) continue;
    for (const [key, c] of perKey) {
      const recordsPerSec = c.records / spanS;
      totalPerSec += recordsPerSec;
      const worst = best[best.length - 1];
      if (best.length === limit && worst && byRate(worst, { key, recordsPerSec }) <= 0) continue;
      const row = { key, shardId, recordsPerSec, bytesPerSec: c.bytes / spanS };
      let at = best.length;
      while (at > 0 && byRate(best[at - 1]!, row) > 0) at--;
      best.splice(at, 0, row);
      if (best.length > limit) best.pop();
    }
  }
  return best.map(({ key, shardId, recordsPerSec, bytesPerSec }) => ({
    partitionKey: key,
    shardId,
    share: totalPerSec > 0 ? recordsPerSec / totalPerSec : 0,
    recordsPerSec,
    bytesPerSec,
  }));
}

/** Busier first; equal rates by key. */
function byRate(a: { key: string; recordsPerSec: number }, b: { key: string; recordsPerSec: number }): number {
  return b.recordsPerSec - a.recordsPerSec || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

const ZERO: Rate = { recordsPerSec: 0, bytesPerSec: 0 };

function add(a: Rate, b: Rate): Rate {
  return { recordsPerSec: a.recordsPerSec + b.recordsPerSec, bytesPerSec: a.bytesPerSec + b.bytesPerSec };
}

function pct(r: number): string {
  return `${(r * 100).toFixed(r >= 0.995 || r === 0 ? 0 : 1)} %`;
}
