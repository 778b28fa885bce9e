/** The stream's AWS half: DescribeStreamSummary, ListShards and ListTagsForStream; the calls of a plan. */
import type { MetricsName } from '@aws-sdk/client-kinesis';
import { predictStreamArn } from '../../core/provision/iam.js';
import { accountFromArns, type PlannedAction } from '../../core/provision/model.js';
import type { DesiredStream, ObservedStream, StreamCall, StreamRequest } from '../../core/provision/stream.js';
import { resolve, type Known } from '../../core/provision/values.js';
import type { KinesisApi } from '../api/kinesis.js';
import { isAwsError } from '../errors.js';
import { describeStreamOrNull, isOpen, listAllShards, listStreamTags, waitForStreamActive } from '../shards.js';
import type { ApplyContext, ResourceAdapter } from './adapter.js';

export async function readStream(kinesis: KinesisApi, name: string): Promise<ObservedStream | null> {
  const summary = await describeStreamOrNull(kinesis, name);
  if (!summary) return null;
  // Shard counts come from ListShards, not the summary: local servers and resharding make OpenShardCount unreliable.
  const open = summary.StreamStatus === 'DELETING' ? 0 : (await listAllShards(kinesis, name)).shards.filter(isOpen).length;
  const tags = await listStreamTags(kinesis, name);
  return {
    arn: summary.StreamARN!,
    status: summary.StreamStatus ?? 'ACTIVE',
    mode: summary.StreamModeDetails?.StreamMode === 'ON_DEMAND' ? 'on-demand' : 'provisioned',
    openShards: open,
    retentionHours: summary.RetentionPeriodHours ?? 24,
    ...(summary.EncryptionType === 'KMS' && summary.KeyId ? { kmsKeyId: summary.KeyId } : {}),
    shardLevelMetrics: (summary.EnhancedMonitoring ?? []).flatMap((m) => m.ShardLevelMetrics ?? []),
    // Streams without the setting take records up to 1 MiB (Kinesis Developer Guide, "Large records").
    maxRecordSizeKiB: summary.MaxRecordSizeInKiB ?? 1024,
    tags,
  };
}

/** The stream's ARN and the account in it; before the stream exists, the ARN it will have. */
export function streamOutputs(name: string, arn: string | undefined, known: Known): Known {
  if (!arn) return predictStreamArn(name, known);
  const accountId = accountFromArns(arn);
  return { ...known, streamArn: arn, ...(accountId ? { accountId } : {}) };
}

async function send(kinesis: KinesisApi, call: StreamCall): Promise<void> {
  switch (call.op) {
    case 'CreateStream':
      try {
        await kinesis.createStream(call.input);
      } catch (err) {
        // Created by a run that failed before it could say so: carry on with the updates.
        if (!isAwsError(err, 'ResourceInUseException')) throw err;
      }
      return;
    case 'UpdateStreamMode':
      return void (await kinesis.updateStreamMode(call.input as typeof call.input & { StreamARN: string }));
    case 'UpdateShardCount':
      return void (await kinesis.updateShardCount(call.input));
    case 'IncreaseStreamRetentionPeriod':
      return void (await kinesis.increaseStreamRetentionPeriod(call.input));
    case 'DecreaseStreamRetentionPeriod':
      return void (await kinesis.decreaseStreamRetentionPeriod(call.input));
    case 'StartStreamEncryption':
      return void (await kinesis.startStreamEncryption(call.input));
    case 'StopStreamEncryption':
      return void (await kinesis.stopStreamEncryption(call.input));
    case 'EnableEnhancedMonitoring':
      return void (await kinesis.enableEnhancedMonitoring({ ...call.input, ShardLevelMetrics: call.input.ShardLevelMetrics as MetricsName[] }));
    case 'DisableEnhancedMonitoring':
      return void (await kinesis.disableEnhancedMonitoring({ ...call.input, ShardLevelMetrics: call.input.ShardLevelMetrics as MetricsName[] }));
    case 'UpdateMaxRecordSize':
      return void (await kinesis.updateMaxRecordSize(call.input as typeof call.input & { StreamARN: string }));
    case 'AddTagsToStream':
      return void (await kinesis.addTagsToStream(call.input));
  }
}

async function applyStream(ctx: ApplyContext, action: PlannedAction): Promise<Known> {
  const kinesis = await ctx.clients.kinesisApi();
  const { calls } = action.request as StreamRequest;
  let known = ctx.known;
  const waitActive = () =>
    waitForStreamActive(kinesis, action.name, { minDelayMs: ctx.wait.minDelaySeconds * 1000, maxDelayMs: ctx.wait.maxDelaySeconds * 1000, timeoutMs: ctx.wait.maxWaitSeconds * 1000, sleep: ctx.sleep });
  for (const call of calls) {
    if (ctx.signal?.aborted) throw new Error('interrupted');
    await send(kinesis, resolve(call, known) as StreamCall);
    // Each call puts the stream in CREATING or UPDATING; the next one is refused until it is ACTIVE again.
    const summary = await waitActive();
    if (call.op === 'CreateStream') known = streamOutputs(action.name, summary.StreamARN, known);
  }
  return known;
}

export const streamAdapter: ResourceAdapter<DesiredStream, ObservedStream> = {
  async read(clients, desired, known) {
    const kinesis = await clients.kinesisApi();
    const observed = await Promise.all(desired.map((d) => readStream(kinesis, d.name)));
    const first = desired[0];
    return { observed, ...(first ? { outputs: streamOutputs(first.name, observed[0]?.arn, known) } : {}) };
  },
  apply: applyStream,
};
