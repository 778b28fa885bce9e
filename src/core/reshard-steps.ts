/**
 * The reshard plan as data: the calls to make, in order, and the open-shard map predicted after them.
 * Built from the shard map (and, per mode, the budget spent, the rebalance target, the measured load) by
 * `planReshard`; when a step lands somewhere else than planned, `replanCountSteps` / `replanMissedCount`
 * build the rest of the plan again from what ListShards shows. Pure: no I/O, no clock, no SDK.
 */
import { CliError, EXIT, UsageError } from '../errors.js';
import {
  applyOps,
  areAdjacent,
  evenRanges,
  isValidSplitPoint,
  midpoint,
  openRanges,
  partitionKeyToHashKey,
  planCountChange,
  planRebalance,
  rangeContaining,
  shareOf,
  type HashRange,
  type RangeOp,
  type ShardRange,
} from './hash-range.js';
import { checkBudget, planAuto, planShardCountSteps, type BudgetCheck, type KeyLoad, type Load } from './reshard-plan.js';
import type { ReshardMode } from './reshard-mode.js';

export type StepCall = 'UpdateStreamMode' | 'UpdateShardCount' | 'SplitShard' | 'MergeShards';

export interface PlannedStep {
  call: StepCall;
  params: Record<string, string | number>;
  description: string;
  /** Why a step that completes a missed one is there. */
  note?: string;
  /** SplitShard / MergeShards, by hash key: shards the plan creates get their ids only at run time. */
  op?: RangeOp;
  /** UpdateShardCount: the open-shard count it aims at. */
  target?: number;
}

export interface ReshardPlan {
  steps: PlannedStep[];
  /** The open shards after every step (a shard the plan creates has no id). */
  after: (ShardRange | HashRange)[];
}

/** A step as the result reports it. */
export interface StepView {
  call: StepCall;
  params: Record<string, string | number>;
  description: string;
  status: 'planned' | 'done' | 'missed';
  note?: string;
}

export function stepView(step: PlannedStep, status: StepView['status'], change: { params?: PlannedStep['params']; note?: string } = {}): StepView {
  const note = change.note ?? step.note;
  return { call: step.call, params: change.params ?? step.params, description: step.description, status, ...(note !== undefined ? { note } : {}) };
}

/**
 * The UpdateStreamMode step an on-demand stream needs before `--to`, or the refusal: on-demand streams take
 * no UpdateShardCount, SplitShard or MergeShards (Kinesis API Reference, UpdateShardCount, SplitShard,
 * MergeShards). Checked before the shard map is read.
 */
export function streamModeStep(stream: string, mode: ReshardMode, state: { onDemand: boolean; streamArn?: string }): PlannedStep | undefined {
  if (!state.onDemand) return undefined;
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
  return {
    call: 'UpdateStreamMode',
    params: { StreamARN: state.streamArn ?? '', StreamMode: 'PROVISIONED' },
    description: 'switch the stream from on-demand to provisioned capacity mode',
  };
}

export interface PlanInput {
  stream: string;
  mode: ReshardMode;
  /** Every listed shard, open and closed. */
  shards: readonly ShardRange[];
  /** The UpdateStreamMode step that goes first (streamModeStep). */
  first?: PlannedStep;
  /** `--to`: UpdateShardCount calls spent in the last 24 h, and how that was found. */
  budgetSpent?: { spent: number; method: string };
  /** `--rebalance`: the open-shard count to even out to. */
  rebalanceCount?: number;
  /** `--auto`: the measured load. */
  load?: { loads: ReadonlyMap<string, Load>; keyLoads?: readonly KeyLoad[] };
}

export interface PlanOutput extends ReshardPlan {
  budget?: BudgetCheck & { method: string };
  warnings: string[];
}

/** The plan for one mode. Throws a UsageError for shards the flags name wrongly, a CliError over budget. */
export function planReshard(input: PlanInput): PlanOutput {
  const { stream, mode, shards } = input;
  const open = openRanges(shards);
  const steps: PlannedStep[] = input.first ? [input.first] : [];
  const warnings: string[] = [];
  let budget: PlanOutput['budget'];
  switch (mode.kind) {
    case 'to': {
      const counts = planShardCountSteps(open.length, mode.target);
      const estimate = input.budgetSpent ?? { spent: 0, method: 'none given' };
      budget = { ...checkBudget(estimate.spent, counts.length), method: estimate.method };
      if (!budget.fits) {
        throw new CliError(
          `going from ${open.length} to ${mode.target} shards takes ${counts.length} UpdateShardCount call${counts.length === 1 ? '' : 's'} (${[open.length, ...counts].join(' → ')}), ` +
            `but only ${budget.remaining} of the ${budget.limit} allowed per rolling 24 h remain: ${budget.spent} counted as spent (${budget.method})`,
          EXIT.failure,
          'wait for older calls to leave the 24-hour window, choose a target fewer doublings away, use --split/--merge/--rebalance (no daily limit), or pass --budget-used <n> if you know the real count (CloudTrail)',
        );
      }
      steps.push(...countSteps(open.length, mode.target, stream));
      return { steps, after: counts.length ? evenRanges(mode.target) : open, budget, warnings };
    }
    case 'split': {
      const shard = findShard(shards, mode.shardId, '--split');
      const at = mode.atKey !== undefined ? partitionKeyToHashKey(mode.atKey) : (mode.at ?? midpoint(shard));
      if (at === undefined) throw new UsageError(`--split: shard ${shard.shardId} covers a single hash key and cannot be split`);
      if (!isValidSplitPoint(shard, at)) {
        throw new UsageError(
          `${mode.atKey !== undefined ? `--at-key: partition key '${mode.atKey}' hashes to ${at}, which` : `--at: ${at}`} is not a valid split point of ${shard.shardId}: expected a hash key in ${shard.start + 1n}..${shard.end} (the shard's range, excluding its first key)`,
        );
      }
      steps.push(opStep({ type: 'split', at }));
      break;
    }
    case 'merge': {
      const a = findShard(shards, mode.shardA, '--merge');
      const b = findShard(shards, mode.shardB, '--merge');
      if (a.shardId === b.shardId) throw new UsageError(`--merge: expected two different shards, got ${a.shardId} twice`);
      if (!areAdjacent(a, b)) {
        throw new UsageError(
          `--merge: ${a.shardId} (${a.start}..${a.end}) and ${b.shardId} (${b.start}..${b.end}) are not adjacent: MergeShards needs two open shards whose hash key ranges touch`,
          `adjacent to ${a.shardId}: ${neighbours(open, a).join(', ') || 'none'}`,
        );
      }
      steps.push(opStep({ type: 'merge', boundary: (a.start < b.start ? b : a).start }));
      break;
    }
    case 'rebalance':
      for (const op of planRebalance(open, input.rebalanceCount ?? open.length)) steps.push(opStep(op));
      break;
    case 'auto': {
      const plan = planAuto({ open, loads: input.load?.loads ?? new Map(), keyLoads: input.load?.keyLoads, targetUtilization: mode.targetUtilization });
      warnings.push(...plan.warnings);
      for (const op of plan.ops) steps.push(opStep(op));
      break;
    }
  }
  return { ...describeOps(steps, open, stream), warnings };
}

/** After UpdateStreamMode (step `index`): the UpdateShardCount steps again, from the open count on-demand left. */
export function replanCountSteps(plan: ReshardPlan, index: number, openCount: number, target: number, stream: string): ReshardPlan {
  const rest = plan.steps.slice(index + 1).filter((s) => s.call !== 'UpdateShardCount');
  return { steps: [...plan.steps.slice(0, index + 1), ...countSteps(openCount, target, stream), ...rest], after: plan.after };
}

/**
 * After an UpdateShardCount (step `index`) that left `open` with another count than its target (kinesis-local
 * leaves uneven ranges, or ignores the call): SplitShard/MergeShards steps that reach the target from the map
 * ListShards shows, then the rest of the plan.
 */
export function replanMissedCount(plan: ReshardPlan, index: number, open: readonly ShardRange[], stream: string): ReshardPlan {
  const target = plan.steps[index]!.target!;
  const fix = planCountChange(open, target).map((op) => ({ ...opStep(op), note: `completes the missed UpdateShardCount to ${target}` }));
  const described = describeOps(fix, open, stream).steps;
  return { steps: [...plan.steps.slice(0, index + 1), ...described, ...plan.steps.slice(index + 1)], after: plan.after };
}

/** The concrete SplitShard/MergeShards request for a planned op on the live map (ids of new shards are known only now). */
export function resolveOp(op: RangeOp, open: readonly ShardRange[], stream: string): { call: 'SplitShard'; params: { StreamName: string; ShardToSplit: string; NewStartingHashKey: string } } | { call: 'MergeShards'; params: { StreamName: string; ShardToMerge: string; AdjacentShardToMerge: string } } {
  if (op.type === 'split') {
    const r = rangeContaining(open, op.at);
    if (!r || !isValidSplitPoint(r, op.at)) throw new CliError(`the shard map changed: no open shard can be split at ${op.at}`, EXIT.failure, 're-run the command: it plans again from the current shard map');
    return { call: 'SplitShard', params: { StreamName: stream, ShardToSplit: r.shardId, NewStartingHashKey: op.at.toString() } };
  }
  const idx = open.findIndex((r) => r.start === op.boundary);
  const lower = open[idx - 1];
  const upper = open[idx];
  if (!lower || !upper) throw new CliError(`the shard map changed: no two open shards meet at ${op.boundary}`, EXIT.failure, 're-run the command: it plans again from the current shard map');
  return { call: 'MergeShards', params: { StreamName: stream, ShardToMerge: lower.shardId, AdjacentShardToMerge: upper.shardId } };
}

/** Throws unless ListShards shows the boundary the op adds (split) or removes (merge): a server may accept a call and not do it. */
export function verifyOp(op: RangeOp, open: readonly ShardRange[], stream: string): void {
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

export function describeNothing(mode: ReshardMode, openCount: number): string {
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

function countSteps(from: number, target: number, stream: string): PlannedStep[] {
  let current = from;
  return planShardCountSteps(from, target).map((t) => {
    const step: PlannedStep = { call: 'UpdateShardCount', params: { StreamName: stream, TargetShardCount: t, ScalingType: 'UNIFORM_SCALING' }, description: `${current} → ${t} shards`, target: t };
    current = t;
    return step;
  });
}

function opStep(op: RangeOp): PlannedStep {
  return { call: op.type === 'split' ? 'SplitShard' : 'MergeShards', params: {}, description: '', op };
}

/**
 * Gives each op step the shard ids it will act on ("(new shard)" for one the plan creates) on the map it
 * will meet, and predicts the map after all of them. Steps without an op pass through.
 */
function describeOps(steps: readonly PlannedStep[], open: readonly ShardRange[], stream: string): ReshardPlan {
  let map: (ShardRange | HashRange)[] = [...open];
  const described = steps.map((step) => {
    if (!step.op) return step;
    const next = { ...step, ...describeOp(step.op, map, stream) };
    map = applyOps(map, [step.op]);
    return next;
  });
  return { steps: described, after: map };
}

function describeOp(op: RangeOp, map: readonly (ShardRange | HashRange)[], stream: string): Pick<PlannedStep, 'params' | 'description'> {
  const idOf = (r: ShardRange | HashRange | undefined) => (r && 'shardId' in r ? r.shardId : '(new shard)');
  const sorted = [...map].sort((a, b) => (a.start < b.start ? -1 : 1));
  if (op.type === 'split') {
    const r = rangeContaining(sorted, op.at);
    return {
      params: { StreamName: stream, ShardToSplit: idOf(r), NewStartingHashKey: op.at.toString() },
      description: `${idOf(r)} (${r ? pctText(shareOf(r)) : '?'}) at ${op.at} (${pctText(keyPct(op.at))} of the key space)`,
    };
  }
  const idx = sorted.findIndex((r) => r.start === op.boundary);
  const lower = sorted[idx - 1];
  const upper = sorted[idx];
  return {
    params: { StreamName: stream, ShardToMerge: idOf(lower), AdjacentShardToMerge: idOf(upper) },
    description: `${idOf(lower)} + ${idOf(upper)}, meeting at ${pctText(keyPct(op.boundary))} of the key space (${lower && upper ? pctText(shareOf(lower) + shareOf(upper)) : '?'} together)`,
  };
}

function findShard(all: readonly ShardRange[], shardId: string, flag: string): ShardRange {
  const shard = all.find((s) => s.shardId === shardId);
  if (!shard) throw new UsageError(`${flag}: no shard '${shardId}' in the stream; expected the id of an open shard: ${idList(openRanges(all).map((s) => s.shardId))}`);
  if (!shard.open) throw new UsageError(`${flag}: shard ${shardId} is closed (it was split or merged already); expected an open shard: ${idList(openRanges(all).map((s) => s.shardId))}`);
  return shard;
}

/** Up to `max` ids, then how many more: `a, b, c … and 4 more`; `none` for none. */
export function idList(ids: readonly string[], max = 10): string {
  if (ids.length === 0) return 'none';
  const shown = [...ids].sort().slice(0, max).join(', ');
  return ids.length > max ? `${shown} … and ${ids.length - max} more` : shown;
}

function neighbours(open: readonly ShardRange[], shard: ShardRange): string[] {
  return open.filter((s) => s.shardId !== shard.shardId && areAdjacent(s, shard)).map((s) => s.shardId);
}

function keyPct(key: bigint): number {
  return shareOf({ start: 0n, end: key - 1n });
}

function pctText(ratio: number): string {
  return `${(ratio * 100).toFixed(2)} %`;
}
