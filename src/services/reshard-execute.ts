/**
 * Runs a reshard plan one call at a time: after each call it waits for ACTIVE and reads the map back with
 * ListShards, because a server may accept a call and not do it (kinesis-local leaves uneven ranges for
 * non-doubling UpdateShardCount targets and ignores 2 → 1 after an uneven 3 → 2). When a step lands
 * elsewhere, the rest of the plan is built again from the map ListShards shows (src/core/reshard-steps.ts).
 */
import type { KinesisApi } from '../aws/api/kinesis.js';
import { isAwsError } from '../aws/errors.js';
import { classifyError } from '../aws/retry.js';
import { waitForStreamActive } from '../aws/shards.js';
import { loadShardMap } from '../aws/reshard.js';
import { openRanges, type ShardRange } from '../core/hash-range.js';
import { replanCountSteps, replanMissedCount, resolveOp, stepView, verifyOp, type ReshardPlan, type StepView } from '../core/reshard-steps.js';
import { CliError, EXIT } from '../errors.js';
import type { Host } from './host.js';

export interface ExecuteContext {
  stream: string;
  kinesis: KinesisApi;
  host: Host;
  warn: (text: string) => void;
  /** For UpdateStreamMode. */
  streamArn?: string;
  /** `--to`'s target: the count steps are planned again after UpdateStreamMode. */
  targetCount?: number;
  /** Test hook (CDCPIPE_TEST_STOP_AFTER_CALLS): stop as if interrupted after this many changing calls. */
  stopAfterCalls?: number;
  waitTimeoutMs?: number;
}

export interface Executed {
  /** Every step of the plan as it ended up (steps added after a missed one included). */
  steps: StepView[];
  /** The open shards ListShards shows after the last step. */
  open: ShardRange[];
}

export async function executePlan(initial: ReshardPlan, initialOpen: ShardRange[], ctx: ExecuteContext): Promise<Executed> {
  const { stream, kinesis, host } = ctx;
  let plan = initial;
  let open = initialOpen;
  const views: StepView[] = [];
  let changingCalls = 0;
  const interruptCheck = () => {
    changingCalls++;
    if (ctx.stopAfterCalls !== undefined && changingCalls >= ctx.stopAfterCalls) {
      throw new CliError(`stopped after ${changingCalls} changing call(s) (CDCPIPE_TEST_STOP_AFTER_CALLS): re-run the same command to continue`, EXIT.failure);
    }
  };
  const settle = async () => {
    await waitForStreamActive(kinesis, stream, { timeoutMs: ctx.waitTimeoutMs });
    open = openRanges(await loadShardMap(kinesis, stream));
  };

  for (let i = 0; i < plan.steps.length; i++) {
    const step = plan.steps[i]!;
    const spinner = await host.progress(`step ${i + 1}/${plan.steps.length}: ${step.call} ${step.description}`);
    try {
      if (step.call === 'UpdateStreamMode') {
        await kinesis.updateStreamMode({ StreamARN: ctx.streamArn, StreamModeDetails: { StreamMode: 'PROVISIONED' } });
        await settle();
        // The remaining UpdateShardCount steps start from however many shards on-demand left.
        plan = replanCountSteps(plan, i, open.length, ctx.targetCount!, stream);
        views[i] = stepView(step, 'done');
      } else if (step.call === 'UpdateShardCount') {
        await sendWithRetry(() => kinesis.updateShardCount({ StreamName: stream, TargetShardCount: step.target, ScalingType: 'UNIFORM_SCALING' }), stream);
        await settle();
        if (open.length !== step.target) {
          const note = `UpdateShardCount returned, but ${open.length} shards are open instead of ${step.target}`;
          views[i] = stepView(step, 'missed', { note });
          spinner.fail(`step ${i + 1}/${plan.steps.length}: ${note}; completing it with SplitShard/MergeShards`);
          ctx.warn(note);
          plan = replanMissedCount(plan, i, open, stream);
          interruptCheck();
          continue;
        }
        views[i] = stepView(step, 'done');
      } else {
        const call = resolveOp(step.op!, open, stream);
        await sendWithRetry(() => (call.call === 'SplitShard' ? kinesis.splitShard(call.params) : kinesis.mergeShards(call.params)), stream);
        await settle();
        verifyOp(step.op!, open, stream);
        views[i] = stepView(step, 'done', { params: call.params });
      }
      spinner.succeed(`step ${i + 1}/${plan.steps.length}: ${step.call} ${step.description}`);
    } catch (err) {
      if (!views[i]) spinner.fail();
      throw err;
    }
    interruptCheck();
  }
  return { steps: plan.steps.map((s, i) => views[i] ?? stepView(s, 'planned')), open };
}

/**
 * Retries calls refused because the stream is still settling (ResourceInUseException) or throttled (the
 * 5-calls/s account limit of SplitShard and MergeShards: Kinesis API Reference, SplitShard, MergeShards).
 * A LimitExceededException about the daily UpdateShardCount budget is final: waiting seconds cannot help.
 */
async function sendWithRetry<T>(send: () => Promise<T>, stream: string): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (isAwsError(err, 'LimitExceededException') && /UpdateShardCount|24|rolling|per day|scaling/i.test((err as Error).message)) {
        throw new CliError(`AWS refused UpdateShardCount on '${stream}': ${(err as Error).message}`, EXIT.failure, 'the 10-calls-per-24-h budget is probably spent: the shard map is unchanged by this call; retry later');
      }
      if (attempt >= 5 || !(isAwsError(err, 'ResourceInUseException') || classifyError(err) === 'throttle')) throw err;
      await sleep(500 * 2 ** attempt);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
