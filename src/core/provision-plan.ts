/**
 * `cdcpipe provision`, the pure half: the desired state of every resource from the pipeline file, compared
 * with the observed state (read by src/aws/provision.ts), gives an ordered list of actions. Also the request
 * bodies both the executor and the plan use (DMS Kinesis settings, table mappings, Firehose destination,
 * alarms), the least-privilege IAM policies and the CloudFormation template. No I/O, no clock, no SDK.
 */
import { stringify } from 'yaml';
import { UsageError } from '../errors.js';
import { planCapacity } from './capacity.js';
import { UPDATE_SHARD_COUNT_MAX_FACTOR } from './limits.js';
import { SHARD_LEVEL_METRICS, findBatchApplyEnabled, type DmsConfig, type PipelineConfig } from './pipeline-schema.js';

// ---------------------------------------------------------------- actions

export type ResourceKind = 'kinesis-stream' | 'iam-role' | 'dms-endpoint' | 'dms-task' | 'dms-replication-config' | 'firehose' | 'cloudwatch-alarm';
export type ActionKind = 'create' | 'update' | 'start' | 'none' | 'drift';

/** One change to an existing stream; each is one Kinesis call (shards may take several). */
export type StreamChange =
  | { kind: 'mode'; from: StreamMode; to: StreamMode }
  | { kind: 'shards'; from: number; to: number }
  | { kind: 'retention'; from: number; to: number }
  | { kind: 'encryption'; from: string | undefined; to: string }
  | { kind: 'encryption-off'; from: string }
  | { kind: 'monitoring'; enable: string[]; disable: string[] }
  | { kind: 'max-record-size'; from: number; to: number }
  | { kind: 'tags'; add: Record<string, string> };

export interface PlannedAction {
  resource: ResourceKind;
  name: string;
  action: ActionKind;
  detail: string;
  /** kinesis-stream: what to change (create: the settings applied after CreateStream). */
  changes?: StreamChange[];
  /** iam-role: which role. */
  role?: RoleKind;
  /** start: how the task (or serverless replication) starts. */
  startType?: StartType;
}

export type StreamMode = 'provisioned' | 'on-demand';
export type RoleKind = 'dms' | 'firehose';
export type StartType = 'start-replication' | 'resume-processing';

// ---------------------------------------------------------------- observed state

export interface ObservedStream {
  arn: string;
  status: string;
  mode: StreamMode;
  openShards: number;
  retentionHours: number;
  /** undefined: not encrypted. */
  kmsKeyId?: string;
  shardLevelMetrics: string[];
  maxRecordSizeKiB: number;
  tags: Record<string, string>;
}
export interface ObservedRole {
  arn: string;
  /** The inline policy cdcpipe puts on the role (ROLE_POLICY_NAME), parsed; null when absent. */
  policy: unknown;
}
export interface ObservedEndpoint {
  arn: string;
  engineName: string;
  endpointType: string;
  kinesisSettings: Record<string, unknown>;
}
export interface ObservedTask {
  arn: string;
  status: string;
  migrationType: string;
  tableMappings: string;
  settings: string;
  sourceEndpointArn: string;
  targetEndpointArn: string;
  replicationInstanceArn: string;
  /** The task has run before (it has a start date), so the next start is resume-processing. */
  startedBefore: boolean;
}
export interface ObservedReplicationConfig {
  arn: string;
  replicationType: string;
  tableMappings: string;
  settings: string;
  sourceEndpointArn: string;
  targetEndpointArn: string;
  minDcu?: number;
  maxDcu?: number;
  /** The replication's status (DescribeReplications), undefined when it never ran. */
  status?: string;
  startedBefore: boolean;
}
export interface ObservedFirehose {
  arn: string;
  status: string;
  versionId: string;
  destinationId: string;
  type: string;
  sourceStreamArn?: string;
  sourceRoleArn?: string;
  destination?: Record<string, unknown>;
}
export interface ObservedState {
  stream: ObservedStream | null;
  roles: Partial<Record<RoleKind, ObservedRole | null>>;
  dmsEndpoint?: ObservedEndpoint | null;
  dmsTask?: ObservedTask | null;
  dmsReplicationConfig?: ObservedReplicationConfig | null;
  firehose?: ObservedFirehose | null;
  alarms: Record<string, AlarmSpec>;
  /** ReplicationInstanceIdentifier of dms.replicationInstanceArn (the DMS metrics dimension). */
  replicationInstanceId?: string;
}

/** ARNs and ids known so far: from the observed state at plan time, filled in by the executor as it creates. */
export interface Refs {
  partition: string;
  region: string;
  accountId?: string;
  streamArn?: string;
  dmsRoleArn?: string;
  firehoseRoleArn?: string;
  endpointArn?: string;
  taskArn?: string;
  replicationConfigArn?: string;
  replicationInstanceId?: string;
}

export interface PlanOptions {
  createRoles: boolean;
}

export interface ProvisionPlan {
  actions: PlannedAction[];
  warnings: string[];
  /** Provisioned shard count wanted (after `auto`), undefined for on-demand. */
  shardCount?: number;
}

// ---------------------------------------------------------------- names and defaults

/** The inline policy name cdcpipe owns on the roles it creates. */
export const ROLE_POLICY_NAME = 'cdcpipe-least-privilege';
/** IAM role names are at most 64 characters (IAM quotas). */
const ROLE_NAME_MAX = 64;

export function roleName(cfg: PipelineConfig, kind: RoleKind): string {
  const base = kind === 'dms' ? `cdcpipe-${cfg.stream.name}-dms` : `cdcpipe-${cfg.firehose?.name ?? cfg.stream.name}-firehose`;
  return base.slice(0, ROLE_NAME_MAX);
}

export function endpointId(cfg: PipelineConfig): string {
  return cfg.dms?.target.endpointId ?? `${cfg.stream.name.replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-+|-+$/g, '')}-kinesis-target`.replace(/^(?![a-zA-Z])/, 'cdc-');
}

/**
 * DMS Kinesis target defaults: JSON records with transaction details, partition value, schema/table in
 * the partition key, control records and DDL (FACTS.md "DMS → Kinesis record format"). The file overrides each.
 */
export const DMS_KINESIS_DEFAULTS = {
  MessageFormat: 'json',
  IncludeTransactionDetails: true,
  IncludePartitionValue: true,
  PartitionIncludeSchemaTable: true,
  IncludeControlDetails: true,
  IncludeTableAlterOperations: true,
} as const;

/** Shard count for the file: the number, or `auto` sized by the capacity calculator. */
export function desiredShardCount(cfg: PipelineConfig): number | undefined {
  const s = cfg.stream;
  if (s.mode === 'on-demand') return undefined;
  if (typeof s.shards === 'number') return s.shards;
  const cap = s.capacity!;
  const plan = planCapacity({
    rps: cap.rps,
    kb: cap.kb,
    ...(cap.peak !== undefined ? { peak: cap.peak } : {}),
    ...(cap.consumers !== undefined ? { consumers: cap.consumers } : {}),
    ...(cap.efoConsumers !== undefined ? { efoConsumers: cap.efoConsumers } : {}),
    ...(cap.utilization !== undefined ? { utilization: cap.utilization } : {}),
    retentionHours: s.retentionHours,
  });
  return plan.shards.recommended;
}

function wantedMetrics(cfg: PipelineConfig): string[] {
  const m = cfg.stream.enhancedMonitoring;
  return m.includes('ALL') ? [...SHARD_LEVEL_METRICS] : [...new Set(m)].sort();
}

export function streamArnFor(cfg: PipelineConfig, refs: Refs): string | undefined {
  if (refs.streamArn) return refs.streamArn;
  return refs.accountId ? `arn:${refs.partition}:kinesis:${refs.region}:${refs.accountId}:stream/${cfg.stream.name}` : undefined;
}

/** The account id from the first ARN that carries one (the stream's, else one in the file). */
export function accountFromArns(...arns: (string | undefined)[]): string | undefined {
  for (const arn of arns) {
    const account = arn?.split(':')[4];
    if (account && /^\d{12}$/.test(account)) return account;
  }
  return undefined;
}

export function partitionOf(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/** Role ARNs must come from the file unless --create-roles. */
export function checkRoleSources(cfg: PipelineConfig, createRoles: boolean): void {
  if (createRoles) return;
  if (cfg.dms && !cfg.dms.serviceAccessRoleArn) {
    throw new UsageError('dms.serviceAccessRoleArn: required unless --create-roles: expected the ARN of a role DMS can assume to write to the stream', 'run with --print-policies to see the policy that role needs');
  }
  if (cfg.firehose && !cfg.firehose.roleArn) {
    throw new UsageError('firehose.roleArn: required unless --create-roles: expected the ARN of a role Firehose can assume', 'run with --print-policies to see the policy that role needs');
  }
}

// ---------------------------------------------------------------- request bodies (shared by plan and executor)

export function dmsKinesisSettings(cfg: PipelineConfig, refs: Refs): Record<string, unknown> {
  const dms = cfg.dms!;
  return {
    StreamArn: streamArnFor(cfg, refs),
    ServiceAccessRoleArn: dms.serviceAccessRoleArn ?? refs.dmsRoleArn,
    ...DMS_KINESIS_DEFAULTS,
    ...dms.target.kinesisSettings,
  };
}

interface MappingRule {
  'rule-type': string;
  'rule-id': string;
  'rule-name': string;
  'rule-action': string;
  'object-locator': { 'schema-name': string; 'table-name': string };
  'mapping-parameters'?: Record<string, unknown>;
}

function splitTable(pattern: string): { 'schema-name': string; 'table-name': string } {
  const dot = pattern.indexOf('.');
  return { 'schema-name': pattern.slice(0, dot), 'table-name': pattern.slice(dot + 1) };
}

/**
 * DMS table mappings. The shorthand becomes selection rules (include, then exclude) and object-mapping
 * rules for the Kinesis partition key: `attribute-name` for the tables named in partitionKeys, listed
 * first, and `primary-key` for everything included (DMS "Using object mapping to migrate data to a Kinesis
 * data stream"). Raw tableMappings pass through unchanged.
 */
export function dmsTableMappings(task: DmsConfig['task']): { rules: MappingRule[] } | Record<string, unknown> {
  if (task.tableMappings !== undefined) {
    return typeof task.tableMappings === 'string' ? (JSON.parse(task.tableMappings) as Record<string, unknown>) : task.tableMappings;
  }
  const rules: MappingRule[] = [];
  let id = 0;
  const next = () => String(++id);
  for (const pattern of task.include ?? []) {
    const rid = next();
    rules.push({ 'rule-type': 'selection', 'rule-id': rid, 'rule-name': `include-${rid}`, 'rule-action': 'include', 'object-locator': splitTable(pattern) });
  }
  for (const pattern of task.exclude ?? []) {
    const rid = next();
    rules.push({ 'rule-type': 'selection', 'rule-id': rid, 'rule-name': `exclude-${rid}`, 'rule-action': 'exclude', 'object-locator': splitTable(pattern) });
  }
  for (const [table, column] of Object.entries(task.partitionKeys ?? {})) {
    const rid = next();
    rules.push({
      'rule-type': 'object-mapping',
      'rule-id': rid,
      'rule-name': `partition-key-${rid}`,
      'rule-action': 'map-record-to-record',
      'object-locator': splitTable(table),
      'mapping-parameters': { 'partition-key-type': 'attribute-name', 'partition-key-name': column },
    });
  }
  for (const pattern of task.include ?? []) {
    const rid = next();
    rules.push({
      'rule-type': 'object-mapping',
      'rule-id': rid,
      'rule-name': `partition-key-${rid}`,
      'rule-action': 'map-record-to-record',
      'object-locator': splitTable(pattern),
      'mapping-parameters': { 'partition-key-type': 'primary-key' },
    });
  }
  return { rules };
}

/** Task settings from the file (BeforeImageSettings and the rest), undefined to keep DMS's defaults. */
export function dmsTaskSettings(task: DmsConfig['task']): Record<string, unknown> | undefined {
  const batch = findBatchApplyEnabled(task.settings);
  // The schema refuses it already; kept here so no caller can build a task with it.
  if (batch) throw new UsageError(`dms.task.settings.${batch.join('.')}: BatchApplyEnabled is refused with a Kinesis target`);
  return task.settings && Object.keys(task.settings).length > 0 ? task.settings : undefined;
}

/** The static part of an S3 prefix (before the first !{…} expression), for IAM resource scoping. */
function staticPrefix(prefix: string | undefined): string {
  if (!prefix) return '';
  const i = prefix.indexOf('!{');
  return i === -1 ? prefix : prefix.slice(0, i);
}

export function firehoseLogGroup(name: string): string {
  return `/aws/kinesisfirehose/${name}`;
}

/** ExtendedS3DestinationConfiguration (FACTS.md "Firehose with a Kinesis stream as source"). */
export function firehoseDestination(cfg: PipelineConfig, refs: Refs): Record<string, unknown> {
  const f = cfg.firehose!;
  const roleArn = f.roleArn ?? refs.firehoseRoleArn;
  const dest: Record<string, unknown> = {
    RoleARN: roleArn,
    BucketARN: f.bucketArn,
    ...(f.prefix !== undefined ? { Prefix: f.prefix } : {}),
    ...(f.errorOutputPrefix !== undefined ? { ErrorOutputPrefix: f.errorOutputPrefix } : {}),
    BufferingHints: { SizeInMBs: f.buffering.sizeMiB, IntervalInSeconds: f.buffering.intervalSeconds },
    CompressionFormat: f.compression,
    CloudWatchLoggingOptions: { Enabled: true, LogGroupName: firehoseLogGroup(f.name), LogStreamName: 'DestinationDelivery' },
  };
  if (f.processor) {
    dest.ProcessingConfiguration = {
      Enabled: true,
      Processors: [{ Type: 'Lambda', Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: f.processor.lambdaArn }] }],
    };
  }
  if (f.parquet) {
    dest.DataFormatConversionConfiguration = {
      Enabled: true,
      InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
      OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } },
      SchemaConfiguration: { DatabaseName: f.parquet.glueDatabase, TableName: f.parquet.glueTable, RoleARN: roleArn, Region: f.parquet.glueRegion ?? refs.region },
    };
  }
  return dest;
}

export interface AlarmSpec {
  AlarmName: string;
  AlarmDescription?: string;
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
  Statistic: string;
  Period: number;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData: string;
  AlarmActions: string[];
  OKActions: string[];
}

const ALARM_KINDS = ['iterator-age', 'write-throttles', 'dms-latency', 'firehose-freshness'] as const;

export function alarmName(cfg: PipelineConfig, which: (typeof ALARM_KINDS)[number]): string {
  const owner = which === 'dms-latency' ? cfg.dms!.task.id : which === 'firehose-freshness' ? cfg.firehose!.name : cfg.stream.name;
  return `cdcpipe-${owner}-${which}`;
}

/** One-minute periods, 5 in a row: a short spike does not page (CloudWatch "Using alarms"). */
const ALARM_PERIOD_SECONDS = 60;
const ALARM_EVALUATION_PERIODS = 5;

/**
 * The alarms the file asks for. The DMS one needs the task's resource id (the last part of its ARN,
 * FACTS.md "CloudWatch metrics") and the instance identifier: it is left out until both are known.
 */
export function alarmSpecs(cfg: PipelineConfig, refs: Refs): { specs: AlarmSpec[]; pending: string[] } {
  const a = cfg.alarms;
  const specs: AlarmSpec[] = [];
  const pending: string[] = [];
  if (!a) return { specs, pending };
  const actions = a.snsTopicArn ? [a.snsTopicArn] : [];
  const base = { Period: ALARM_PERIOD_SECONDS, EvaluationPeriods: ALARM_EVALUATION_PERIODS, DatapointsToAlarm: ALARM_EVALUATION_PERIODS, AlarmActions: actions, OKActions: actions };
  const streamDim = [{ Name: 'StreamName', Value: cfg.stream.name }];
  if (a.iteratorAgeMs !== undefined) {
    specs.push({
      ...base,
      AlarmName: alarmName(cfg, 'iterator-age'),
      AlarmDescription: `cdcpipe: the oldest unread record on ${cfg.stream.name} is older than ${a.iteratorAgeMs} ms`,
      Namespace: 'AWS/Kinesis',
      MetricName: 'GetRecords.IteratorAgeMilliseconds',
      Dimensions: streamDim,
      Statistic: 'Maximum',
      Threshold: a.iteratorAgeMs,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  }
  if (a.writeThrottles !== undefined) {
    specs.push({
      ...base,
      AlarmName: alarmName(cfg, 'write-throttles'),
      AlarmDescription: `cdcpipe: more than ${a.writeThrottles} throttled writes per minute on ${cfg.stream.name}`,
      Namespace: 'AWS/Kinesis',
      MetricName: 'WriteProvisionedThroughputExceeded',
      Dimensions: streamDim,
      Statistic: 'Sum',
      Threshold: a.writeThrottles,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  }
  if (a.dmsLatencySeconds !== undefined && cfg.dms && !cfg.dms.serverless) {
    const taskResourceId = refs.taskArn?.split(':').pop();
    if (taskResourceId && refs.replicationInstanceId) {
      specs.push({
        ...base,
        AlarmName: alarmName(cfg, 'dms-latency'),
        AlarmDescription: `cdcpipe: DMS task ${cfg.dms.task.id} is more than ${a.dmsLatencySeconds} s behind its source`,
        Namespace: 'AWS/DMS',
        MetricName: 'CDCLatencyTarget',
        Dimensions: [
          { Name: 'ReplicationInstanceIdentifier', Value: refs.replicationInstanceId },
          { Name: 'ReplicationTaskIdentifier', Value: taskResourceId },
        ],
        Statistic: 'Maximum',
        Threshold: a.dmsLatencySeconds,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'missing',
      });
    } else {
      pending.push(alarmName(cfg, 'dms-latency'));
    }
  }
  if (a.firehoseFreshnessSeconds !== undefined && cfg.firehose) {
    specs.push({
      ...base,
      AlarmName: alarmName(cfg, 'firehose-freshness'),
      AlarmDescription: `cdcpipe: the oldest record in ${cfg.firehose.name} waits more than ${a.firehoseFreshnessSeconds} s for S3`,
      Namespace: 'AWS/Firehose',
      MetricName: 'DeliveryToS3.DataFreshness',
      Dimensions: [{ Name: 'DeliveryStreamName', Value: cfg.firehose.name }],
      Statistic: 'Maximum',
      Threshold: a.firehoseFreshnessSeconds,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'missing',
    });
  }
  return { specs, pending };
}

// ---------------------------------------------------------------- IAM

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: { Sid: string; Effect: 'Allow'; Action: string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> }[];
}

/** Values a policy needs, literal ARNs (provision) or CloudFormation expressions (emit). */
interface PolicyInputs {
  streamArn: unknown;
  /** 'arn:aws:kms:<region>:<account>:key/' or its CloudFormation expression, for key ids and aliases. */
  kmsKeyPrefix: unknown;
  region: unknown;
  logGroupArn: unknown;
  glueArns: unknown[];
}

export function trustPolicy(kind: RoleKind, accountId?: unknown): Record<string, unknown> {
  const service = kind === 'dms' ? 'dms.amazonaws.com' : 'firehose.amazonaws.com';
  const statement: Record<string, unknown> = { Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' };
  // Firehose passes the account as the external id: this stops other accounts' delivery streams using the role (confused deputy).
  if (kind === 'firehose' && accountId !== undefined) statement.Condition = { StringEquals: { 'sts:ExternalId': accountId } };
  return { Version: '2012-10-17', Statement: [statement] };
}

/**
 * KMS statement for the stream's key. A key ARN is used as is; a key id becomes its ARN. For an alias
 * the key ARN is unknown without KMS, so the grant is limited to use through Kinesis in this region
 * (kms:ViaService) and, for customer aliases, to keys carrying that alias (kms:ResourceAliases).
 */
function kmsStatement(sid: string, actions: string[], keyId: string, inputs: PolicyInputs): PolicyDocument['Statement'][number] {
  const via = { 'kms:ViaService': joinExpr(['kinesis.', inputs.region, '.amazonaws.com']) };
  if (keyId.startsWith('arn:') && keyId.includes(':key/')) return { Sid: sid, Effect: 'Allow', Action: actions, Resource: keyId };
  if (!keyId.startsWith('alias/') && !keyId.includes(':alias/')) return { Sid: sid, Effect: 'Allow', Action: actions, Resource: joinExpr([inputs.kmsKeyPrefix, keyId]) };
  const alias = keyId.startsWith('alias/') ? keyId : keyId.slice(keyId.indexOf(':alias/') + 1);
  const condition: Record<string, Record<string, unknown>> = { StringEquals: via };
  // AWS managed keys (alias/aws/…) cannot be matched by alias conditions; their key policy already limits use to the service.
  if (!alias.startsWith('alias/aws/')) condition['ForAnyValue:StringEquals'] = { 'kms:ResourceAliases': alias };
  return { Sid: sid, Effect: 'Allow', Action: actions, Resource: joinExpr([inputs.kmsKeyPrefix, '*']), Condition: condition };
}

/** Concatenation: a plain string when every part is one, else CloudFormation Fn::Join. */
function joinExpr(parts: unknown[]): unknown {
  if (parts.every((p) => typeof p === 'string')) return parts.join('');
  const merged: unknown[] = [];
  const flat = parts.flatMap((p) => {
    const join = (p as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
    return join && join[0] === '' ? join[1] : [p];
  });
  for (const p of flat) {
    const last = merged[merged.length - 1];
    if (typeof p === 'string' && typeof last === 'string') merged[merged.length - 1] = last + p;
    else merged.push(p);
  }
  return { 'Fn::Join': ['', merged] };
}

/** DMS role: describe and write to the stream; encrypt with its key (FACTS.md "DMS task APIs"). */
function dmsPolicyFrom(cfg: PipelineConfig, inputs: PolicyInputs): PolicyDocument {
  const statements: PolicyDocument['Statement'] = [
    { Sid: 'WriteToStream', Effect: 'Allow', Action: ['kinesis:DescribeStream', 'kinesis:PutRecord', 'kinesis:PutRecords'], Resource: inputs.streamArn },
  ];
  const enc = cfg.stream.encryption;
  if (enc) statements.push(kmsStatement('EncryptWithStreamKey', ['kms:GenerateDataKey'], enc.kmsKeyId, inputs));
  return { Version: '2012-10-17', Statement: statements };
}

/** Firehose role: read the stream, write the bucket/prefix, decrypt, log, and the optional Lambda and Glue. */
function firehosePolicyFrom(cfg: PipelineConfig, inputs: PolicyInputs): PolicyDocument {
  const f = cfg.firehose!;
  const objectArns = [...new Set([staticPrefix(f.prefix), ...(f.errorOutputPrefix !== undefined ? [staticPrefix(f.errorOutputPrefix)] : [])])].map((p) => `${f.bucketArn}/${p}*`);
  const statements: PolicyDocument['Statement'] = [
    {
      Sid: 'ReadStream',
      Effect: 'Allow',
      Action: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards'],
      Resource: inputs.streamArn,
    },
    { Sid: 'Bucket', Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], Resource: f.bucketArn },
    { Sid: 'WriteObjects', Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject'], Resource: objectArns.length === 1 ? objectArns[0] : objectArns },
  ];
  if (cfg.stream.encryption) statements.push(kmsStatement('DecryptStream', ['kms:Decrypt'], cfg.stream.encryption.kmsKeyId, inputs));
  statements.push({ Sid: 'DeliveryLogs', Effect: 'Allow', Action: ['logs:PutLogEvents'], Resource: inputs.logGroupArn });
  if (f.processor) {
    statements.push({ Sid: 'InvokeProcessor', Effect: 'Allow', Action: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'], Resource: [f.processor.lambdaArn, `${f.processor.lambdaArn}:*`] });
  }
  if (f.parquet) {
    statements.push({ Sid: 'ReadGlueSchema', Effect: 'Allow', Action: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'], Resource: inputs.glueArns });
  }
  return { Version: '2012-10-17', Statement: statements };
}

function literalInputs(cfg: PipelineConfig, refs: Refs): PolicyInputs {
  const streamArn = streamArnFor(cfg, refs);
  if (!streamArn || !refs.accountId) {
    throw new UsageError(
      'cannot tell the AWS account id for the policy ARNs: the stream does not exist yet and the file has no ARN with an account in it',
      'create the stream first (cdcpipe provision), or put dms.serviceAccessRoleArn / firehose.roleArn in the file',
    );
  }
  const acct = refs.accountId;
  const glueRegion = cfg.firehose?.parquet?.glueRegion ?? refs.region;
  const p = cfg.firehose?.parquet;
  return {
    streamArn,
    kmsKeyPrefix: `arn:${refs.partition}:kms:${refs.region}:${acct}:key/`,
    region: refs.region,
    logGroupArn: `arn:${refs.partition}:logs:${refs.region}:${acct}:log-group:${firehoseLogGroup(cfg.firehose?.name ?? '')}:log-stream:*`,
    glueArns: p
      ? [
          `arn:${refs.partition}:glue:${glueRegion}:${acct}:catalog`,
          `arn:${refs.partition}:glue:${glueRegion}:${acct}:database/${p.glueDatabase}`,
          `arn:${refs.partition}:glue:${glueRegion}:${acct}:table/${p.glueDatabase}/${p.glueTable}`,
        ]
      : [],
  };
}

export function dmsRolePolicy(cfg: PipelineConfig, refs: Refs): PolicyDocument {
  return dmsPolicyFrom(cfg, literalInputs(cfg, refs));
}

export function firehoseRolePolicy(cfg: PipelineConfig, refs: Refs): PolicyDocument {
  return firehosePolicyFrom(cfg, literalInputs(cfg, refs));
}

/** What --print-policies prints: each role's trust and permissions policy. */
export function rolePolicies(cfg: PipelineConfig, refs: Refs): { role: RoleKind; roleName: string; trustPolicy: unknown; policyName: string; policy: PolicyDocument }[] {
  const out: { role: RoleKind; roleName: string; trustPolicy: unknown; policyName: string; policy: PolicyDocument }[] = [];
  if (cfg.dms) out.push({ role: 'dms', roleName: roleName(cfg, 'dms'), trustPolicy: trustPolicy('dms'), policyName: ROLE_POLICY_NAME, policy: dmsRolePolicy(cfg, refs) });
  if (cfg.firehose) {
    out.push({ role: 'firehose', roleName: roleName(cfg, 'firehose'), trustPolicy: trustPolicy('firehose', refs.accountId), policyName: ROLE_POLICY_NAME, policy: firehoseRolePolicy(cfg, refs) });
  }
  return out;
}

// ---------------------------------------------------------------- comparison helpers

/** JSON with object keys sorted, for order-insensitive comparison. */
export function canonicalJson(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as Record<string, unknown>)
          .sort()
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => [k, norm((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(norm(value));
}

/** Every key the desired object sets has the same value in the observed one (AWS fills in the rest). */
export function isSubset(desired: unknown, observed: unknown): boolean {
  if (desired && typeof desired === 'object' && !Array.isArray(desired)) {
    if (!observed || typeof observed !== 'object' || Array.isArray(observed)) return false;
    return Object.entries(desired as Record<string, unknown>).every(([k, v]) => v === undefined || isSubset(v, (observed as Record<string, unknown>)[k]));
  }
  if (Array.isArray(desired)) {
    return Array.isArray(observed) && desired.length === observed.length && desired.every((v, i) => isSubset(v, observed[i]));
  }
  return desired === observed;
}

/** The keys of a subset comparison that differ, for the action's detail. */
function differingKeys(desired: Record<string, unknown>, observed: Record<string, unknown> | undefined): string[] {
  return Object.keys(desired).filter((k) => desired[k] !== undefined && !isSubset(desired[k], observed?.[k]));
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- the plan

export function describeStreamChange(c: StreamChange): string {
  switch (c.kind) {
    case 'mode':
      return `mode ${c.from} → ${c.to}`;
    case 'shards':
      return `shards ${c.from} → ${c.to}${shardSteps(c.from, c.to).length > 1 ? ` (${shardSteps(c.from, c.to).length} UpdateShardCount steps)` : ''}`;
    case 'retention':
      return `retention ${c.from} h → ${c.to} h`;
    case 'encryption':
      return `encryption ${c.from ? `KMS ${c.from}` : 'none'} → KMS ${c.to}`;
    case 'encryption-off':
      return `encryption KMS ${c.from} → none`;
    case 'monitoring':
      return `enhanced monitoring${c.enable.length ? ` +${c.enable.join(',')}` : ''}${c.disable.length ? ` -${c.disable.join(',')}` : ''}`;
    case 'max-record-size':
      return `max record size ${c.from} KiB → ${c.to} KiB`;
    case 'tags':
      return `tags ${Object.keys(c.add).join(', ')}`;
  }
}

/** UpdateShardCount targets from `from` to `to`, each at most ×2 or ÷2 of the last (API UpdateShardCount). */
export function shardSteps(from: number, to: number): number[] {
  const steps: number[] = [];
  let cur = from;
  while (cur !== to) {
    cur = to > cur ? Math.min(to, cur * UPDATE_SHARD_COUNT_MAX_FACTOR) : Math.max(to, Math.ceil(cur / UPDATE_SHARD_COUNT_MAX_FACTOR));
    steps.push(cur);
  }
  return steps;
}

function planStream(cfg: PipelineConfig, observed: ObservedStream | null, shardCount: number | undefined): PlannedAction {
  const s = cfg.stream;
  const wantKey = s.encryption ? s.encryption.kmsKeyId : undefined;
  const metrics = wantedMetrics(cfg);
  const tags = cfg.tags ?? {};
  if (!observed) {
    // CreateStream takes mode, shards, tags and record size; retention, encryption and monitoring follow.
    const after: StreamChange[] = [];
    if (s.retentionHours !== 24) after.push({ kind: 'retention', from: 24, to: s.retentionHours });
    if (wantKey) after.push({ kind: 'encryption', from: undefined, to: wantKey });
    if (metrics.length) after.push({ kind: 'monitoring', enable: metrics, disable: [] });
    const parts = [
      s.mode === 'on-demand' ? 'on-demand' : `${shardCount} shard${shardCount === 1 ? '' : 's'}`,
      `${s.retentionHours} h retention`,
      wantKey ? `KMS ${wantKey}` : 'not encrypted',
      ...(metrics.length ? [`enhanced monitoring ${metrics.join(',')}`] : []),
      ...(s.maxRecordSizeKiB ? [`max record ${s.maxRecordSizeKiB} KiB`] : []),
    ];
    return { resource: 'kinesis-stream', name: s.name, action: 'create', detail: parts.join(', '), changes: after };
  }
  if (observed.status === 'DELETING') {
    return { resource: 'kinesis-stream', name: s.name, action: 'drift', detail: 'the stream is being deleted; re-run once it is gone' };
  }
  const changes: StreamChange[] = [];
  if (observed.mode !== s.mode) changes.push({ kind: 'mode', from: observed.mode, to: s.mode });
  const currentShards = observed.openShards;
  if (s.mode === 'provisioned' && shardCount !== undefined && currentShards !== shardCount) changes.push({ kind: 'shards', from: currentShards, to: shardCount });
  if (observed.retentionHours !== s.retentionHours) changes.push({ kind: 'retention', from: observed.retentionHours, to: s.retentionHours });
  if (wantKey && observed.kmsKeyId !== wantKey) changes.push({ kind: 'encryption', from: observed.kmsKeyId, to: wantKey });
  if (!wantKey && observed.kmsKeyId) changes.push({ kind: 'encryption-off', from: observed.kmsKeyId });
  const have = new Set(observed.shardLevelMetrics.includes('ALL') ? SHARD_LEVEL_METRICS : observed.shardLevelMetrics);
  const enable = metrics.filter((m) => !have.has(m));
  const disable = [...have].filter((m) => !metrics.includes(m)).sort();
  if (enable.length || disable.length) changes.push({ kind: 'monitoring', enable, disable });
  const wantMax = s.maxRecordSizeKiB ?? observed.maxRecordSizeKiB;
  if (wantMax !== observed.maxRecordSizeKiB) changes.push({ kind: 'max-record-size', from: observed.maxRecordSizeKiB, to: wantMax });
  const addTags = Object.fromEntries(Object.entries(tags).filter(([k, v]) => observed.tags[k] !== v));
  if (Object.keys(addTags).length) changes.push({ kind: 'tags', add: addTags });
  if (changes.length === 0) {
    const shape = observed.mode === 'on-demand' ? 'on-demand' : `${currentShards} shards`;
    return { resource: 'kinesis-stream', name: s.name, action: 'none', detail: `${shape}, ${observed.retentionHours} h retention, ${observed.kmsKeyId ? `KMS ${observed.kmsKeyId}` : 'not encrypted'}` };
  }
  return { resource: 'kinesis-stream', name: s.name, action: 'update', detail: changes.map(describeStreamChange).join('; '), changes };
}

function planRole(cfg: PipelineConfig, kind: RoleKind, observed: ObservedRole | null | undefined, refs: Refs): PlannedAction {
  const name = roleName(cfg, kind);
  let wanted: PolicyDocument | undefined;
  try {
    wanted = kind === 'dms' ? dmsRolePolicy(cfg, refs) : firehoseRolePolicy(cfg, refs);
  } catch {
    wanted = undefined; // account not known yet: the stream is created first, then the policy is built
  }
  if (!observed) return { resource: 'iam-role', name, action: 'create', detail: `trust ${kind === 'dms' ? 'dms' : 'firehose'}.amazonaws.com, inline policy ${ROLE_POLICY_NAME}`, role: kind };
  if (!wanted || canonicalJson(observed.policy) !== canonicalJson(wanted)) {
    return { resource: 'iam-role', name, action: 'update', detail: `put inline policy ${ROLE_POLICY_NAME}`, role: kind };
  }
  return { resource: 'iam-role', name, action: 'none', detail: observed.arn, role: kind };
}

function planEndpoint(cfg: PipelineConfig, observed: ObservedEndpoint | null | undefined, refs: Refs): PlannedAction {
  const name = endpointId(cfg);
  const wanted = dmsKinesisSettings(cfg, refs);
  if (!observed) return { resource: 'dms-endpoint', name, action: 'create', detail: `kinesis target, ${describeSettings(wanted)}` };
  if (observed.engineName !== 'kinesis' || observed.endpointType.toLowerCase() !== 'target') {
    return { resource: 'dms-endpoint', name, action: 'drift', detail: `endpoint ${name} exists as a ${observed.engineName} ${observed.endpointType.toLowerCase()}: engine and type cannot change in place; use another dms.target.endpointId` };
  }
  const differs = differingKeys(wanted, observed.kinesisSettings);
  if (differs.length === 0) return { resource: 'dms-endpoint', name, action: 'none', detail: observed.arn };
  return { resource: 'dms-endpoint', name, action: 'update', detail: `KinesisSettings ${differs.join(', ')}` };
}

function describeSettings(settings: Record<string, unknown>): string {
  return `MessageFormat ${String(settings.MessageFormat)}`;
}

function planTask(cfg: PipelineConfig, observed: ObservedTask | null | undefined, refs: Refs): PlannedAction {
  const dms = cfg.dms!;
  const name = dms.task.id;
  const mappings = dmsTableMappings(dms.task);
  const settings = dmsTaskSettings(dms.task);
  const ruleCount = Array.isArray((mappings as { rules?: unknown[] }).rules) ? (mappings as { rules: unknown[] }).rules.length : 0;
  if (!observed) return { resource: 'dms-task', name, action: 'create', detail: `${dms.task.migrationType}, ${ruleCount} table-mapping rules` };
  if (observed.sourceEndpointArn !== dms.sourceEndpointArn) {
    return { resource: 'dms-task', name, action: 'drift', detail: `source endpoint is ${observed.sourceEndpointArn}, the file says ${dms.sourceEndpointArn}: a task's endpoints cannot change in place` };
  }
  if (refs.endpointArn && observed.targetEndpointArn !== refs.endpointArn) {
    return { resource: 'dms-task', name, action: 'drift', detail: `target endpoint is ${observed.targetEndpointArn}, not ${refs.endpointArn}: a task's endpoints cannot change in place` };
  }
  if (dms.replicationInstanceArn && observed.replicationInstanceArn !== dms.replicationInstanceArn) {
    return { resource: 'dms-task', name, action: 'drift', detail: `replication instance is ${observed.replicationInstanceArn}: move it with aws dms move-replication-task` };
  }
  const differs: string[] = [];
  if (observed.migrationType !== dms.task.migrationType) differs.push(`migrationType ${observed.migrationType} → ${dms.task.migrationType}`);
  if (canonicalJson(parseJson(observed.tableMappings)) !== canonicalJson(mappings)) differs.push('table mappings');
  if (settings && !isSubset(settings, parseJson(observed.settings))) differs.push('task settings');
  if (differs.length === 0) return { resource: 'dms-task', name, action: 'none', detail: `${observed.arn} (${observed.status})` };
  // ModifyReplicationTask needs a stopped task (API ModifyReplicationTask); cdcpipe does not stop a running one for you.
  if (!['ready', 'stopped', 'failed'].includes(observed.status)) {
    return { resource: 'dms-task', name, action: 'drift', detail: `${differs.join('; ')}: the task is ${observed.status}; stop it (aws dms stop-replication-task) and re-run` };
  }
  return { resource: 'dms-task', name, action: 'update', detail: differs.join('; ') };
}

function planReplicationConfig(cfg: PipelineConfig, observed: ObservedReplicationConfig | null | undefined, refs: Refs): PlannedAction {
  const dms = cfg.dms!;
  const name = dms.task.id;
  const sl = dms.serverless!;
  const mappings = dmsTableMappings(dms.task);
  const settings = dmsTaskSettings(dms.task);
  if (!observed) return { resource: 'dms-replication-config', name, action: 'create', detail: `serverless ${sl.minDcu}-${sl.maxDcu} DCU, ${dms.task.migrationType}` };
  if (observed.sourceEndpointArn !== dms.sourceEndpointArn || (refs.endpointArn && observed.targetEndpointArn !== refs.endpointArn)) {
    return { resource: 'dms-replication-config', name, action: 'drift', detail: 'its endpoints differ from the file: they cannot change in place' };
  }
  const differs: string[] = [];
  if (observed.replicationType !== dms.task.migrationType) differs.push(`migrationType ${observed.replicationType} → ${dms.task.migrationType}`);
  if (observed.minDcu !== sl.minDcu || observed.maxDcu !== sl.maxDcu) differs.push(`DCU ${observed.minDcu}-${observed.maxDcu} → ${sl.minDcu}-${sl.maxDcu}`);
  if (canonicalJson(parseJson(observed.tableMappings)) !== canonicalJson(mappings)) differs.push('table mappings');
  if (settings && !isSubset(settings, parseJson(observed.settings))) differs.push('replication settings');
  if (differs.length === 0) return { resource: 'dms-replication-config', name, action: 'none', detail: `${observed.arn}${observed.status ? ` (${observed.status})` : ''}` };
  if (observed.status && !['stopped', 'failed', 'created'].includes(observed.status)) {
    return { resource: 'dms-replication-config', name, action: 'drift', detail: `${differs.join('; ')}: the replication is ${observed.status}; stop it (aws dms stop-replication) and re-run` };
  }
  return { resource: 'dms-replication-config', name, action: 'update', detail: differs.join('; ') };
}

function planFirehose(cfg: PipelineConfig, observed: ObservedFirehose | null | undefined, refs: Refs): PlannedAction {
  const f = cfg.firehose!;
  const wanted = firehoseDestination(cfg, refs);
  const streamArn = streamArnFor(cfg, refs);
  if (!observed) return { resource: 'firehose', name: f.name, action: 'create', detail: `${cfg.stream.name} → ${f.bucketArn}${f.prefix ? `/${f.prefix}` : ''}, ${f.buffering.sizeMiB} MiB / ${f.buffering.intervalSeconds} s, ${f.compression}` };
  if (observed.type !== 'KinesisStreamAsSource' || (streamArn && observed.sourceStreamArn !== streamArn)) {
    return { resource: 'firehose', name: f.name, action: 'drift', detail: `its source is ${observed.sourceStreamArn ?? observed.type}, not ${streamArn ?? cfg.stream.name}: a delivery stream's source cannot change in place` };
  }
  if (observed.status !== 'ACTIVE' && observed.status !== 'CREATING') {
    return { resource: 'firehose', name: f.name, action: 'drift', detail: `status ${observed.status}` };
  }
  const differs = differingKeys(wanted, observed.destination);
  if (differs.length === 0) return { resource: 'firehose', name: f.name, action: 'none', detail: observed.arn };
  return { resource: 'firehose', name: f.name, action: 'update', detail: `destination ${differs.join(', ')}` };
}

/** Fields of PutMetricAlarm compared with DescribeAlarms (dimension order does not matter). */
export function alarmMatches(wanted: AlarmSpec, observed: AlarmSpec | undefined): boolean {
  if (!observed) return false;
  const dims = (d: AlarmSpec['Dimensions']) => canonicalJson([...d].sort((a, b) => a.Name.localeCompare(b.Name)));
  const sorted = (x: string[] | undefined) => canonicalJson([...(x ?? [])].sort());
  return (
    wanted.Namespace === observed.Namespace &&
    wanted.MetricName === observed.MetricName &&
    dims(wanted.Dimensions) === dims(observed.Dimensions ?? []) &&
    wanted.Statistic === observed.Statistic &&
    wanted.Period === observed.Period &&
    wanted.EvaluationPeriods === observed.EvaluationPeriods &&
    wanted.DatapointsToAlarm === observed.DatapointsToAlarm &&
    wanted.Threshold === observed.Threshold &&
    wanted.ComparisonOperator === observed.ComparisonOperator &&
    wanted.TreatMissingData === observed.TreatMissingData &&
    (wanted.AlarmDescription ?? '') === (observed.AlarmDescription ?? '') &&
    sorted(wanted.AlarmActions) === sorted(observed.AlarmActions) &&
    sorted(wanted.OKActions) === sorted(observed.OKActions)
  );
}

function planAlarms(cfg: PipelineConfig, observed: Record<string, AlarmSpec>, refs: Refs): PlannedAction[] {
  const { specs, pending } = alarmSpecs(cfg, refs);
  const actions: PlannedAction[] = specs.map((spec) => {
    const have = observed[spec.AlarmName];
    const what = `${spec.MetricName} ${spec.ComparisonOperator === 'GreaterThanThreshold' ? '>' : '≥'} ${spec.Threshold}`;
    if (!have) return { resource: 'cloudwatch-alarm', name: spec.AlarmName, action: 'create', detail: what };
    return alarmMatches(spec, have)
      ? { resource: 'cloudwatch-alarm', name: spec.AlarmName, action: 'none', detail: what }
      : { resource: 'cloudwatch-alarm', name: spec.AlarmName, action: 'update', detail: what };
  });
  for (const name of pending) actions.push({ resource: 'cloudwatch-alarm', name, action: 'create', detail: 'CDCLatencyTarget, once the task exists' });
  // Keep the file's order whether or not an alarm could be built yet.
  const order = ALARM_KINDS.map((k) => (k === 'dms-latency' && !cfg.dms ? '' : k === 'firehose-freshness' && !cfg.firehose ? '' : alarmName(cfg, k)));
  return actions.sort((x, y) => order.indexOf(x.name) - order.indexOf(y.name));
}

function planStart(cfg: PipelineConfig, observed: ObservedState, taskAction: PlannedAction): PlannedAction | undefined {
  const dms = cfg.dms!;
  if (!dms.task.start || taskAction.action === 'drift') return undefined;
  const resource = dms.serverless ? 'dms-replication-config' : 'dms-task';
  const name = dms.task.id;
  if (dms.serverless) {
    const rc = observed.dmsReplicationConfig;
    if (!rc || !rc.startedBefore) return { resource, name, action: 'start', detail: 'start-replication (first start)', startType: 'start-replication' };
    if (rc.status && ['stopped', 'failed'].includes(rc.status)) return { resource, name, action: 'start', detail: `resume-processing (was ${rc.status})`, startType: 'resume-processing' };
    return undefined;
  }
  const task = observed.dmsTask;
  if (!task || task.status === 'ready' || task.status === 'creating') {
    return task?.startedBefore
      ? { resource, name, action: 'start', detail: 'resume-processing', startType: 'resume-processing' }
      : { resource, name, action: 'start', detail: 'start-replication (first start)', startType: 'start-replication' };
  }
  if (task.status === 'stopped') return { resource, name, action: 'start', detail: 'resume-processing (was stopped)', startType: 'resume-processing' };
  if (task.status === 'failed') return { resource, name, action: 'drift', detail: 'the task failed: read its CloudWatch logs, fix the cause, then resume it (cdcpipe does not restart a failed task)' };
  return undefined; // starting, running, stopping, modifying, testing: nothing to start
}

/**
 * Desired state (the file) against observed state → ordered actions: stream, roles, DMS endpoint, task
 * (or serverless config), Firehose, alarms, and last the task start, so every consumer exists before data
 * flows. Nothing is ever deleted.
 */
export function planProvision(cfg: PipelineConfig, observed: ObservedState, refs: Refs, opts: PlanOptions): ProvisionPlan {
  checkRoleSources(cfg, opts.createRoles);
  const warnings: string[] = [];
  const shardCount = desiredShardCount(cfg);
  const actions: PlannedAction[] = [planStream(cfg, observed.stream, shardCount)];
  if (opts.createRoles) {
    if (cfg.dms && !cfg.dms.serviceAccessRoleArn) actions.push(planRole(cfg, 'dms', observed.roles.dms, refs));
    if (cfg.firehose && !cfg.firehose.roleArn) actions.push(planRole(cfg, 'firehose', observed.roles.firehose, refs));
  }
  let taskAction: PlannedAction | undefined;
  if (cfg.dms) {
    actions.push(planEndpoint(cfg, observed.dmsEndpoint, refs));
    taskAction = cfg.dms.serverless ? planReplicationConfig(cfg, observed.dmsReplicationConfig, refs) : planTask(cfg, observed.dmsTask, refs);
    actions.push(taskAction);
    if (cfg.alarms?.dmsLatencySeconds !== undefined && cfg.dms.serverless) {
      warnings.push('alarms.dmsLatencySeconds: not created for DMS Serverless (its metrics use other dimensions); set it on a replication-instance task');
    }
  }
  if (cfg.firehose) actions.push(planFirehose(cfg, observed.firehose, refs));
  actions.push(...planAlarms(cfg, observed.alarms, refs));
  if (cfg.dms && taskAction) {
    const start = planStart(cfg, observed, taskAction);
    if (start) actions.push(start);
  }
  return { actions, warnings, ...(shardCount !== undefined ? { shardCount } : {}) };
}

// ---------------------------------------------------------------- CloudFormation

type Cfn = Record<string, unknown>;
const ref = (name: string): Cfn => ({ Ref: name });
const getAtt = (name: string, attr: string): Cfn => ({ 'Fn::GetAtt': [name, attr] });

function cfnTags(tags: Record<string, string> | undefined): { Key: string; Value: string }[] | undefined {
  const entries = Object.entries(tags ?? {});
  return entries.length ? entries.map(([Key, Value]) => ({ Key, Value })) : undefined;
}

function withoutUndefined(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

export interface CloudFormationResult {
  template: Record<string, unknown>;
  warnings: string[];
}

/**
 * The same pipeline as a CloudFormation template: the stream, IAM roles (unless the file names them),
 * the DMS target endpoint and task (or serverless config), Firehose and alarms, wired with Ref/GetAtt.
 */
export function buildCloudFormation(cfg: PipelineConfig): CloudFormationResult {
  const warnings: string[] = [];
  const s = cfg.stream;
  const resources: Record<string, Cfn> = {};
  const partition = ref('AWS::Partition');
  const region = ref('AWS::Region');
  const account = ref('AWS::AccountId');
  const inputs: PolicyInputs = {
    streamArn: getAtt('Stream', 'Arn'),
    kmsKeyPrefix: joinExpr(['arn:', partition, ':kms:', region, ':', account, ':key/']),
    region,
    logGroupArn: joinExpr(['arn:', partition, ':logs:', region, ':', account, ':log-group:', firehoseLogGroup(cfg.firehose?.name ?? ''), ':log-stream:*']),
    glueArns: cfg.firehose?.parquet
      ? (['catalog', `database/${cfg.firehose.parquet.glueDatabase}`, `table/${cfg.firehose.parquet.glueDatabase}/${cfg.firehose.parquet.glueTable}`] as const).map((r) =>
          joinExpr(['arn:', partition, ':glue:', cfg.firehose!.parquet!.glueRegion ?? region, ':', account, `:${r}`]),
        )
      : [],
  };
  const shardCount = desiredShardCount(cfg);
  const metrics = wantedMetrics(cfg);
  resources.Stream = {
    Type: 'AWS::Kinesis::Stream',
    Properties: withoutUndefined({
      Name: s.name,
      StreamModeDetails: { StreamMode: s.mode === 'on-demand' ? 'ON_DEMAND' : 'PROVISIONED' },
      ShardCount: shardCount,
      RetentionPeriodHours: s.retentionHours,
      StreamEncryption: s.encryption ? { EncryptionType: 'KMS', KeyId: s.encryption.kmsKeyId } : undefined,
      DesiredShardLevelMetrics: metrics.length ? metrics : undefined,
      MaxRecordSizeInKiB: s.maxRecordSizeKiB,
      Tags: cfnTags(cfg.tags),
    }),
  };
  if (cfg.dms) {
    const dms = cfg.dms;
    let roleArn: unknown = dms.serviceAccessRoleArn;
    if (!roleArn) {
      resources.DmsRole = {
        Type: 'AWS::IAM::Role',
        Properties: { RoleName: roleName(cfg, 'dms'), AssumeRolePolicyDocument: trustPolicy('dms'), Policies: [{ PolicyName: ROLE_POLICY_NAME, PolicyDocument: dmsPolicyFrom(cfg, inputs) }] },
      };
      roleArn = getAtt('DmsRole', 'Arn');
    }
    resources.DmsTargetEndpoint = {
      Type: 'AWS::DMS::Endpoint',
      Properties: withoutUndefined({
        EndpointIdentifier: endpointId(cfg),
        EndpointType: 'target',
        EngineName: 'kinesis',
        KinesisSettings: { StreamArn: getAtt('Stream', 'Arn'), ServiceAccessRoleArn: roleArn, ...DMS_KINESIS_DEFAULTS, ...dms.target.kinesisSettings },
        Tags: cfnTags(cfg.tags),
      }),
    };
    const mappings = dmsTableMappings(dms.task);
    const settings = dmsTaskSettings(dms.task);
    if (dms.serverless) {
      resources.DmsReplicationConfig = {
        Type: 'AWS::DMS::ReplicationConfig',
        Properties: withoutUndefined({
          ReplicationConfigIdentifier: dms.task.id,
          ReplicationType: dms.task.migrationType,
          SourceEndpointArn: dms.sourceEndpointArn,
          // Ref of AWS::DMS::Endpoint is the endpoint ARN (CloudFormation "AWS::DMS::Endpoint" return values).
          TargetEndpointArn: ref('DmsTargetEndpoint'),
          ComputeConfig: { MinCapacityUnits: dms.serverless.minDcu, MaxCapacityUnits: dms.serverless.maxDcu },
          TableMappings: mappings,
          ReplicationSettings: settings,
          Tags: cfnTags(cfg.tags),
        }),
      };
    } else {
      resources.DmsReplicationTask = {
        Type: 'AWS::DMS::ReplicationTask',
        Properties: withoutUndefined({
          ReplicationTaskIdentifier: dms.task.id,
          MigrationType: dms.task.migrationType,
          ReplicationInstanceArn: dms.replicationInstanceArn,
          SourceEndpointArn: dms.sourceEndpointArn,
          TargetEndpointArn: ref('DmsTargetEndpoint'),
          TableMappings: JSON.stringify(mappings),
          ReplicationTaskSettings: settings ? JSON.stringify(settings) : undefined,
          Tags: cfnTags(cfg.tags),
        }),
      };
      if (dms.task.start) warnings.push('CloudFormation creates the DMS task without starting it: start it with `cdcpipe provision` or aws dms start-replication-task');
    }
  }
  if (cfg.firehose) {
    const f = cfg.firehose;
    let roleArn: unknown = f.roleArn;
    if (!roleArn) {
      resources.FirehoseRole = {
        Type: 'AWS::IAM::Role',
        Properties: { RoleName: roleName(cfg, 'firehose'), AssumeRolePolicyDocument: trustPolicy('firehose', account), Policies: [{ PolicyName: ROLE_POLICY_NAME, PolicyDocument: firehosePolicyFrom(cfg, inputs) }] },
      };
      roleArn = getAtt('FirehoseRole', 'Arn');
    }
    const dest = firehoseDestination(cfg, { partition: 'aws', region: 'unused' });
    dest.RoleARN = roleArn;
    const conversion = dest.DataFormatConversionConfiguration as { SchemaConfiguration?: Record<string, unknown> } | undefined;
    if (conversion?.SchemaConfiguration) {
      conversion.SchemaConfiguration.RoleARN = roleArn;
      conversion.SchemaConfiguration.Region = f.parquet?.glueRegion ?? region;
    }
    resources.DeliveryStream = {
      Type: 'AWS::KinesisFirehose::DeliveryStream',
      Properties: withoutUndefined({
        DeliveryStreamName: f.name,
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: { KinesisStreamARN: getAtt('Stream', 'Arn'), RoleARN: roleArn },
        ExtendedS3DestinationConfiguration: dest,
        Tags: cfnTags(cfg.tags),
      }),
    };
  }
  const logical: Record<string, string> = { 'iterator-age': 'AlarmIteratorAge', 'write-throttles': 'AlarmWriteThrottles', 'dms-latency': 'AlarmDmsLatency', 'firehose-freshness': 'AlarmFirehoseFreshness' };
  const { specs } = alarmSpecs(cfg, { partition: 'aws', region: 'unused', taskArn: 'arn:aws:dms:r:1:task:PLACEHOLDER', replicationInstanceId: 'PLACEHOLDER' });
  for (const spec of specs) {
    const which = Object.keys(logical).find((k) => spec.AlarmName.endsWith(`-${k}`))!;
    let dimensions: unknown = spec.Dimensions;
    if (which === 'iterator-age' || which === 'write-throttles') dimensions = [{ Name: 'StreamName', Value: ref('Stream') }];
    if (which === 'firehose-freshness') dimensions = [{ Name: 'DeliveryStreamName', Value: ref('DeliveryStream') }];
    if (which === 'dms-latency') {
      // The instance identifier is a name CloudFormation cannot derive from dms.replicationInstanceArn.
      warnings.push(`alarms.dmsLatencySeconds: left out of the template (the ReplicationInstanceIdentifier dimension needs a DescribeReplicationInstances lookup); \`cdcpipe provision\` creates it`);
      continue;
    }
    resources[logical[which]!] = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: withoutUndefined({
        AlarmName: spec.AlarmName,
        AlarmDescription: spec.AlarmDescription,
        Namespace: spec.Namespace,
        MetricName: spec.MetricName,
        Dimensions: dimensions,
        Statistic: spec.Statistic,
        Period: spec.Period,
        EvaluationPeriods: spec.EvaluationPeriods,
        DatapointsToAlarm: spec.DatapointsToAlarm,
        Threshold: spec.Threshold,
        ComparisonOperator: spec.ComparisonOperator,
        TreatMissingData: spec.TreatMissingData,
        AlarmActions: spec.AlarmActions.length ? spec.AlarmActions : undefined,
        OKActions: spec.OKActions.length ? spec.OKActions : undefined,
      }),
    };
  }
  const outputs: Record<string, Cfn> = { StreamArn: { Value: getAtt('Stream', 'Arn') } };
  if (resources.DmsTargetEndpoint) outputs.DmsTargetEndpointArn = { Value: ref('DmsTargetEndpoint') };
  if (resources.DmsReplicationTask) outputs.DmsReplicationTaskArn = { Value: ref('DmsReplicationTask') };
  if (resources.DeliveryStream) outputs.DeliveryStreamArn = { Value: getAtt('DeliveryStream', 'Arn') };
  return {
    template: {
      AWSTemplateFormatVersion: '2010-09-09',
      Description: `cdcpipe pipeline ${s.name}: Kinesis stream${cfg.dms ? ', DMS target endpoint and task' : ''}${cfg.firehose ? ', Firehose to S3' : ''}${cfg.alarms ? ', alarms' : ''}`,
      Resources: resources,
      Outputs: outputs,
    },
    warnings,
  };
}

/**
 * The template as YAML CloudFormation reads: no anchors or aliases (CloudFormation rejects them) and
 * YAML 1.1 quoting, so values such as 2010-09-09 or "on" stay strings.
 */
export function cloudFormationYaml(template: Record<string, unknown>): string {
  return stringify(template, { version: '1.1', aliasDuplicateObjects: false, lineWidth: 0 });
}
