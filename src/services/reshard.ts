/**
 * `cdcpipe reshard`: reads the stream and its shard map, gathers what the mode needs (budget spent, the
 * rebalance tag, load), builds the plan (pure: src/core/reshard-steps.ts), shows it and asks, then hands
 * it to the executor (reshard-execute.ts). `--dry-run` returns the plan without changing anything.
 */
import type { CloudWatchApi } from '../aws/api/cloudwatch.js';
import type { KinesisApi } from '../aws/api/kinesis.js';
import { CallCounter, loadShardMap } from '../aws/reshard.js';
import { describeStream, waitForStreamActive } from '../aws/shards.js';
import { checkCoverage, deviationFromEven, openRanges, shareOf, type HashRange, type ShardRange } from '../core/hash-range.js';
import type { ReshardMode } from '../core/reshard-mode.js';
import { estimateLoad, utilization, type BudgetCheck, type KeyLoad, type Load } from '../core/reshard-plan.js';
import { describeNothing, planReshard, streamModeStep, stepView, type PlanInput, type StepView } from '../core/reshard-steps.js';
import { AbortError, CliError, EXIT } from '../errors.js';
import type { Host } from './host.js';
import { executePlan } from './reshard-execute.js';
import { estimateBudgetSpent, measureLoad, readRebalanceTag, REBALANCE_TAG } from './reshard-inputs.js';

export interface ReshardOptions {
  stream: string;
  mode: ReshardMode;
  dryRun: boolean;
  now: Date;
  /** --yes: run the plan without asking. */
  yes?: boolean;
  /** The plan as text, shown (host.info) before asking; none under --json. */
  planText?: (plan: ReshardResult) => string;
  /** Test hook (CDCPIPE_TEST_STOP_AFTER_CALLS): stop as if interrupted after this many changing calls. */
  stopAfterCalls?: number;
  waitTimeoutMs?: number;
}

export interface ReshardClients {
  kinesis(): Promise<KinesisApi>;
  cloudwatch(): Promise<CloudWatchApi>;
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

/** How --auto's load model estimates utilization before and after. */
interface AutoModel {
  open: ShardRange[];
  loadOf: (s: ShardRange) => Load;
  keys?: KeyLoad[];
  source: string;
  targetUtilization: number;
}

export async function runReshard(options: ReshardOptions, clients: ReshardClients, host: Host): Promise<ReshardResult> {
  const { stream, mode } = options;
  const counter = new CallCounter();
  const kinesis = counter.kinesis(await clients.kinesis());
  const cloudwatch = async () => counter.cloudwatch(await clients.cloudwatch());
  const warnings: string[] = [];
  const warn = (text: string) => {
    warnings.push(text);
    host.warn(text);
  };

  let summary = await describeStream(kinesis, stream);
  if (summary.StreamStatus !== 'ACTIVE') {
    if (summary.StreamStatus === 'DELETING') throw new CliError(`stream '${stream}' is being deleted`, EXIT.failure);
    host.info(`stream '${stream}' is ${summary.StreamStatus}; waiting for ACTIVE before reading its shard map`);
    summary = await waitForStreamActive(kinesis, stream, { timeoutMs: options.waitTimeoutMs });
  }
  const first = streamModeStep(stream, mode, { onDemand: summary.StreamModeDetails?.StreamMode === 'ON_DEMAND', streamArn: summary.StreamARN });

  const all = await loadShardMap(kinesis, stream);
  const open = openRanges(all);
  let rebalanceCount: number | undefined;
  let autoModel: AutoModel | undefined;
  let budgetSpent: { spent: number; method: string } | undefined;
  let load: PlanInput['load'];
  if (mode.kind === 'to') {
    budgetSpent = mode.budgetUsed !== undefined ? { spent: mode.budgetUsed, method: 'given with --budget-used' } : await estimateBudgetSpent(kinesis, stream, summary, all, options.now);
  } else if (mode.kind === 'rebalance') {
    const tagged = await readRebalanceTag(kinesis, stream);
    rebalanceCount = tagged ?? open.length;
    if (tagged !== undefined && tagged !== open.length) host.info(`resuming a rebalance to ${tagged} shards (stream tag ${REBALANCE_TAG}); ${open.length} shards are open now`);
  } else if (mode.kind === 'auto') {
    const model = await measureLoad(kinesis, cloudwatch, host, warn, { stream, summary, all, open, mode, now: options.now });
    load = { loads: model.loads, ...(model.keys ? { keyLoads: model.keys } : {}) };
    autoModel = { open, loadOf: (s) => model.loads.get(s.shardId) ?? { bytesPerSec: 0, recordsPerSec: 0 }, keys: model.keys, source: model.source, targetUtilization: mode.targetUtilization };
  }
  const plan = planReshard({ stream, mode, shards: all, ...(first ? { first } : {}), ...(budgetSpent ? { budgetSpent } : {}), ...(rebalanceCount !== undefined ? { rebalanceCount } : {}), ...(load ? { load } : {}) });
  for (const w of plan.warnings) warn(w);

  const before = rows(open);
  const result = (afterMap: readonly (ShardRange | HashRange)[], steps: StepView[], complete: boolean): ReshardResult =>
    buildResult({ stream, mode: mode.kind, dryRun: options.dryRun, before, after: afterMap, steps, calls: { ...counter.counts }, warnings, complete, budget: plan.budget, auto: autoModel });

  const planned = result(plan.after, plan.steps.map((s) => stepView(s, 'planned')), false);
  if (plan.steps.length === 0) {
    host.info(`nothing to do: ${describeNothing(mode, open.length)}`);
    // A finished rebalance leaves its resume tag only when it was interrupted after its last call; --dry-run changes nothing.
    if (!options.dryRun && mode.kind === 'rebalance' && (await readRebalanceTag(kinesis, stream)) !== undefined) await removeRebalanceTag(kinesis, stream);
    return result(open, [], true);
  }
  if (options.dryRun) return planned;
  if (options.planText) host.info(options.planText(planned));
  if (!(await host.confirm(`Run these ${plan.steps.length} call(s) on '${stream}'?`, { yesFlag: Boolean(options.yes) }))) throw new AbortError();

  if (mode.kind === 'rebalance' && rebalanceCount !== undefined) await writeRebalanceTag(kinesis, stream, rebalanceCount, warn);
  const done = await executePlan(plan, open, {
    stream,
    kinesis,
    host,
    warn,
    ...(summary.StreamARN ? { streamArn: summary.StreamARN } : {}),
    ...(mode.kind === 'to' ? { targetCount: mode.target } : {}),
    ...(options.stopAfterCalls !== undefined ? { stopAfterCalls: options.stopAfterCalls } : {}),
    ...(options.waitTimeoutMs !== undefined ? { waitTimeoutMs: options.waitTimeoutMs } : {}),
  });
  if (mode.kind === 'rebalance') await removeRebalanceTag(kinesis, stream);
  const coverage = checkCoverage(done.open);
  if (coverage.gaps.length || coverage.overlaps.length) warn(`the open shards do not cover the key space exactly (${coverage.gaps.length} gaps, ${coverage.overlaps.length} overlaps): check the stream`);
  return result(done.open, done.steps, done.steps.every((s) => s.status !== 'planned'));
}

async function writeRebalanceTag(kinesis: KinesisApi, stream: string, count: number, warn: (t: string) => void): Promise<void> {
  try {
    await kinesis.addTagsToStream({ StreamName: stream, Tags: { [REBALANCE_TAG]: String(count) } });
  } catch (err) {
    warn(`could not tag the stream with ${REBALANCE_TAG} (${(err as Error).name}): if this run is interrupted, a re-run targets the open-shard count it finds`);
  }
}

async function removeRebalanceTag(kinesis: KinesisApi, stream: string): Promise<void> {
  try {
    await kinesis.removeTagsFromStream({ StreamName: stream, TagKeys: [REBALANCE_TAG] });
  } catch {
    // best effort: a leftover tag only makes a later --rebalance aim at the same count
  }
}

interface ResultParts {
  stream: string;
  mode: ReshardMode['kind'];
  dryRun: boolean;
  before: ShardRow[];
  after: readonly (ShardRange | HashRange)[];
  steps: StepView[];
  calls: Record<string, number>;
  warnings: string[];
  complete: boolean;
  budget?: BudgetCheck & { method: string };
  auto?: AutoModel;
}

function buildResult(p: ResultParts): ReshardResult {
  const afterRows = rows(p.after);
  const n = p.after.length;
  const res: ReshardResult = {
    stream: p.stream,
    mode: p.mode,
    dryRun: p.dryRun,
    before: p.before,
    after: afterRows,
    steps: p.steps,
    uneven: afterRows.filter((_, idx) => deviationFromEven(p.after[idx]!, n) > 0.01),
    calls: p.calls,
    warnings: p.warnings,
    complete: p.complete,
  };
  if (p.budget) res.budget = p.budget;
  if (p.auto) {
    const m = p.auto;
    const beforeU = m.open.map((s) => utilization(m.loadOf(s)));
    const afterU = p.after.map((r) => utilization(estimateLoad(r, m.open, m.loadOf, m.keys)));
    res.before = res.before.map((r, idx) => ({ ...r, utilization: round(beforeU[idx]!) }));
    res.after = res.after.map((r, idx) => ({ ...r, utilization: round(afterU[idx]!) }));
    res.utilization = { source: m.source, targetUtilization: m.targetUtilization, before: stats(beforeU), after: stats(afterU) };
  }
  return res;
}

function rows(map: readonly (ShardRange | HashRange)[]): ShardRow[] {
  return [...map]
    .sort((a, b) => (a.start < b.start ? -1 : 1))
    .map((r) => ({ shardId: 'shardId' in r ? r.shardId : null, startingHashKey: r.start.toString(), endingHashKey: r.end.toString(), keySpacePct: round(shareOf(r) * 100, 4) }));
}

function stats(values: number[]): { max: number; mean: number } {
  return { max: round(Math.max(0, ...values)), mean: round(values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0) };
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
