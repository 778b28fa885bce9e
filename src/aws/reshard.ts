/**
 * `cdcpipe reshard`: reads the shard map, builds the plan (src/core/hash-range.ts, reshard-plan.ts), hands it
 * to the caller to show and confirm, then runs it one call at a time — waiting for ACTIVE after each call
 * and checking the result with ListShards, because a server may accept a call and not do it (kinesis-local
 * leaves uneven ranges for non-doubling UpdateShardCount targets and ignores 2 → 1 after an uneven 3 → 2).
 */
import { kinesisApi } from './api/kinesis.js';
import {
  AddTagsToStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  ListTagsForStreamCommand,
  MergeShardsCommand,
  RemoveTagsFromStreamCommand,
  SplitShardCommand,
  UpdateShardCountCommand,
  UpdateStreamModeCommand,
  type KinesisClient,
  type Shard,
  type ShardFilter,
  type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { CliError, EXIT, UsageError } from '../errors.js';
import { GETMETRICDATA_MAX_QUERIES, LISTSHARDS_MAX_RESULTS, SHARD_GETRECORDS_CALLS_PER_S } from '../core/limits.js';
import {
  applyOps,
  areAdjacent,
  checkCoverage,
  deviationFromEven,
  evenRanges,
  isValidSplitPoint,
  midpoint,
  openRanges,
  partitionKeyToHashKey,
  planCountChange,
  planRebalance,
  rangeContaining,
  shareOf,
  toShardRange,
  type HashRange,
  type RangeOp,
  type ShardRange,
} from '../core/hash-range.js';
import {
  checkBudget,
  estimateLoad,
  planAuto,
  planShardCountSteps,
  reshardGenerations,
  utilization,
  type BudgetCheck,
  type KeyLoad,
  type Load,
} from '../core/reshard-plan.js';
import { isAwsError } from './errors.js';
import { describeStream } from './shards.js';

const DAY_MS = 86_400_000;
/** Stream tag that remembers a running rebalance's shard count, so a re-run after an interruption resumes it. */
export const REBALANCE_TAG = 'cdcpipe:rebalance-target';

export type ReshardMode =
  | { kind: 'to'; target: number; switchToProvisioned: boolean; budgetUsed?: number }
  | { kind: 'split'; shardId: string; at?: bigint; atKey?: string }
  | { kind: 'merge'; shardA: string; shardB: string }
  | { kind: 'rebalance' }
  | { kind: 'auto'; targetUtilization: number; sampleMs?: number; windowMs: number };

export interface ReshardOptions {
  stream: string;
  mode: ReshardMode;
  dryRun: boolean;
  now: Date;
  /** Test hook (CDCPIPE_TEST_STOP_AFTER_CALLS): stop as if interrupted after this many changing calls. */
  stopAfterCalls?: number;
  waitTimeoutMs?: number;
}

export interface Spinner {
  text: string;
  succeed(text?: string): void;
  fail(text?: string): void;
}

export interface ReshardIo {
  kinesis: KinesisClient;
  cloudwatch: () => Promise<CloudWatchClient>;
  info(text: string): void;
  warn(text: string): void;
  spinner(text: string): Promise<Spinner>;
  /** Shows the plan; resolves to go ahead, throws to stop (declined, or no terminal and no --yes). */
  confirm(plan: ReshardResult): Promise<void>;
}

export interface ShardRow {
  /** null for a shard the plan would create (its id is assigned by AWS). */
  shardId: string | null;
  startingHashKey: string;
  endingHashKey: string;
  keySpacePct: number;
  /** Estimated write utilization (0..1, of 1 MiB/s and 1,000 records/s), for --auto. */
  utilization?: number;
}

export type StepCall = 'UpdateStreamMode' | 'UpdateShardCount' | 'SplitShard' | 'MergeShards';

export interface StepView {
  call: StepCall;
  params: Record<string, string | number>;
  description: string;
  status: 'planned' | 'done' | 'missed';
  note?: string;
}

export interface ReshardResult {
  stream: string;
  mode: ReshardMode['kind'];
  dryRun: boolean;
  before: ShardRow[];
  after: ShardRow[];
  steps: StepView[];
  /** Open shards of `after` more than 1 % off an even share. */
  uneven: ShardRow[];
  budget?: BudgetCheck & { method: string };
  utilization?: { source: string; before: { max: number; mean: number }; after: { max: number; mean: number }; targetUtilization: number };
  calls: Record<string, number>;
  warnings: string[];
  complete: boolean;
}

// ---- call counting ----

const counted = new WeakSet<object>();

/** Counts every SDK call per operation (before retries), for the report and `calls` in --json. */
export class CallCounter {
  readonly counts: Record<string, number> = {};
  attach(client: { middlewareStack: { add: (mw: never, opts: never) => void } }): void {
    if (counted.has(client)) return;
    counted.add(client);
    const mw = (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
      const op = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      this.counts[op] = (this.counts[op] ?? 0) + 1;
      return next(args);
    };
    client.middlewareStack.add(mw as never, { step: 'initialize', name: 'cdcpipeReshardCallCount' } as never);
  }
}

// ---- reads ----

/** ListShards with an optional ShardFilter, every page (the filter goes with the stream name on page one only). */
export async function listShardsFiltered(kinesis: KinesisClient, stream: string, filter?: ShardFilter): Promise<Shard[]> {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const res = await kinesis.send(
      new ListShardsCommand(token ? { NextToken: token, MaxResults: LISTSHARDS_MAX_RESULTS } : { StreamName: stream, MaxResults: LISTSHARDS_MAX_RESULTS, ...(filter ? { ShardFilter: filter } : {}) }),
    );
    shards.push(...(res.Shards ?? []));
    token = res.NextToken;
  } while (token);
  return shards;
}

export async function loadShardMap(kinesis: KinesisClient, stream: string): Promise<ShardRange[]> {
  return (await listShardsFiltered(kinesis, stream)).map(toShardRange);
}

/**
 * UpdateShardCount calls spent in the last 24 h, estimated as resharding generations (reshard-plan.ts).
 * A stream younger than the window: its first shards are generation 0 and the full listing is the window.
 * An older one: ListShards AT_TIMESTAMP(now − 24 h) gives generation 0 and FROM_TIMESTAMP the shards open
 * since. If the server refuses the filters, the full listing over-counts (closed shards within retention).
 */
export async function estimateBudgetSpent(kinesis: KinesisClient, stream: string, summary: StreamDescriptionSummary, all: readonly ShardRange[], now: Date): Promise<{ spent: number; method: string }> {
  const windowStart = new Date(now.getTime() - DAY_MS);
  const lineage = (list: readonly ShardRange[]) => list.map((s) => ({ shardId: s.shardId, parentShardId: s.parentShardId, adjacentParentShardId: s.adjacentParentShardId }));
  const created = summary.StreamCreationTimestamp;
  if (created && created.getTime() >= windowStart.getTime()) {
    const baseline = new Set(all.filter((s) => !s.parentShardId && !s.adjacentParentShardId).map((s) => s.shardId));
    return { spent: reshardGenerations(lineage(all), baseline), method: 'resharding generations since the stream was created (less than 24 h ago)' };
  }
  try {
    const atStart = await listShardsFiltered(kinesis, stream, { Type: 'AT_TIMESTAMP', Timestamp: windowStart });
    const since = await listShardsFiltered(kinesis, stream, { Type: 'FROM_TIMESTAMP', Timestamp: windowStart });
    const baseline = new Set(atStart.map((s) => s.ShardId ?? ''));
    return { spent: reshardGenerations(lineage(since.map(toShardRange)), baseline), method: 'resharding generations since now − 24 h (ListShards AT_TIMESTAMP / FROM_TIMESTAMP)' };
  } catch (err) {
    if (!isAwsError(err, 'InvalidArgumentException', 'ValidationException')) throw err;
    const baseline = new Set(all.filter((s) => !s.parentShardId && !s.adjacentParentShardId).map((s) => s.shardId));
    return { spent: reshardGenerations(lineage(all), baseline), method: 'resharding generations among all listed shards (the server refused ShardFilter; may over-count)' };
  }
}

/**
 * Polls DescribeStreamSummary until ACTIVE. Not the SDK's waitUntilStreamExists: it polls DescribeStream,
 * which is limited to 10 calls/s per account and caps at 100 shards (API DescribeStream).
 */
export async function waitActive(kinesis: KinesisClient, stream: string, timeoutMs = 30 * 60_000): Promise<StreamDescriptionSummary> {
  const deadline = Date.now() + timeoutMs;
  let delayMs = 200;
  for (;;) {
    const summary = await describeStream(kinesisApi(kinesis), stream);
    if (summary.StreamStatus === 'ACTIVE') return summary;
    if (Date.now() > deadline) throw new CliError(`stream '${stream}' still ${summary.StreamStatus} after ${Math.round(timeoutMs / 1000)} s`, EXIT.failure, 're-run the same command later: it continues from the current shard map');
    await sleep(delayMs);
    delayMs = Math.min(5_000, Math.round(delayMs * 1.5));
  }
}

/**
 * Peak per-minute IncomingBytes / IncomingRecords of each shard over the window, as per-second rates, from
 * the shard-level metrics (dimensions StreamName + ShardId; they exist only with enhanced monitoring).
 * GetMetricData takes at most 500 queries per call (2 per shard); NextToken pages are followed.
 */
export async function fetchShardLoad(cloudwatch: CloudWatchClient, stream: string, shardIds: readonly string[], end: Date, windowMs: number): Promise<Map<string, Load>> {
  const periodSec = 60;
  const queries: MetricDataQuery[] = shardIds.flatMap((shardId, i) =>
    (['IncomingBytes', 'IncomingRecords'] as const).map((metric) => ({
      Id: `${metric === 'IncomingBytes' ? 'b' : 'r'}${i}`,
      MetricStat: {
        Metric: { Namespace: 'AWS/Kinesis', MetricName: metric, Dimensions: [{ Name: 'StreamName', Value: stream }, { Name: 'ShardId', Value: shardId }] },
        Period: periodSec,
        Stat: 'Sum',
      },
      ReturnData: true,
    })),
  );
  const peak = new Map<string, number>();
  for (let i = 0; i < queries.length; i += GETMETRICDATA_MAX_QUERIES) {
    const batch = queries.slice(i, i + GETMETRICDATA_MAX_QUERIES);
    let token: string | undefined;
    do {
      const res = await cloudwatch.send(
        new GetMetricDataCommand({ MetricDataQueries: batch, StartTime: new Date(end.getTime() - windowMs), EndTime: end, ScanBy: 'TimestampDescending', ...(token ? { NextToken: token } : {}) }),
      );
      for (const r of res.MetricDataResults ?? []) {
        const max = Math.max(0, ...(r.Values ?? []));
        peak.set(r.Id ?? '', Math.max(peak.get(r.Id ?? '') ?? 0, max));
      }
      token = res.NextToken;
    } while (token);
  }
  return new Map(shardIds.map((id, i) => [id, { bytesPerSec: (peak.get(`b${i}`) ?? 0) / periodSec, recordsPerSec: (peak.get(`r${i}`) ?? 0) / periodSec }]));
}

export interface SampleResult {
  keyLoads: KeyLoad[];
  records: number;
  windowSec: number;
  truncated: boolean;
}

/**
 * `--sample`: reads what arrived in the last `windowMs` from every listed shard (AT_TIMESTAMP, so nothing
 * waits for new data) and sums bytes (data + partition key, as the 1 MiB/s write limit counts them) and
 * records per partition-key hash. Bounded: stops at `maxRecords`, at data newer than `now`, at the end of
 * a shard, and paces GetRecords under the 5 calls/s per shard limit (API GetRecords).
 */
export async function sampleKeyLoad(kinesis: KinesisClient, stream: string, shards: readonly ShardRange[], opts: { now: Date; windowMs: number; streamCreated?: Date; maxRecords?: number }): Promise<SampleResult> {
  const from = new Date(Math.max(opts.now.getTime() - opts.windowMs, opts.streamCreated?.getTime() ?? 0));
  const windowSec = Math.max(1, (opts.now.getTime() - from.getTime()) / 1000);
  const maxRecords = opts.maxRecords ?? 200_000;
  const perKey = new Map<bigint, { bytes: number; records: number }>();
  let records = 0;
  let truncated = false;
  const hashOf = new Map<string, bigint>();
  for (const shard of shards) {
    let iterator: string | undefined;
    try {
      iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.shardId, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: from }))).ShardIterator;
    } catch (err) {
      if (isAwsError(err, 'ResourceNotFoundException', 'InvalidArgumentException')) continue; // shard expired meanwhile
      throw err;
    }
    let lastCall = 0;
    for (let calls = 0; iterator && calls < 1000; calls++) {
      const wait = lastCall + 1000 / SHARD_GETRECORDS_CALLS_PER_S - Date.now();
      if (wait > 0) await sleep(wait);
      lastCall = Date.now();
      const res = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      let reachedNow = false;
      for (const r of res.Records ?? []) {
        if (r.ApproximateArrivalTimestamp && r.ApproximateArrivalTimestamp.getTime() > opts.now.getTime()) {
          reachedNow = true;
          break;
        }
        const pk = r.PartitionKey ?? '';
        let hash = hashOf.get(pk);
        if (hash === undefined) {
          hash = partitionKeyToHashKey(pk);
          hashOf.set(pk, hash);
        }
        const entry = perKey.get(hash) ?? { bytes: 0, records: 0 };
        entry.bytes += (r.Data?.byteLength ?? 0) + Buffer.byteLength(pk, 'utf8');
        entry.records += 1;
        perKey.set(hash, entry);
        if (++records >= maxRecords) {
          truncated = true;
          break;
        }
      }
      if (truncated || reachedNow) break;
      if ((res.Records ?? []).length === 0 && (res.MillisBehindLatest ?? 0) === 0) break;
      iterator = res.NextShardIterator;
    }
    if (truncated) break;
  }
  const keyLoads = [...perKey].map(([hashKey, v]) => ({ hashKey, bytesPerSec: v.bytes / windowSec, recordsPerSec: v.records / windowSec }));
  return { keyLoads, records, windowSec, truncated };
}

// ---- the command's service ----

interface PlannedStep extends StepView {
  op?: RangeOp;
  target?: number;
}

export async function runReshard(io: ReshardIo, opts: ReshardOptions): Promise<ReshardResult> {
  const { kinesis } = io;
  const counter = new CallCounter();
  counter.attach(kinesis as never);
  const { stream, mode } = opts;
  const warnings: string[] = [];
  const warn = (text: string) => {
    warnings.push(text);
    io.warn(text);
  };

  let summary = await describeStream(kinesisApi(kinesis), stream);
  if (summary.StreamStatus !== 'ACTIVE') {
    if (summary.StreamStatus === 'DELETING') throw new CliError(`stream '${stream}' is being deleted`, EXIT.failure);
    io.info(`stream '${stream}' is ${summary.StreamStatus}; waiting for ACTIVE before reading its shard map`);
    summary = await waitActive(kinesis, stream, opts.waitTimeoutMs);
  }
  const steps: PlannedStep[] = [];
  const onDemand = summary.StreamModeDetails?.StreamMode === 'ON_DEMAND';
  if (onDemand) {
    if (mode.kind !== 'to') {
      throw new CliError(
        `stream '${stream}' is in on-demand mode: AWS scales its shards itself and refuses SplitShard and MergeShards (API SplitShard, MergeShards)`,
        EXIT.failure,
        'switch it to provisioned first (cdcpipe reshard <stream> --to <n> --switch-to-provisioned, or aws kinesis update-stream-mode); the mode can change twice per 24 h',
      );
    }
    if (!mode.switchToProvisioned) {
      throw new CliError(
        `stream '${stream}' is in on-demand mode: UpdateShardCount works only on provisioned streams (API UpdateShardCount)`,
        EXIT.failure,
        `add --switch-to-provisioned to switch it to provisioned mode (billed per shard-hour from then on) and then go to ${mode.target} shards`,
      );
    }
    steps.push({
      call: 'UpdateStreamMode',
      params: { StreamARN: summary.StreamARN ?? '', StreamMode: 'PROVISIONED' },
      description: 'switch the stream from on-demand to provisioned capacity mode',
      status: 'planned',
    });
  }

  let all = await loadShardMap(kinesis, stream);
  let open = openRanges(all);
  const before = rows(open);
  let predicted: (ShardRange | HashRange)[] = open;
  let budget: ReshardResult['budget'];
  let autoModel: { open: ShardRange[]; loadOf: (s: ShardRange) => Load; keys?: KeyLoad[]; source: string; targetUtilization: number } | undefined;
  let rebalanceCount: number | undefined;

  switch (mode.kind) {
    case 'to': {
      const counts = planShardCountSteps(open.length, mode.target);
      const estimate = mode.budgetUsed !== undefined ? { spent: mode.budgetUsed, method: 'given with --budget-used' } : await estimateBudgetSpent(kinesis, stream, summary, all, opts.now);
      budget = { ...checkBudget(estimate.spent, counts.length), method: estimate.method };
      if (!budget.fits) {
        throw new CliError(
          `going from ${open.length} to ${mode.target} shards takes ${counts.length} UpdateShardCount call${counts.length === 1 ? '' : 's'} (${[open.length, ...counts].join(' → ')}), ` +
            `but only ${budget.remaining} of the ${budget.limit} allowed per rolling 24 h remain: ${budget.spent} counted as spent (${budget.method})`,
          EXIT.failure,
          'wait for older calls to leave the 24-hour window, choose a target fewer doublings away, use --split/--merge/--rebalance (no daily limit), or pass --budget-used <n> if you know the real count (CloudTrail)',
        );
      }
      let from = open.length;
      for (const target of counts) {
        steps.push({
          call: 'UpdateShardCount',
          params: { StreamName: stream, TargetShardCount: target, ScalingType: 'UNIFORM_SCALING' },
          description: `${from} → ${target} shards`,
          status: 'planned',
          target,
        });
        from = target;
      }
      predicted = counts.length ? evenRanges(mode.target) : open;
      break;
    }
    case 'split': {
      const shard = findShard(all, mode.shardId, '--split');
      let at: bigint | undefined;
      if (mode.atKey !== undefined) at = partitionKeyToHashKey(mode.atKey);
      else at = mode.at ?? midpoint(shard);
      if (at === undefined) throw new UsageError(`--split: shard ${shard.shardId} covers a single hash key and cannot be split`);
      if (!isValidSplitPoint(shard, at)) {
        throw new UsageError(
          `${mode.atKey !== undefined ? `--at-key: partition key '${mode.atKey}' hashes to ${at}, which` : `--at: ${at}`} is not a valid split point of ${shard.shardId}: expected a hash key in ${shard.start + 1n}..${shard.end} (the shard's range, excluding its first key)`,
        );
      }
      steps.push(splitStep({ type: 'split', at }, shard.shardId));
      break;
    }
    case 'merge': {
      const a = findShard(all, mode.shardA, '--merge');
      const b = findShard(all, mode.shardB, '--merge');
      if (a.shardId === b.shardId) throw new UsageError(`--merge: expected two different shards, got ${a.shardId} twice`);
      if (!areAdjacent(a, b)) {
        throw new UsageError(
          `--merge: ${a.shardId} (${a.start}..${a.end}) and ${b.shardId} (${b.start}..${b.end}) are not adjacent: MergeShards needs two open shards whose hash key ranges touch`,
          `adjacent to ${a.shardId}: ${neighbours(open, a).join(', ') || 'none'}`,
        );
      }
      const upper = a.start < b.start ? b : a;
      steps.push({
        call: 'MergeShards',
        params: { StreamName: stream, ShardToMerge: a.shardId, AdjacentShardToMerge: b.shardId },
        description: `merge ${a.shardId} and ${b.shardId} (${pctText(shareOf(a) + shareOf(b))} of the key space)`,
        status: 'planned',
        op: { type: 'merge', boundary: upper.start },
      });
      break;
    }
    case 'rebalance': {
      const tagged = await readRebalanceTag(kinesis, stream);
      rebalanceCount = tagged ?? open.length;
      if (tagged !== undefined && tagged !== open.length) io.info(`resuming a rebalance to ${tagged} shards (stream tag ${REBALANCE_TAG}); ${open.length} shards are open now`);
      for (const op of planRebalance(open, rebalanceCount)) steps.push(opStep(op));
      break;
    }
    case 'auto': {
      const cloudwatch = async () => {
        const client = await io.cloudwatch();
        counter.attach(client as never);
        return client;
      };
      const model = await measureLoad(io, cloudwatch, stream, summary, all, open, mode, opts.now, warn);
      const plan = planAuto({ open, loads: model.loads, keyLoads: model.keys, targetUtilization: mode.targetUtilization });
      for (const w of plan.warnings) warn(w);
      for (const op of plan.ops) steps.push(opStep(op));
      autoModel = { open, loadOf: (s) => model.loads.get(s.shardId) ?? { bytesPerSec: 0, recordsPerSec: 0 }, keys: model.keys, source: model.source, targetUtilization: mode.targetUtilization };
      break;
    }
  }

  // Predict the map, and give each split/merge step the shard ids it will act on (or "new shard").
  const ops = steps.flatMap((s) => (s.op ? [s.op] : []));
  if (ops.length) {
    let simulated: (ShardRange | HashRange)[] = open;
    for (const step of steps) {
      if (!step.op) continue;
      describeOpStep(step, simulated, stream);
      simulated = applyOps(simulated, [step.op]);
    }
    predicted = simulated;
  }

  const planned = result(false, predicted, true);
  if (steps.length === 0) {
    io.info(`nothing to do: ${describeNothing(mode, open.length)}`);
    // A finished rebalance leaves its resume tag only when it was interrupted after its last call; --dry-run changes nothing.
    if (!opts.dryRun && mode.kind === 'rebalance' && (await readRebalanceTag(kinesis, stream)) !== undefined) await removeRebalanceTag(kinesis, stream);
    return finish();
  }
  if (opts.dryRun) return planned;
  await io.confirm(planned);

  // ---- execute ----
  let changingCalls = 0;
  const interruptCheck = () => {
    changingCalls++;
    if (opts.stopAfterCalls !== undefined && changingCalls >= opts.stopAfterCalls) {
      throw new CliError(`stopped after ${changingCalls} changing call(s) (CDCPIPE_TEST_STOP_AFTER_CALLS): re-run the same command to continue`, EXIT.failure);
    }
  };
  if (mode.kind === 'rebalance' && rebalanceCount !== undefined) await writeRebalanceTag(kinesis, stream, rebalanceCount, warn);

  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const spinner = await io.spinner(`step ${i + 1}/${steps.length}: ${step.call} ${step.description}`);
    try {
      if (step.call === 'UpdateStreamMode') {
        await kinesis.send(new UpdateStreamModeCommand({ StreamARN: summary.StreamARN, StreamModeDetails: { StreamMode: 'PROVISIONED' } }));
        await waitActive(kinesis, stream, opts.waitTimeoutMs);
        all = await loadShardMap(kinesis, stream);
        open = openRanges(all);
        // The remaining UpdateShardCount steps start from however many shards on-demand left.
        rebuildCountSteps(steps, i + 1, open.length, (mode as { target: number }).target, stream);
      } else if (step.call === 'UpdateShardCount') {
        await sendWithRetry(() => kinesis.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: step.target, ScalingType: 'UNIFORM_SCALING' })), stream);
        await waitActive(kinesis, stream, opts.waitTimeoutMs);
        all = await loadShardMap(kinesis, stream);
        open = openRanges(all);
        if (open.length !== step.target) {
          step.status = 'missed';
          step.note = `UpdateShardCount returned, but ${open.length} shards are open instead of ${step.target}`;
          spinner.fail(`step ${i + 1}/${steps.length}: ${step.note}; completing it with SplitShard/MergeShards`);
          warn(step.note);
          const fix = planCountChange(open, step.target!).map((op) => ({ ...opStep(op), description: '', note: `completes the missed UpdateShardCount to ${step.target}` }));
          let simulated: (ShardRange | HashRange)[] = open;
          for (const f of fix) {
            describeOpStep(f, simulated, stream);
            simulated = applyOps(simulated, [f.op!]);
          }
          steps.splice(i + 1, 0, ...fix);
          interruptCheck();
          continue;
        }
      } else {
        const call = resolveOp(step.op!, open, stream);
        step.params = call.params;
        await sendWithRetry(() => (call.command instanceof SplitShardCommand ? kinesis.send(call.command) : kinesis.send(call.command)), stream);
        await waitActive(kinesis, stream, opts.waitTimeoutMs);
        all = await loadShardMap(kinesis, stream);
        open = openRanges(all);
        verifyOp(step.op!, open, stream);
      }
      step.status = 'done';
      spinner.succeed(`step ${i + 1}/${steps.length}: ${step.call} ${step.description}`);
    } catch (err) {
      if (step.status === 'planned') spinner.fail();
      throw err;
    }
    interruptCheck();
  }
  if (mode.kind === 'rebalance') await removeRebalanceTag(kinesis, stream);
  const coverage = checkCoverage(open);
  if (coverage.gaps.length || coverage.overlaps.length) warn(`the open shards do not cover the key space exactly (${coverage.gaps.length} gaps, ${coverage.overlaps.length} overlaps): check the stream`);
  return finish();

  function finish(): ReshardResult {
    return result(true, open, false);
  }

  function result(executed: boolean, afterMap: (ShardRange | HashRange)[], dryRunOrPlan: boolean): ReshardResult {
    const afterRows = rows(afterMap);
    const n = afterMap.length;
    const uneven = afterRows.filter((_, idx) => deviationFromEven(afterMap[idx]!, n) > 0.01);
    const res: ReshardResult = {
      stream,
      mode: mode.kind,
      dryRun: opts.dryRun,
      before,
      after: afterRows,
      steps: steps.map(({ op: _op, target: _t, ...view }) => view),
      uneven,
      calls: { ...counter.counts },
      warnings,
      complete: executed && steps.every((s) => s.status !== 'planned'),
    };
    if (dryRunOrPlan) res.complete = false;
    if (budget) res.budget = budget;
    if (autoModel) {
      const m = autoModel;
      const beforeU = m.open.map((s) => utilization(m.loadOf(s)));
      const afterU = afterMap.map((r) => utilization(estimateLoad(r, m.open, m.loadOf, m.keys)));
      res.before = res.before.map((r, idx) => ({ ...r, utilization: round(beforeU[idx]!) }));
      res.after = res.after.map((r, idx) => ({ ...r, utilization: round(afterU[idx]!) }));
      res.utilization = { source: m.source, targetUtilization: m.targetUtilization, before: stats(beforeU), after: stats(afterU) };
    }
    return res;
  }
}

async function measureLoad(
  io: ReshardIo,
  cloudwatch: () => Promise<CloudWatchClient>,
  stream: string,
  summary: StreamDescriptionSummary,
  all: ShardRange[],
  open: ShardRange[],
  mode: Extract<ReshardMode, { kind: 'auto' }>,
  now: Date,
  warn: (t: string) => void,
): Promise<{ loads: Map<string, Load>; keys?: KeyLoad[]; source: string }> {
  if (mode.sampleMs !== undefined) {
    const spinner = await io.spinner(`sampling the last ${Math.round(mode.sampleMs / 1000)} s of records from ${all.length} shards`);
    const sample = await sampleKeyLoad(io.kinesis, stream, all, { now, windowMs: mode.sampleMs, streamCreated: summary.StreamCreationTimestamp });
    spinner.succeed(`sampled ${sample.records} records over ${Math.round(sample.windowSec)} s${sample.truncated ? ' (stopped at the record cap)' : ''}`);
    if (sample.truncated) warn('the sample stopped at 200,000 records: loads are measured on a shorter window than asked for, so they are underestimated');
    const loads = new Map<string, Load>();
    for (const s of open) {
      const keys = sample.keyLoads.filter((k) => k.hashKey >= s.start && k.hashKey <= s.end);
      loads.set(s.shardId, keys.reduce((acc, k) => ({ bytesPerSec: acc.bytesPerSec + k.bytesPerSec, recordsPerSec: acc.recordsPerSec + k.recordsPerSec }), { bytesPerSec: 0, recordsPerSec: 0 }));
    }
    return { loads, keys: sample.keyLoads, source: `sample of ${sample.records} records over ${Math.round(sample.windowSec)} s (GetRecords)` };
  }
  const enabled = new Set((summary.EnhancedMonitoring ?? []).flatMap((e) => e.ShardLevelMetrics ?? []));
  if (!enabled.has('ALL') && !(enabled.has('IncomingBytes') && enabled.has('IncomingRecords'))) {
    throw new CliError(
      `--auto needs per-shard load, and enhanced monitoring (shard-level IncomingBytes and IncomingRecords) is off for '${stream}'`,
      EXIT.failure,
      'add --sample <duration> (e.g. --sample 5m) to measure partition-key load by reading the stream, or enable it: aws kinesis enable-enhanced-monitoring --shard-level-metrics IncomingBytes IncomingRecords',
    );
  }
  const loads = await fetchShardLoad(await cloudwatch(), stream, open.map((s) => s.shardId), now, mode.windowMs);
  return { loads, source: `CloudWatch per-shard IncomingBytes/IncomingRecords, peak minute of the last ${Math.round(mode.windowMs / 60_000)} min` };
}

function rebuildCountSteps(steps: PlannedStep[], from: number, openCount: number, target: number, stream: string): void {
  const rest = steps.slice(from).filter((s) => s.call !== 'UpdateShardCount');
  steps.splice(from);
  let current = openCount;
  for (const t of planShardCountSteps(openCount, target)) {
    steps.push({ call: 'UpdateShardCount', params: { StreamName: stream, TargetShardCount: t, ScalingType: 'UNIFORM_SCALING' }, description: `${current} → ${t} shards`, status: 'planned', target: t });
    current = t;
  }
  steps.push(...rest);
}

function splitStep(op: RangeOp & { type: 'split' }, shardId: string): PlannedStep {
  return { call: 'SplitShard', params: { ShardToSplit: shardId, NewStartingHashKey: op.at.toString() }, description: '', status: 'planned', op };
}

function opStep(op: RangeOp): PlannedStep {
  return op.type === 'split'
    ? { call: 'SplitShard', params: { NewStartingHashKey: op.at.toString() }, description: '', status: 'planned', op }
    : { call: 'MergeShards', params: {}, description: '', status: 'planned', op };
}

/** Fills a step's params and description from the map it will meet; shards the plan creates are "new". */
function describeOpStep(step: PlannedStep, map: readonly (ShardRange | HashRange)[], stream: string): void {
  const op = step.op!;
  const idOf = (r: ShardRange | HashRange | undefined) => (r && 'shardId' in r ? r.shardId : '(new shard)');
  const sorted = [...map].sort((a, b) => (a.start < b.start ? -1 : 1));
  if (op.type === 'split') {
    const r = rangeContaining(sorted, op.at);
    step.params = { StreamName: stream, ShardToSplit: idOf(r), NewStartingHashKey: op.at.toString() };
    step.description = `${idOf(r)} (${r ? pctText(shareOf(r)) : '?'}) at ${op.at} (${pctText(keyPct(op.at))} of the key space)`;
  } else {
    const idx = sorted.findIndex((r) => r.start === op.boundary);
    const lower = sorted[idx - 1];
    const upper = sorted[idx];
    step.params = { StreamName: stream, ShardToMerge: idOf(lower), AdjacentShardToMerge: idOf(upper) };
    step.description = `${idOf(lower)} + ${idOf(upper)}, meeting at ${pctText(keyPct(op.boundary))} of the key space (${lower && upper ? pctText(shareOf(lower) + shareOf(upper)) : '?'} together)`;
  }
}

/** The concrete call for a planned op on the live map (ids are known only now for shards the plan created). */
function resolveOp(op: RangeOp, open: readonly ShardRange[], stream: string): { command: SplitShardCommand | MergeShardsCommand; params: Record<string, string> } {
  if (op.type === 'split') {
    const r = rangeContaining(open, op.at);
    if (!r || !isValidSplitPoint(r, op.at)) throw new CliError(`the shard map changed: no open shard can be split at ${op.at}`, EXIT.failure, 're-run the command: it plans again from the current shard map');
    const params = { StreamName: stream, ShardToSplit: r.shardId, NewStartingHashKey: op.at.toString() };
    return { command: new SplitShardCommand(params), params };
  }
  const idx = open.findIndex((r) => r.start === op.boundary);
  const lower = open[idx - 1];
  const upper = open[idx];
  if (!lower || !upper) throw new CliError(`the shard map changed: no two open shards meet at ${op.boundary}`, EXIT.failure, 're-run the command: it plans again from the current shard map');
  const params = { StreamName: stream, ShardToMerge: lower.shardId, AdjacentShardToMerge: upper.shardId };
  return { command: new MergeShardsCommand(params), params };
}

function verifyOp(op: RangeOp, open: readonly ShardRange[], stream: string): void {
  const boundaryPresent = (key: bigint) => open.some((r) => r.start === key);
  const ok = op.type === 'split' ? boundaryPresent(op.at) : !boundaryPresent(op.boundary);
  if (!ok) {
    throw new CliError(
      `${op.type === 'split' ? `SplitShard at ${op.at}` : `MergeShards at ${op.boundary}`} returned, but ListShards does not show the change on '${stream}'`,
      EXIT.failure,
      're-run the command: it plans again from the current shard map',
    );
  }
}

/** Retries calls refused because the stream is still settling or the 5-calls/s account limit is hit. */
async function sendWithRetry<T>(send: () => Promise<T>, stream: string): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (isAwsError(err, 'LimitExceededException') && /UpdateShardCount|24|rolling|per day|scaling/i.test((err as Error).message)) {
        throw new CliError(`AWS refused UpdateShardCount on '${stream}': ${(err as Error).message}`, EXIT.failure, 'the 10-calls-per-24-h budget is probably spent: the shard map is unchanged by this call; retry later');
      }
      if (attempt >= 5 || !isAwsError(err, 'ResourceInUseException', 'LimitExceededException')) throw err;
      await sleep(500 * 2 ** attempt);
    }
  }
}

async function readRebalanceTag(kinesis: KinesisClient, stream: string): Promise<number | undefined> {
  try {
    const res = await kinesis.send(new ListTagsForStreamCommand({ StreamName: stream }));
    const value = res.Tags?.find((t) => t.Key === REBALANCE_TAG)?.Value;
    const n = value ? Number(value) : NaN;
    return Number.isInteger(n) && n >= 1 ? n : undefined;
  } catch (err) {
    if (isAwsError(err, 'AccessDeniedException')) return undefined;
    throw err;
  }
}

async function writeRebalanceTag(kinesis: KinesisClient, stream: string, count: number, warn: (t: string) => void): Promise<void> {
  try {
    await kinesis.send(new AddTagsToStreamCommand({ StreamName: stream, Tags: { [REBALANCE_TAG]: String(count) } }));
  } catch (err) {
    warn(`could not tag the stream with ${REBALANCE_TAG} (${(err as Error).name}): if this run is interrupted, a re-run targets the open-shard count it finds`);
  }
}

async function removeRebalanceTag(kinesis: KinesisClient, stream: string): Promise<void> {
  try {
    await kinesis.send(new RemoveTagsFromStreamCommand({ StreamName: stream, TagKeys: [REBALANCE_TAG] }));
  } catch {
    // best effort (STYLE.md 8): a leftover tag only makes a later --rebalance aim at the same count
  }
}

function findShard(all: readonly ShardRange[], shardId: string, flag: string): ShardRange {
  const shard = all.find((s) => s.shardId === shardId);
  if (!shard) throw new UsageError(`${flag}: no shard '${shardId}' in the stream; expected the id of an open shard (shardId-…)`);
  if (!shard.open) throw new UsageError(`${flag}: shard ${shardId} is closed (it was split or merged already); expected an open shard`);
  return shard;
}

function neighbours(open: readonly ShardRange[], shard: ShardRange): string[] {
  return open.filter((s) => s.shardId !== shard.shardId && areAdjacent(s, shard)).map((s) => s.shardId);
}

function rows(map: readonly (ShardRange | HashRange)[]): ShardRow[] {
  return [...map]
    .sort((a, b) => (a.start < b.start ? -1 : 1))
    .map((r) => ({ shardId: 'shardId' in r ? r.shardId : null, startingHashKey: r.start.toString(), endingHashKey: r.end.toString(), keySpacePct: round(shareOf(r) * 100, 4) }));
}

function describeNothing(mode: ReshardMode, openCount: number): string {
  switch (mode.kind) {
    case 'to':
      return `the stream already has ${openCount} open shards`;
    case 'rebalance':
      return `every one of the ${openCount} open shards is within 1 % of an even share`;
    case 'auto':
      return 'no shard is above the target utilization and no adjacent pair is under half of it';
    default:
      return 'no change planned';
  }
}

function stats(values: number[]): { max: number; mean: number } {
  return { max: round(Math.max(0, ...values)), mean: round(values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0) };
}

function keyPct(key: bigint): number {
  return shareOf({ start: 0n, end: key - 1n });
}

function pctText(ratio: number): string {
  return `${(ratio * 100).toFixed(2)} %`;
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
