/**
 * The calculators behind `cdcpipe reshard`'s plan (the plan itself, steps and predicted map, is built in
 * reshard-steps.ts). Pure: no I/O, no clock, no SDK.
 *  - UpdateShardCount steps within ×2 / ÷2 per call (Kinesis API Reference, UpdateShardCount);
 *  - the rolling-24-hour budget of 10 UpdateShardCount calls per stream (same page), estimated from the shard map;
 *  - `--auto`: hot shards split at their load quantiles, adjacent cold pairs merged.
 */
import {
  SHARD_WRITE_BYTES_PER_S,
  SHARD_WRITE_RECORDS_PER_S,
  UPDATE_SHARD_COUNT_CALLS_PER_24H,
  UPDATE_SHARD_COUNT_MAX_FACTOR,
} from './limits.js';
import { applyOps, rangeSize, sortByStart, type HashRange, type RangeOp, type ShardRange } from './hash-range.js';

// ---- --to: UpdateShardCount steps ----

/**
 * Target of each UpdateShardCount call from `from` to `to` open shards. One call may at most double
 * or halve the count (AWS refuses "more than double" and "below half"), so the fewest calls is
 * ⌈log2(max/min)⌉: each step goes as far as the rule allows, the last one lands on the target
 * (3 → 10 is 3 → 6 → 10; 10 → 3 is 10 → 5 → 3).
 */
export function planShardCountSteps(from: number, to: number): number[] {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to < 1) throw new RangeError(`shard counts must be whole numbers ≥ 1 (got ${from} → ${to})`);
  const steps: number[] = [];
  let current = from;
  while (current !== to) {
    current = to > current ? Math.min(current * UPDATE_SHARD_COUNT_MAX_FACTOR, to) : Math.max(Math.ceil(current / UPDATE_SHARD_COUNT_MAX_FACTOR), to);
    steps.push(current);
  }
  return steps;
}

// ---- the rolling 24-hour UpdateShardCount budget ----

export interface LineageShard {
  shardId: string;
  parentShardId?: string;
  adjacentParentShardId?: string;
}

/**
 * Resharding generations inside the window: the longest chain of shards created in it, where a shard in
 * `baseline` (open when the window began, or created with the stream) is generation 0 and any other shard
 * is one more than its deepest parent. A parent missing from `shards` closed before the window (ListShards
 * drops shards closed longer than the retention period ago) and counts as generation 0.
 *
 * AWS exposes no history of UpdateShardCount calls, so cdcpipe counts each generation as one spent call.
 * UNIFORM_SCALING reshapes every shard, so each call adds at least one generation along every lineage; the
 * estimate over-counts when SplitShard/MergeShards calls (which have no daily limit) or a call's temporary
 * shards added generations, and under-counts only calls that touched disjoint shards (docs/reshard.md).
 */
export function reshardGenerations(shards: readonly LineageShard[], baseline: ReadonlySet<string>): number {
  const byId = new Map(shards.map((s) => [s.shardId, s]));
  const memo = new Map<string, number>();
  const depth = (id: string | undefined, seen: Set<string>): number => {
    if (!id) return 0;
    const shard = byId.get(id);
    if (!shard || baseline.has(id) || seen.has(id)) return 0;
    const known = memo.get(id);
    if (known !== undefined) return known;
    seen.add(id);
    const d = shard.parentShardId || shard.adjacentParentShardId ? 1 + Math.max(depth(shard.parentShardId, seen), depth(shard.adjacentParentShardId, seen)) : 0;
    seen.delete(id);
    memo.set(id, d);
    return d;
  };
  let max = 0;
  for (const s of shards) max = Math.max(max, depth(s.shardId, new Set()));
  return max;
}

export interface BudgetCheck {
  limit: number;
  /** Calls counted as spent in the last 24 h. */
  spent: number;
  planned: number;
  remaining: number;
  fits: boolean;
}

export function checkBudget(spent: number, planned: number, limit = UPDATE_SHARD_COUNT_CALLS_PER_24H): BudgetCheck {
  const remaining = Math.max(0, limit - spent);
  return { limit, spent, planned, remaining, fits: planned <= remaining };
}

// ---- --auto: hot and cold shards ----

export interface Load {
  bytesPerSec: number;
  recordsPerSec: number;
}

/** Sampled load of one hash key (a partition key's MD5), per second of the sample. */
export interface KeyLoad extends Load {
  hashKey: bigint;
}

/** Share of one shard's write limits in use: the larger of bytes (1 MiB/s) and records (1,000/s) (Kinesis API Reference, PutRecords). */
export function utilization(load: Load): number {
  return Math.max(load.bytesPerSec / SHARD_WRITE_BYTES_PER_S, load.recordsPerSec / SHARD_WRITE_RECORDS_PER_S);
}

export interface AutoShardView {
  shardId?: string;
  start: bigint;
  end: bigint;
  utilization: number;
}

export interface AutoPlan {
  ops: RangeOp[];
  hot: string[];
  coldPairs: [string, string][];
  before: AutoShardView[];
  after: AutoShardView[];
  warnings: string[];
}

export interface AutoInput {
  open: readonly ShardRange[];
  /** Per-shard load (CloudWatch per-shard metrics, or totals of the sample). Missing shards count as idle. */
  loads: ReadonlyMap<string, Load>;
  /** Per-key load from `--sample`: split points then follow the keys; without it load is taken as uniform. */
  keyLoads?: readonly KeyLoad[];
  targetUtilization: number;
}

/**
 * Hot shard (utilization > target): split into k = ⌈utilization / target⌉ pieces at its load quantiles
 * (k = 2: the load median). Cold pair: two adjacent, not-hot shards whose combined utilization is under
 * half the target, merged once, scanning from the low end. Splits come first so capacity never dips.
 */
export function planAuto(input: AutoInput): AutoPlan {
  const target = input.targetUtilization;
  const open = sortByStart(input.open);
  const loadOf = (s: ShardRange): Load => input.loads.get(s.shardId) ?? { bytesPerSec: 0, recordsPerSec: 0 };
  const keys = input.keyLoads ? [...input.keyLoads].sort((a, b) => (a.hashKey < b.hashKey ? -1 : a.hashKey > b.hashKey ? 1 : 0)) : undefined;
  const warnings: string[] = [];
  const splits: RangeOp[] = [];
  const merges: RangeOp[] = [];
  const hot: string[] = [];
  const coldPairs: [string, string][] = [];
  const hotIds = new Set<string>();

  for (const shard of open) {
    const u = utilization(loadOf(shard));
    if (u <= target) continue;
    hot.push(shard.shardId);
    hotIds.add(shard.shardId);
    const pieces = Math.ceil(u / target);
    const points = keys ? keyQuantiles(shard, keys, pieces, loadOf(shard), warnings) : uniformPoints(shard, pieces);
    for (const at of points) splits.push({ type: 'split', at });
  }
  for (let i = 0; i + 1 < open.length; i++) {
    const a = open[i]!;
    const b = open[i + 1]!;
    if (hotIds.has(a.shardId) || hotIds.has(b.shardId) || a.end + 1n !== b.start) continue;
    const la = loadOf(a);
    const lb = loadOf(b);
    if (utilization({ bytesPerSec: la.bytesPerSec + lb.bytesPerSec, recordsPerSec: la.recordsPerSec + lb.recordsPerSec }) < target / 2) {
      coldPairs.push([a.shardId, b.shardId]);
      merges.push({ type: 'merge', boundary: b.start });
      i++; // each shard merges at most once per run
    }
  }
  const ops = [...splits, ...merges];
  const before = open.map((s) => ({ shardId: s.shardId, start: s.start, end: s.end, utilization: utilization(loadOf(s)) }));
  const after = applyOps(open, ops).map((r) => {
    const same = 'shardId' in r ? (r as ShardRange) : undefined;
    return { ...(same ? { shardId: same.shardId } : {}), start: r.start, end: r.end, utilization: utilization(estimateLoad(r, open, loadOf, keys)) };
  });
  return { ops, hot, coldPairs, before, after, warnings };
}

/** Load of any range under the plan's model: sampled keys when there are any, else uniform within each shard. */
export function estimateLoad(range: HashRange, open: readonly ShardRange[], loadOf: (s: ShardRange) => Load, keys?: readonly KeyLoad[]): Load {
  let bytesPerSec = 0;
  let recordsPerSec = 0;
  for (const s of open) {
    const lo = s.start > range.start ? s.start : range.start;
    const hi = s.end < range.end ? s.end : range.end;
    if (lo > hi) continue;
    const load = loadOf(s);
    const sKeys = keys?.filter((k) => k.hashKey >= s.start && k.hashKey <= s.end);
    if (sKeys && sKeys.length > 0) {
      const total = sum(sKeys);
      const inside = sum(sKeys.filter((k) => k.hashKey >= lo && k.hashKey <= hi));
      bytesPerSec += total.bytesPerSec ? (load.bytesPerSec * inside.bytesPerSec) / total.bytesPerSec : 0;
      recordsPerSec += total.recordsPerSec ? (load.recordsPerSec * inside.recordsPerSec) / total.recordsPerSec : 0;
    } else {
      const fraction = Number((rangeSize({ start: lo, end: hi }) * 1_000_000_000n) / rangeSize(s)) / 1e9;
      bytesPerSec += load.bytesPerSec * fraction;
      recordsPerSec += load.recordsPerSec * fraction;
    }
  }
  return { bytesPerSec, recordsPerSec };
}

function uniformPoints(shard: HashRange, pieces: number): bigint[] {
  const size = rangeSize(shard);
  const out: bigint[] = [];
  for (let j = 1; j < pieces; j++) {
    const at = shard.start + (size * BigInt(j)) / BigInt(pieces);
    if (at > shard.start && at <= shard.end) out.push(at);
  }
  return out;
}

/**
 * Split points between sampled keys so each piece carries ~1/k of the shard's load, weighted by the
 * binding dimension (bytes or records). A point falls half-way between two sampled keys.
 */
function keyQuantiles(shard: HashRange, sortedKeys: readonly KeyLoad[], pieces: number, load: Load, warnings: string[]): bigint[] {
  const inShard = sortedKeys.filter((k) => k.hashKey >= shard.start && k.hashKey <= shard.end);
  if (inShard.length < 2) {
    if (inShard.length === 1) warnings.push(`one hash key (${inShard[0]!.hashKey}) carries all the sampled load of its shard: splitting cannot spread a single partition key`);
    return inShard.length === 0 ? uniformPoints(shard, pieces) : [];
  }
  const byBytes = load.bytesPerSec / SHARD_WRITE_BYTES_PER_S >= load.recordsPerSec / SHARD_WRITE_RECORDS_PER_S;
  const weight = (k: KeyLoad): number => (byBytes ? k.bytesPerSec : k.recordsPerSec);
  const total = inShard.reduce((acc, k) => acc + weight(k), 0);
  const heaviest = inShard.reduce((a, b) => (weight(b) > weight(a) ? b : a));
  if (total > 0 && weight(heaviest) / total > 1 / pieces) {
    warnings.push(`hash key ${heaviest.hashKey} carries ${Math.round((100 * weight(heaviest)) / total)} % of its shard's load: splitting cannot spread a single partition key`);
  }
  const out: bigint[] = [];
  let cumulative = 0;
  let j = 1;
  for (let i = 0; i + 1 < inShard.length && j < pieces; i++) {
    cumulative += weight(inShard[i]!);
    const goal = (total * j) / pieces;
    const next = cumulative + weight(inShard[i + 1]!);
    // Cut after key i when that is at least as close to the quantile as cutting after key i+1.
    if (Math.abs(cumulative - goal) <= Math.abs(next - goal) && cumulative > 0) {
      const lo = inShard[i]!.hashKey;
      const hi = inShard[i + 1]!.hashKey;
      const at = lo + (hi - lo + 1n) / 2n;
      if (at > shard.start && at <= shard.end && !out.includes(at)) out.push(at);
      j++;
    }
  }
  return out;
}

function sum(keys: readonly Load[]): Load {
  return keys.reduce((acc, k) => ({ bytesPerSec: acc.bytesPerSec + k.bytesPerSec, recordsPerSec: acc.recordsPerSec + k.recordsPerSec }), { bytesPerSec: 0, recordsPerSec: 0 });
}
