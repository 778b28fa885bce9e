/**
 * `cdcpipe provision`, the AWS half: read the current state of every resource of the pipeline file, and
 * execute a plan (src/core/provision-plan.ts) with waiters. Clients are passed in, so tests inject mocks.
 * Never deletes anything; every create tolerates "already exists" so a re-run after a failure finishes the job.
 */
import { kinesisApi } from './api/kinesis.js';
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DescribeStreamSummaryCommand,
  DisableEnhancedMonitoringCommand,
  EnableEnhancedMonitoringCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListTagsForStreamCommand,
  StartStreamEncryptionCommand,
  StopStreamEncryptionCommand,
  UpdateMaxRecordSizeCommand,
  UpdateShardCountCommand,
  UpdateStreamModeCommand,
  waitUntilStreamExists,
  type KinesisClient,
  type MetricsName,
} from '@aws-sdk/client-kinesis';
import {
  CreateEndpointCommand,
  CreateReplicationConfigCommand,
  CreateReplicationTaskCommand,
  DescribeEndpointsCommand,
  DescribeReplicationConfigsCommand,
  DescribeReplicationInstancesCommand,
  DescribeReplicationTasksCommand,
  DescribeReplicationsCommand,
  ModifyEndpointCommand,
  ModifyReplicationConfigCommand,
  ModifyReplicationTaskCommand,
  StartReplicationCommand,
  StartReplicationTaskCommand,
  TestConnectionCommand,
  waitUntilReplicationTaskReady,
  waitUntilTestConnectionSucceeds,
  type DatabaseMigrationServiceClient,
  type KinesisSettings,
  type ReplicationTask,
} from '@aws-sdk/client-database-migration-service';
import {
  CreateDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  UpdateDestinationCommand,
  type ExtendedS3DestinationConfiguration,
  type FirehoseClient,
} from '@aws-sdk/client-firehose';
import { PutMetricAlarmCommand, paginateDescribeAlarms, type CloudWatchClient, type ComparisonOperator, type Statistic } from '@aws-sdk/client-cloudwatch';
import { CreateRoleCommand, GetRoleCommand, GetRolePolicyCommand, PutRolePolicyCommand, waitUntilRoleExists, type IAMClient } from '@aws-sdk/client-iam';
import {
  ROLE_POLICY_NAME,
  accountFromArns,
  alarmSpecs,
  dmsKinesisSettings,
  dmsRolePolicy,
  dmsTableMappings,
  dmsTaskSettings,
  endpointId,
  firehoseDestination,
  firehoseRolePolicy,
  partitionOf,
  roleName,
  shardSteps,
  streamArnFor,
  trustPolicy,
  type AlarmSpec,
  type ObservedState,
  type ObservedStream,
  type PlannedAction,
  type ProvisionPlan,
  type Refs,
  type RoleKind,
  type StreamChange,
} from '../core/provision-plan.js';
import type { PipelineConfig } from '../core/pipeline-schema.js';
import { AwsCallError, type ExitCode } from '../errors.js';
import { isAwsError, toCliError } from './errors.js';
import { listAllShards } from './shards.js';

export interface ProvisionClients {
  kinesis: KinesisClient;
  dms?: DatabaseMigrationServiceClient;
  firehose?: FirehoseClient;
  cloudwatch?: CloudWatchClient;
  iam?: IAMClient;
}

/** Which clients a pipeline file needs (so a stream-only file never builds the others). */
export function neededServices(cfg: PipelineConfig, createRoles: boolean): (keyof ProvisionClients)[] {
  const out: (keyof ProvisionClients)[] = ['kinesis'];
  if (cfg.dms) out.push('dms');
  if (cfg.firehose) out.push('firehose');
  if (cfg.alarms) out.push('cloudwatch');
  if (createRoles && ((cfg.dms && !cfg.dms.serviceAccessRoleArn) || (cfg.firehose && !cfg.firehose.roleArn))) out.push('iam');
  return out;
}

export interface WaitOptions {
  /** First poll delay, seconds (the SDK waiters back off exponentially from here to maxDelaySeconds). */
  minDelaySeconds: number;
  maxDelaySeconds: number;
  /** Give up waiting for one resource after this long. */
  maxWaitSeconds: number;
}

export const DEFAULT_WAIT: WaitOptions = { minDelaySeconds: 1, maxDelaySeconds: 15, maxWaitSeconds: 900 };

function need<T>(client: T | undefined, service: string): T {
  if (!client) throw new Error(`internal: the ${service} client was not passed to provision`);
  return client;
}

// ---------------------------------------------------------------- read

export interface ReadOptions {
  createRoles: boolean;
  region: string;
}

export async function readStream(kinesis: KinesisClient, name: string): Promise<ObservedStream | null> {
  let summary;
  try {
    summary = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!;
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundException')) return null;
    throw err;
  }
  // Shard counts come from ListShards, not the summary: local servers and resharding make OpenShardCount unreliable.
  const open = summary.StreamStatus === 'DELETING' ? 0 : (await listAllShards(kinesisApi(kinesis), name)).shards.filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber).length;
  const tags: Record<string, string> = {};
  let startKey: string | undefined;
  for (;;) {
    const res = await kinesis.send(new ListTagsForStreamCommand({ StreamName: name, ...(startKey ? { ExclusiveStartTagKey: startKey } : {}) }));
    for (const t of res.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
    const last = res.Tags?.[res.Tags.length - 1]?.Key;
    if (!res.HasMoreTags || !last) break;
    startKey = last;
  }
  return {
    arn: summary.StreamARN!,
    status: summary.StreamStatus ?? 'ACTIVE',
    mode: summary.StreamModeDetails?.StreamMode === 'ON_DEMAND' ? 'on-demand' : 'provisioned',
    openShards: open,
    retentionHours: summary.RetentionPeriodHours ?? 24,
    ...(summary.EncryptionType === 'KMS' && summary.KeyId ? { kmsKeyId: summary.KeyId } : {}),
    shardLevelMetrics: (summary.EnhancedMonitoring ?? []).flatMap((m) => m.ShardLevelMetrics ?? []),
    // Streams without the setting take records up to 1 MiB ("large-records" guide).
    maxRecordSizeKiB: summary.MaxRecordSizeInKiB ?? 1024,
    tags,
  };
}

async function readRole(iam: IAMClient, name: string): Promise<{ arn: string; policy: unknown } | null> {
  let arn: string;
  try {
    arn = (await iam.send(new GetRoleCommand({ RoleName: name }))).Role!.Arn!;
  } catch (err) {
    if (isAwsError(err, 'NoSuchEntityException', 'NoSuchEntity')) return null;
    throw err;
  }
  try {
    const res = await iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: ROLE_POLICY_NAME }));
    // GetRolePolicy returns the document URL-encoded (API GetRolePolicy).
    return { arn, policy: JSON.parse(decodeURIComponent(res.PolicyDocument ?? 'null')) as unknown };
  } catch (err) {
    if (isAwsError(err, 'NoSuchEntityException', 'NoSuchEntity')) return { arn, policy: null };
    throw err;
  }
}

async function readTask(dms: DatabaseMigrationServiceClient, id: string): Promise<ReplicationTask | null> {
  try {
    const res = await dms.send(new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-id', Values: [id] }], WithoutSettings: false }));
    return res.ReplicationTasks?.find((t) => t.ReplicationTaskIdentifier === id) ?? null;
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundFault')) return null;
    throw err;
  }
}

async function readEndpoint(dms: DatabaseMigrationServiceClient, id: string) {
  try {
    const res = await dms.send(new DescribeEndpointsCommand({ Filters: [{ Name: 'endpoint-id', Values: [id] }] }));
    return res.Endpoints?.find((e) => e.EndpointIdentifier === id) ?? null;
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundFault')) return null;
    throw err;
  }
}

async function readReplicationConfig(dms: DatabaseMigrationServiceClient, id: string) {
  try {
    const res = await dms.send(new DescribeReplicationConfigsCommand({ Filters: [{ Name: 'replication-config-id', Values: [id] }] }));
    return res.ReplicationConfigs?.find((c) => c.ReplicationConfigIdentifier === id) ?? null;
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundFault')) return null;
    throw err;
  }
}

async function readReplication(dms: DatabaseMigrationServiceClient, configArn: string) {
  try {
    const res = await dms.send(new DescribeReplicationsCommand({ Filters: [{ Name: 'replication-config-arn', Values: [configArn] }] }));
    return res.Replications?.[0] ?? null;
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundFault')) return null;
    throw err;
  }
}

async function readInstanceId(dms: DatabaseMigrationServiceClient, arn: string): Promise<string | undefined> {
  const res = await dms.send(new DescribeReplicationInstancesCommand({ Filters: [{ Name: 'replication-instance-arn', Values: [arn] }] }));
  return res.ReplicationInstances?.[0]?.ReplicationInstanceIdentifier;
}

async function readFirehose(firehose: FirehoseClient, name: string) {
  try {
    return (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }))).DeliveryStreamDescription ?? null;
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundException')) return null;
    throw err;
  }
}

async function readAlarms(cloudwatch: CloudWatchClient, names: string[]): Promise<Record<string, AlarmSpec>> {
  const out: Record<string, AlarmSpec> = {};
  if (names.length === 0) return out;
  for await (const page of paginateDescribeAlarms({ client: cloudwatch }, { AlarmNames: names, AlarmTypes: ['MetricAlarm'] })) {
    for (const a of page.MetricAlarms ?? []) {
      if (!a.AlarmName) continue;
      out[a.AlarmName] = {
        AlarmName: a.AlarmName,
        ...(a.AlarmDescription !== undefined ? { AlarmDescription: a.AlarmDescription } : {}),
        Namespace: a.Namespace ?? '',
        MetricName: a.MetricName ?? '',
        Dimensions: (a.Dimensions ?? []).map((d) => ({ Name: d.Name ?? '', Value: d.Value ?? '' })),
        Statistic: a.Statistic ?? '',
        Period: a.Period ?? 0,
        EvaluationPeriods: a.EvaluationPeriods ?? 0,
        DatapointsToAlarm: a.DatapointsToAlarm ?? a.EvaluationPeriods ?? 0,
        Threshold: a.Threshold ?? 0,
        ComparisonOperator: a.ComparisonOperator ?? '',
        TreatMissingData: a.TreatMissingData ?? 'missing',
        AlarmActions: a.AlarmActions ?? [],
        OKActions: a.OKActions ?? [],
      };
    }
  }
  return out;
}

/** Every alarm name the file can ask for, the DMS one included (it may exist from an earlier run). */
function allAlarmNames(cfg: PipelineConfig): string[] {
  const probe: Refs = { partition: 'aws', region: 'r', taskArn: 'arn:aws:dms:r:0:task:x', replicationInstanceId: 'x' };
  return alarmSpecs(cfg, probe).specs.map((s) => s.AlarmName);
}

export interface CurrentState {
  observed: ObservedState;
  refs: Refs;
}

function baseRefs(cfg: PipelineConfig, stream: ObservedStream | null, region: string): Refs {
  const refs: Refs = { partition: partitionOf(region), region };
  if (stream) refs.streamArn = stream.arn;
  // The account id comes from the stream's ARN (no STS client here), else from an ARN in the file.
  const accountId = accountFromArns(stream?.arn, cfg.dms?.serviceAccessRoleArn, cfg.firehose?.roleArn, cfg.dms?.sourceEndpointArn, cfg.dms?.replicationInstanceArn, cfg.alarms?.snsTopicArn);
  if (accountId) refs.accountId = accountId;
  return refs;
}

/** Region, account and stream ARN only (for --print-policies): one Kinesis read, no other service. */
export async function readPolicyRefs(cfg: PipelineConfig, kinesis: KinesisClient, region: string): Promise<Refs> {
  return baseRefs(cfg, await readStream(kinesis, cfg.stream.name), region);
}

/** Reads every resource the file names. Missing ones are null; nothing is changed. */
export async function readState(cfg: PipelineConfig, clients: ProvisionClients, opts: ReadOptions): Promise<CurrentState> {
  const stream = await readStream(clients.kinesis, cfg.stream.name);
  const refs = baseRefs(cfg, stream, opts.region);
  const observed: ObservedState = { stream, roles: {}, alarms: {} };

  if (opts.createRoles) {
    const iam = clients.iam;
    for (const kind of ['dms', 'firehose'] as const) {
      const wanted = kind === 'dms' ? cfg.dms && !cfg.dms.serviceAccessRoleArn : cfg.firehose && !cfg.firehose.roleArn;
      if (!wanted) continue;
      const role = await readRole(need(iam, 'IAM'), roleName(cfg, kind));
      observed.roles[kind] = role;
      if (role) refs[kind === 'dms' ? 'dmsRoleArn' : 'firehoseRoleArn'] = role.arn;
    }
  }

  if (cfg.dms) {
    const dms = need(clients.dms, 'DMS');
    const ep = await readEndpoint(dms, endpointId(cfg));
    observed.dmsEndpoint = ep
      ? { arn: ep.EndpointArn!, engineName: ep.EngineName ?? '', endpointType: ep.EndpointType ?? '', kinesisSettings: (ep.KinesisSettings ?? {}) as Record<string, unknown> }
      : null;
    if (ep) refs.endpointArn = ep.EndpointArn!;
    if (cfg.dms.serverless) {
      const rc = await readReplicationConfig(dms, cfg.dms.task.id);
      if (rc) {
        refs.replicationConfigArn = rc.ReplicationConfigArn!;
        const rep = await readReplication(dms, rc.ReplicationConfigArn!);
        observed.dmsReplicationConfig = {
          arn: rc.ReplicationConfigArn!,
          replicationType: rc.ReplicationType ?? '',
          tableMappings: rc.TableMappings ?? '',
          settings: rc.ReplicationSettings ?? '',
          sourceEndpointArn: rc.SourceEndpointArn ?? '',
          targetEndpointArn: rc.TargetEndpointArn ?? '',
          ...(rc.ComputeConfig?.MinCapacityUnits !== undefined ? { minDcu: rc.ComputeConfig.MinCapacityUnits } : {}),
          ...(rc.ComputeConfig?.MaxCapacityUnits !== undefined ? { maxDcu: rc.ComputeConfig.MaxCapacityUnits } : {}),
          ...(rep?.Status ? { status: rep.Status } : {}),
          startedBefore: Boolean(rep?.StartReplicationType || rep?.ReplicationStats?.StartDate),
        };
      } else observed.dmsReplicationConfig = null;
    } else {
      const task = await readTask(dms, cfg.dms.task.id);
      observed.dmsTask = task ? observedTask(task) : null;
      if (task) refs.taskArn = task.ReplicationTaskArn!;
      if (cfg.alarms?.dmsLatencySeconds !== undefined && cfg.dms.replicationInstanceArn) {
        const id = await readInstanceId(dms, cfg.dms.replicationInstanceArn);
        if (id) {
          refs.replicationInstanceId = id;
          observed.replicationInstanceId = id;
        }
      }
    }
  }

  if (cfg.firehose) {
    const d = await readFirehose(need(clients.firehose, 'Firehose'), cfg.firehose.name);
    observed.firehose = d
      ? {
          arn: d.DeliveryStreamARN ?? '',
          status: d.DeliveryStreamStatus ?? '',
          versionId: d.VersionId ?? '',
          destinationId: d.Destinations?.[0]?.DestinationId ?? '',
          type: d.DeliveryStreamType ?? '',
          ...(d.Source?.KinesisStreamSourceDescription?.KinesisStreamARN ? { sourceStreamArn: d.Source.KinesisStreamSourceDescription.KinesisStreamARN } : {}),
          ...(d.Source?.KinesisStreamSourceDescription?.RoleARN ? { sourceRoleArn: d.Source.KinesisStreamSourceDescription.RoleARN } : {}),
          ...(d.Destinations?.[0]?.ExtendedS3DestinationDescription ? { destination: d.Destinations[0].ExtendedS3DestinationDescription as unknown as Record<string, unknown> } : {}),
        }
      : null;
  }

  if (cfg.alarms) observed.alarms = await readAlarms(need(clients.cloudwatch, 'CloudWatch'), allAlarmNames(cfg));
  return { observed, refs };
}

function observedTask(task: ReplicationTask) {
  return {
    arn: task.ReplicationTaskArn!,
    status: task.Status ?? '',
    migrationType: task.MigrationType ?? '',
    tableMappings: task.TableMappings ?? '',
    settings: task.ReplicationTaskSettings ?? '',
    sourceEndpointArn: task.SourceEndpointArn ?? '',
    targetEndpointArn: task.TargetEndpointArn ?? '',
    replicationInstanceArn: task.ReplicationInstanceArn ?? '',
    startedBefore: Boolean(task.ReplicationTaskStartDate),
  };
}

// ---------------------------------------------------------------- apply

export interface StepProgress {
  succeed(text?: string): void;
  fail(text?: string): void;
}

export interface ApplyOptions {
  testConnection: boolean;
  wait?: WaitOptions;
  /** Called before each step (a spinner on a terminal). */
  onStep?: (action: PlannedAction, text: string) => Promise<StepProgress> | StepProgress;
  /** Sleep between custom polls (tests pass a fast one). */
  sleep?: (ms: number) => Promise<void>;
}

export type StepStatus = 'done' | 'failed' | 'skipped';

export interface ApplyResult {
  steps: { action: PlannedAction; status: StepStatus; error?: string }[];
  refs: Refs;
}

/** A step failed: what was created before it is kept; a re-run continues from here. */
export class ProvisionStepError extends Error {
  /** The exit code the cause maps to (4 not found, 5 access denied, 1 the rest). */
  readonly exitCode: ExitCode;
  constructor(
    readonly action: PlannedAction,
    override readonly cause: unknown,
    readonly result: ApplyResult,
  ) {
    super(`${action.action} ${action.resource} ${action.name} failed: ${toCliError(cause).message}`);
    this.name = 'ProvisionStepError';
    this.exitCode = toCliError(cause).exitCode;
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function applyPlan(cfg: PipelineConfig, plan: ProvisionPlan, state: CurrentState, clients: ProvisionClients, opts: ApplyOptions): Promise<ApplyResult> {
  const refs: Refs = { ...state.refs };
  const ctx: ExecContext = { cfg, clients, refs, wait: opts.wait ?? DEFAULT_WAIT, sleep: opts.sleep ?? defaultSleep, state };
  const result: ApplyResult = { steps: [], refs };
  for (const action of plan.actions) {
    if (action.action === 'none' || action.action === 'drift') {
      result.steps.push({ action, status: 'skipped' });
      continue;
    }
    const text = `${action.action} ${action.resource} ${action.name}`;
    const progress = opts.onStep ? await opts.onStep(action, text) : undefined;
    try {
      await execute(ctx, action, plan);
      progress?.succeed(`${text}: ${action.detail}`);
      result.steps.push({ action, status: 'done' });
    } catch (err) {
      progress?.fail(`${text}: ${toCliError(err).message}`);
      result.steps.push({ action, status: 'failed', error: toCliError(err).message });
      throw new ProvisionStepError(action, err, result);
    }
    if (action.resource === 'dms-endpoint' && opts.testConnection) await testConnection(ctx, opts);
  }
  // The endpoint was tested above only when this run created or updated it.
  if (opts.testConnection && !plan.actions.some((a) => a.resource === 'dms-endpoint' && (a.action === 'create' || a.action === 'update'))) await testConnection(ctx, opts);
  return result;
}

interface ExecContext {
  cfg: PipelineConfig;
  clients: ProvisionClients;
  refs: Refs;
  wait: WaitOptions;
  sleep: (ms: number) => Promise<void>;
  state: CurrentState;
}

function waiterParams<C>(client: C, wait: WaitOptions) {
  return { client, minDelay: wait.minDelaySeconds, maxDelay: Math.max(wait.maxDelaySeconds, wait.minDelaySeconds), maxWaitTime: wait.maxWaitSeconds };
}

/** Polls `check` until it returns a value, backing off from minDelay to maxDelay, up to maxWait. */
async function poll<T>(ctx: ExecContext, what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ctx.wait.maxWaitSeconds * 1000;
  let delayMs = ctx.wait.minDelaySeconds * 1000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() + delayMs > deadline) throw new AwsCallError(`timed out after ${ctx.wait.maxWaitSeconds} s waiting for ${what}`, 're-run cdcpipe provision: it continues where it stopped');
    await ctx.sleep(delayMs);
    delayMs = Math.min(delayMs * 2, ctx.wait.maxDelaySeconds * 1000);
  }
}

async function execute(ctx: ExecContext, action: PlannedAction, plan: ProvisionPlan): Promise<void> {
  switch (action.resource) {
    case 'kinesis-stream':
      return action.action === 'create' ? createStream(ctx, action, plan) : applyStreamChanges(ctx, action.changes ?? []);
    case 'iam-role':
      return ensureRole(ctx, action.role!, action.action === 'create');
    case 'dms-endpoint':
      return action.action === 'create' ? createEndpoint(ctx) : modifyEndpoint(ctx);
    case 'dms-task':
      if (action.action === 'start') return startTask(ctx, action);
      return action.action === 'create' ? createTask(ctx) : modifyTask(ctx);
    case 'dms-replication-config':
      if (action.action === 'start') return startReplication(ctx, action);
      return action.action === 'create' ? createReplicationConfig(ctx) : modifyReplicationConfig(ctx);
    case 'firehose':
      return action.action === 'create' ? createFirehose(ctx) : updateFirehose(ctx);
    case 'cloudwatch-alarm':
      return putAlarm(ctx, action);
  }
}

// ---- Kinesis

async function waitStreamActive(ctx: ExecContext): Promise<void> {
  // waitUntilStreamExists succeeds when DescribeStream says ACTIVE (also after UPDATING).
  await waitUntilStreamExists(waiterParams(ctx.clients.kinesis, ctx.wait), { StreamName: ctx.cfg.stream.name });
}

async function createStream(ctx: ExecContext, action: PlannedAction, plan: ProvisionPlan): Promise<void> {
  const s = ctx.cfg.stream;
  const tags = ctx.cfg.tags ?? {};
  try {
    await ctx.clients.kinesis.send(
      new CreateStreamCommand({
        StreamName: s.name,
        ...(s.mode === 'provisioned' ? { ShardCount: plan.shardCount! } : {}),
        StreamModeDetails: { StreamMode: s.mode === 'on-demand' ? 'ON_DEMAND' : 'PROVISIONED' },
        ...(s.maxRecordSizeKiB ? { MaxRecordSizeInKiB: s.maxRecordSizeKiB } : {}),
      }),
    );
  } catch (err) {
    // Created by a run that failed before it could say so: carry on with the updates.
    if (!isAwsError(err, 'ResourceInUseException')) throw err;
  }
  await waitStreamActive(ctx);
  const summary = (await ctx.clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: s.name }))).StreamDescriptionSummary!;
  ctx.refs.streamArn = summary.StreamARN!;
  ctx.refs.accountId ??= accountFromArns(summary.StreamARN);
  const changes = [...(action.changes ?? [])];
  if (Object.keys(tags).length) changes.push({ kind: 'tags', add: tags });
  await applyStreamChanges(ctx, changes);
}

async function applyStreamChanges(ctx: ExecContext, changes: StreamChange[]): Promise<void> {
  const k = ctx.clients.kinesis;
  const StreamName = ctx.cfg.stream.name;
  const arn = async () => ctx.refs.streamArn ?? (await k.send(new DescribeStreamSummaryCommand({ StreamName }))).StreamDescriptionSummary!.StreamARN!;
  for (const c of changes) {
    switch (c.kind) {
      case 'mode':
        await k.send(new UpdateStreamModeCommand({ StreamARN: await arn(), StreamModeDetails: { StreamMode: c.to === 'on-demand' ? 'ON_DEMAND' : 'PROVISIONED' } }));
        break;
      case 'shards':
        for (const target of shardSteps(c.from, c.to)) {
          await k.send(new UpdateShardCountCommand({ StreamName, TargetShardCount: target, ScalingType: 'UNIFORM_SCALING' }));
          await waitStreamActive(ctx);
        }
        break;
      case 'retention':
        await k.send(
          c.to > c.from
            ? new IncreaseStreamRetentionPeriodCommand({ StreamName, RetentionPeriodHours: c.to })
            : new DecreaseStreamRetentionPeriodCommand({ StreamName, RetentionPeriodHours: c.to }),
        );
        break;
      case 'encryption':
        await k.send(new StartStreamEncryptionCommand({ StreamName, EncryptionType: 'KMS', KeyId: c.to }));
        break;
      case 'encryption-off':
        await k.send(new StopStreamEncryptionCommand({ StreamName, EncryptionType: 'KMS', KeyId: c.from }));
        break;
      case 'monitoring':
        if (c.enable.length) await k.send(new EnableEnhancedMonitoringCommand({ StreamName, ShardLevelMetrics: c.enable as MetricsName[] }));
        if (c.disable.length) await k.send(new DisableEnhancedMonitoringCommand({ StreamName, ShardLevelMetrics: c.disable as MetricsName[] }));
        break;
      case 'max-record-size':
        await k.send(new UpdateMaxRecordSizeCommand({ StreamARN: await arn(), MaxRecordSizeInKiB: c.to }));
        break;
      case 'tags': {
        // AddTagsToStream takes at most 10 tags per call (API AddTagsToStream).
        const entries = Object.entries(c.add);
        for (let i = 0; i < entries.length; i += 10) await k.send(new AddTagsToStreamCommand({ StreamName, Tags: Object.fromEntries(entries.slice(i, i + 10)) }));
        break;
      }
    }
    // Each change puts the stream in UPDATING; the next one is refused until it is ACTIVE again.
    await waitStreamActive(ctx);
  }
}

// ---- IAM

async function ensureRole(ctx: ExecContext, kind: RoleKind, create: boolean): Promise<void> {
  const iam = need(ctx.clients.iam, 'IAM');
  const RoleName = roleName(ctx.cfg, kind);
  let arn: string | undefined;
  if (create) {
    try {
      const res = await iam.send(
        new CreateRoleCommand({
          RoleName,
          AssumeRolePolicyDocument: JSON.stringify(trustPolicy(kind, ctx.refs.accountId)),
          Description: `cdcpipe: ${kind === 'dms' ? 'DMS writes to' : 'Firehose reads'} Kinesis stream ${ctx.cfg.stream.name}`,
          ...(ctx.cfg.tags ? { Tags: Object.entries(ctx.cfg.tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
        }),
      );
      arn = res.Role?.Arn;
    } catch (err) {
      if (!isAwsError(err, 'EntityAlreadyExistsException', 'EntityAlreadyExists')) throw err;
    }
    await waitUntilRoleExists(waiterParams(iam, ctx.wait), { RoleName });
  }
  arn ??= (await iam.send(new GetRoleCommand({ RoleName }))).Role!.Arn!;
  const policy = kind === 'dms' ? dmsRolePolicy(ctx.cfg, ctx.refs) : firehoseRolePolicy(ctx.cfg, ctx.refs);
  await iam.send(new PutRolePolicyCommand({ RoleName, PolicyName: ROLE_POLICY_NAME, PolicyDocument: JSON.stringify(policy) }));
  ctx.refs[kind === 'dms' ? 'dmsRoleArn' : 'firehoseRoleArn'] = arn;
}

// ---- DMS

function dmsTags(cfg: PipelineConfig) {
  return cfg.tags ? { Tags: Object.entries(cfg.tags).map(([Key, Value]) => ({ Key, Value })) } : {};
}

async function createEndpoint(ctx: ExecContext): Promise<void> {
  const dms = need(ctx.clients.dms, 'DMS');
  const id = endpointId(ctx.cfg);
  try {
    const res = await dms.send(
      new CreateEndpointCommand({
        EndpointIdentifier: id,
        EndpointType: 'target',
        EngineName: 'kinesis',
        KinesisSettings: dmsKinesisSettings(ctx.cfg, ctx.refs) as KinesisSettings,
        ...dmsTags(ctx.cfg),
      }),
    );
    ctx.refs.endpointArn = res.Endpoint!.EndpointArn!;
  } catch (err) {
    if (!isAwsError(err, 'ResourceAlreadyExistsFault')) throw err;
    ctx.refs.endpointArn = (await readEndpoint(dms, id))!.EndpointArn!;
    await modifyEndpoint(ctx);
  }
}

async function modifyEndpoint(ctx: ExecContext): Promise<void> {
  const dms = need(ctx.clients.dms, 'DMS');
  const arn = ctx.refs.endpointArn ?? (await readEndpoint(dms, endpointId(ctx.cfg)))!.EndpointArn!;
  ctx.refs.endpointArn = arn;
  await dms.send(new ModifyEndpointCommand({ EndpointArn: arn, KinesisSettings: dmsKinesisSettings(ctx.cfg, ctx.refs) as KinesisSettings }));
}

async function testConnection(ctx: ExecContext, opts: ApplyOptions): Promise<void> {
  const dms = need(ctx.clients.dms, 'DMS');
  const instance = ctx.cfg.dms?.replicationInstanceArn;
  const endpoint = ctx.refs.endpointArn;
  if (!instance || !endpoint) return; // serverless: DMS tests the connection when the replication starts
  const step: PlannedAction = { resource: 'dms-endpoint', name: endpointId(ctx.cfg), action: 'none', detail: 'test connection' };
  const progress = opts.onStep ? await opts.onStep(step, `test connection ${step.name}`) : undefined;
  try {
    try {
      await dms.send(new TestConnectionCommand({ ReplicationInstanceArn: instance, EndpointArn: endpoint }));
    } catch (err) {
      // A test already running for this pair: wait for its result instead.
      if (!isAwsError(err, 'InvalidResourceStateFault')) throw err;
    }
    await waitUntilTestConnectionSucceeds(waiterParams(dms, ctx.wait), {
      Filters: [
        { Name: 'endpoint-arn', Values: [endpoint] },
        { Name: 'replication-instance-arn', Values: [instance] },
      ],
    });
    progress?.succeed(`test connection ${step.name}: successful`);
  } catch (err) {
    progress?.fail(`test connection ${step.name}: ${toCliError(err).message}`);
    throw new ProvisionStepError(step, err, { steps: [], refs: ctx.refs });
  }
}

async function createTask(ctx: ExecContext): Promise<void> {
  const dms = need(ctx.clients.dms, 'DMS');
  const d = ctx.cfg.dms!;
  const settings = dmsTaskSettings(d.task);
  let arn: string;
  try {
    const res = await dms.send(
      new CreateReplicationTaskCommand({
        ReplicationTaskIdentifier: d.task.id,
        SourceEndpointArn: d.sourceEndpointArn,
        TargetEndpointArn: ctx.refs.endpointArn!,
        ReplicationInstanceArn: d.replicationInstanceArn!,
        MigrationType: d.task.migrationType,
        TableMappings: JSON.stringify(dmsTableMappings(d.task)),
        ...(settings ? { ReplicationTaskSettings: JSON.stringify(settings) } : {}),
        ...dmsTags(ctx.cfg),
      }),
    );
    arn = res.ReplicationTask!.ReplicationTaskArn!;
  } catch (err) {
    if (!isAwsError(err, 'ResourceAlreadyExistsFault')) throw err;
    arn = (await readTask(dms, d.task.id))!.ReplicationTaskArn!;
  }
  ctx.refs.taskArn = arn;
  await waitUntilReplicationTaskReady(waiterParams(dms, ctx.wait), { Filters: [{ Name: 'replication-task-arn', Values: [arn] }], WithoutSettings: true });
}

/** Polls the task until it leaves the given transient states (the SDK's Ready waiter fails on "modifying"). */
async function waitTaskSettled(ctx: ExecContext, arn: string, transient: string[], what: string): Promise<ReplicationTask> {
  const dms = need(ctx.clients.dms, 'DMS');
  return poll(ctx, what, async () => {
    const res = await dms.send(new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-arn', Values: [arn] }], WithoutSettings: true }));
    const task = res.ReplicationTasks?.[0];
    return task && !transient.includes(task.Status ?? '') ? task : undefined;
  });
}

async function modifyTask(ctx: ExecContext): Promise<void> {
  const dms = need(ctx.clients.dms, 'DMS');
  const d = ctx.cfg.dms!;
  const arn = ctx.refs.taskArn!;
  const settings = dmsTaskSettings(d.task);
  await dms.send(
    new ModifyReplicationTaskCommand({
      ReplicationTaskArn: arn,
      MigrationType: d.task.migrationType,
      TableMappings: JSON.stringify(dmsTableMappings(d.task)),
      ...(settings ? { ReplicationTaskSettings: JSON.stringify(settings) } : {}),
    }),
  );
  const task = await waitTaskSettled(ctx, arn, ['modifying', 'creating'], `DMS task ${d.task.id} to finish modifying`);
  if (task.Status === 'failed') throw new AwsCallError(`DMS task ${d.task.id} failed after the change: ${task.LastFailureMessage ?? 'no message'}`);
}

async function startTask(ctx: ExecContext, action: PlannedAction): Promise<void> {
  const dms = need(ctx.clients.dms, 'DMS');
  const d = ctx.cfg.dms!;
  const arn = ctx.refs.taskArn!;
  // A task created or modified by this run has been waited for; an older one may still be settling.
  const before = await waitTaskSettled(ctx, arn, ['creating', 'modifying', 'testing'], `DMS task ${d.task.id} to be ready`);
  if (before.Status === 'running' || before.Status === 'starting') return;
  // start-replication the first time; resume-processing once it has run (API StartReplicationTask).
  const type = before.ReplicationTaskStartDate ? 'resume-processing' : (action.startType ?? 'start-replication');
  await dms.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: type }));
  const after = await waitTaskSettled(ctx, arn, ['ready', 'starting'], `DMS task ${d.task.id} to start`);
  if (after.Status === 'failed') throw new AwsCallError(`DMS task ${d.task.id} failed to start: ${after.LastFailureMessage ?? 'no message'}`, 'read the task log in CloudWatch Logs, fix the cause, then re-run');
}

async function createReplicationConfig(ctx: ExecContext): Promise<void> {
  const dms = need(ctx.clients.dms, 'DMS');
  const d = ctx.cfg.dms!;
  const settings = dmsTaskSettings(d.task);
  try {
    const res = await dms.send(
      new CreateReplicationConfigCommand({
        ReplicationConfigIdentifier: d.task.id,
        SourceEndpointArn: d.sourceEndpointArn,
        TargetEndpointArn: ctx.refs.endpointArn!,
        ComputeConfig: { MinCapacityUnits: d.serverless!.minDcu, MaxCapacityUnits: d.serverless!.maxDcu },
        ReplicationType: d.task.migrationType,
        TableMappings: JSON.stringify(dmsTableMappings(d.task)),
        ...(settings ? { ReplicationSettings: JSON.stringify(settings) } : {}),
        ...dmsTags(ctx.cfg),
      }),
    );
    ctx.refs.replicationConfigArn = res.ReplicationConfig!.ReplicationConfigArn!;
  } catch (err) {
    if (!isAwsError(err, 'ResourceAlreadyExistsFault')) throw err;
    ctx.refs.replicationConfigArn = (await readReplicationConfig(dms, d.task.id))!.ReplicationConfigArn!;
  }
}

async function modifyReplicationConfig(ctx: ExecContext): Promise<void> {
  const dms = need(ctx.clients.dms, 'DMS');
  const d = ctx.cfg.dms!;
  const settings = dmsTaskSettings(d.task);
  await dms.send(
    new ModifyReplicationConfigCommand({
      ReplicationConfigArn: ctx.refs.replicationConfigArn!,
      ReplicationType: d.task.migrationType,
      ComputeConfig: { MinCapacityUnits: d.serverless!.minDcu, MaxCapacityUnits: d.serverless!.maxDcu },
      TableMappings: JSON.stringify(dmsTableMappings(d.task)),
      ...(settings ? { ReplicationSettings: JSON.stringify(settings) } : {}),
    }),
  );
}

async function startReplication(ctx: ExecContext, action: PlannedAction): Promise<void> {
  const dms = need(ctx.clients.dms, 'DMS');
  const arn = ctx.refs.replicationConfigArn!;
  const rep = await readReplication(dms, arn);
  if (rep?.Status === 'running' || rep?.Status === 'starting') return;
  const type = rep?.StartReplicationType || rep?.ReplicationStats?.StartDate ? 'resume-processing' : (action.startType ?? 'start-replication');
  // Serverless capacity is provisioned after this call and can take many minutes; `cdcpipe lag` shows progress.
  await dms.send(new StartReplicationCommand({ ReplicationConfigArn: arn, StartReplicationType: type }));
}

// ---- Firehose

async function createFirehose(ctx: ExecContext): Promise<void> {
  const fh = need(ctx.clients.firehose, 'Firehose');
  const f = ctx.cfg.firehose!;
  const roleArn = f.roleArn ?? ctx.refs.firehoseRoleArn!;
  try {
    await fh.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: f.name,
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: { KinesisStreamARN: streamArnFor(ctx.cfg, ctx.refs)!, RoleARN: roleArn },
        ExtendedS3DestinationConfiguration: firehoseDestination(ctx.cfg, ctx.refs) as unknown as ExtendedS3DestinationConfiguration,
        ...(ctx.cfg.tags ? { Tags: Object.entries(ctx.cfg.tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
      }),
    );
  } catch (err) {
    if (!isAwsError(err, 'ResourceInUseException')) throw err;
  }
  await poll(ctx, `Firehose ${f.name} to be ACTIVE`, async () => {
    const d = await readFirehose(fh, f.name);
    if (d?.DeliveryStreamStatus === 'CREATING_FAILED') {
      throw new AwsCallError(`Firehose ${f.name} failed to create: ${d.FailureDescription?.Details ?? d.FailureDescription?.Type ?? 'no detail'}`);
    }
    return d?.DeliveryStreamStatus === 'ACTIVE' ? d : undefined;
  });
}

async function updateFirehose(ctx: ExecContext): Promise<void> {
  const fh = need(ctx.clients.firehose, 'Firehose');
  const f = ctx.cfg.firehose!;
  // The version id must be current (API UpdateDestination): read it now, not at plan time.
  const d = (await readFirehose(fh, f.name))!;
  await fh.send(
    new UpdateDestinationCommand({
      DeliveryStreamName: f.name,
      CurrentDeliveryStreamVersionId: d.VersionId!,
      DestinationId: d.Destinations![0]!.DestinationId!,
      ExtendedS3DestinationUpdate: firehoseDestination(ctx.cfg, ctx.refs) as never,
    }),
  );
}

// ---- CloudWatch

async function putAlarm(ctx: ExecContext, action: PlannedAction): Promise<void> {
  const cw = need(ctx.clients.cloudwatch, 'CloudWatch');
  if (ctx.cfg.dms?.replicationInstanceArn && !ctx.refs.replicationInstanceId && ctx.cfg.alarms?.dmsLatencySeconds !== undefined) {
    const id = await readInstanceId(need(ctx.clients.dms, 'DMS'), ctx.cfg.dms.replicationInstanceArn);
    if (id) ctx.refs.replicationInstanceId = id;
  }
  const spec = alarmSpecs(ctx.cfg, ctx.refs).specs.find((s) => s.AlarmName === action.name);
  if (!spec) throw new AwsCallError(`alarm ${action.name}: the DMS task or its replication instance is not known yet`);
  // PutMetricAlarm creates or replaces the alarm whole (API PutMetricAlarm); tags apply on creation.
  await cw.send(
    new PutMetricAlarmCommand({
      ...spec,
      Statistic: spec.Statistic as Statistic,
      ComparisonOperator: spec.ComparisonOperator as ComparisonOperator,
      ...(action.action === 'create' && ctx.cfg.tags ? { Tags: Object.entries(ctx.cfg.tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
    }),
  );
}
