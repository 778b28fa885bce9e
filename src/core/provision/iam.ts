/**
 * The IAM roles DMS and Firehose assume, least privilege: the trust policy and the inline permissions
 * policy cdcpipe owns on each. The same documents serve provision (literal ARNs), --print-policies and
 * the CloudFormation template (outputs become Ref / Fn::GetAtt).
 */
import { UsageError } from '../../errors.js';
import { IAM_ROLE_NAME_MAX_CHARS } from '../limits.js';
import type { PipelineConfig } from '../pipeline-schema.js';
import { canonicalJson, tagList, type PlannedAction, type ResourceModel, type Section } from './model.js';
import { asJson, join, output, resolve, tryResolve, UnresolvedOutput, type Known, type Resolved, type Value } from './values.js';

export type RoleKind = 'dms' | 'firehose';

/** The inline policy name cdcpipe owns on the roles it creates. */
export const ROLE_POLICY_NAME = 'cdcpipe-least-privilege';

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: { Sid: string; Effect: 'Allow'; Action: string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> }[];
}

export function roleName(cfg: PipelineConfig, kind: RoleKind): string {
  const base = kind === 'dms' ? `cdcpipe-${cfg.stream.name}-dms` : `cdcpipe-${cfg.firehose?.name ?? cfg.stream.name}-firehose`;
  return base.slice(0, IAM_ROLE_NAME_MAX_CHARS);
}

export function firehoseLogGroup(name: string): string {
  return `/aws/kinesisfirehose/${name}`;
}

/** The role's ARN: the file's, else the one cdcpipe creates (known once it exists, or from the account). */
export function roleArnValue(cfg: PipelineConfig, kind: RoleKind): Value {
  const given = kind === 'dms' ? cfg.dms?.serviceAccessRoleArn : cfg.firehose?.roleArn;
  return given ?? output(kind === 'dms' ? 'dmsRoleArn' : 'firehoseRoleArn');
}

/** The stream's ARN: read, predicted from the account (predictStreamArn) or returned by CreateStream. */
export const streamArnValue = (): Value => output('streamArn');

export function trustPolicy(kind: RoleKind, accountId?: Value): Record<string, unknown> {
  const service = kind === 'dms' ? 'dms.amazonaws.com' : 'firehose.amazonaws.com';
  const statement: Record<string, unknown> = { Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' };
  // Firehose passes the account as the external id: this stops other accounts' delivery streams using the role (confused deputy).
  if (kind === 'firehose' && accountId !== undefined) statement.Condition = { StringEquals: { 'sts:ExternalId': accountId } };
  return { Version: '2012-10-17', Statement: [statement] };
}

const kmsKeyPrefix = () => join('arn:', output('partition'), ':kms:', output('region'), ':', output('accountId'), ':key/');

/**
 * KMS statement for the stream's key. A key ARN is used as is; a key id becomes its ARN. For an alias
 * the key ARN is unknown without KMS, so the grant is limited to use through Kinesis in this region
 * (kms:ViaService) and, for customer aliases, to keys carrying that alias (kms:ResourceAliases).
 */
function kmsStatement(sid: string, actions: string[], keyId: string): PolicyDocument['Statement'][number] {
  const via = { 'kms:ViaService': join('kinesis.', output('region'), '.amazonaws.com') };
  if (keyId.startsWith('arn:') && keyId.includes(':key/')) return { Sid: sid, Effect: 'Allow', Action: actions, Resource: keyId };
  if (!keyId.startsWith('alias/') && !keyId.includes(':alias/')) return { Sid: sid, Effect: 'Allow', Action: actions, Resource: join(kmsKeyPrefix(), keyId) };
  const alias = keyId.startsWith('alias/') ? keyId : keyId.slice(keyId.indexOf(':alias/') + 1);
  const condition: Record<string, Record<string, unknown>> = { StringEquals: via };
  // AWS managed keys (alias/aws/…) cannot be matched by alias conditions; their key policy already limits use to the service.
  if (!alias.startsWith('alias/aws/')) condition['ForAnyValue:StringEquals'] = { 'kms:ResourceAliases': alias };
  return { Sid: sid, Effect: 'Allow', Action: actions, Resource: join(kmsKeyPrefix(), '*'), Condition: condition };
}

/** The static part of an S3 prefix (before the first !{…} expression), for IAM resource scoping. */
function staticPrefix(prefix: string | undefined): string {
  if (!prefix) return '';
  const i = prefix.indexOf('!{');
  return i === -1 ? prefix : prefix.slice(0, i);
}

/** DMS role: describe and write to the stream; encrypt with its key (AWS DMS User Guide, "Prerequisites for using a Kinesis data stream as a target"). */
export function dmsRolePolicy(cfg: PipelineConfig): PolicyDocument {
  const statements: PolicyDocument['Statement'] = [
    { Sid: 'WriteToStream', Effect: 'Allow', Action: ['kinesis:DescribeStream', 'kinesis:PutRecord', 'kinesis:PutRecords'], Resource: streamArnValue() },
  ];
  const enc = cfg.stream.encryption;
  if (enc) statements.push(kmsStatement('EncryptWithStreamKey', ['kms:GenerateDataKey'], enc.kmsKeyId));
  return { Version: '2012-10-17', Statement: statements };
}

/** Firehose role: read the stream, write the bucket/prefix, decrypt, log, and the optional Lambda and Glue. */
export function firehoseRolePolicy(cfg: PipelineConfig): PolicyDocument {
  const f = cfg.firehose!;
  const objectArns = [...new Set([staticPrefix(f.prefix), ...(f.errorOutputPrefix !== undefined ? [staticPrefix(f.errorOutputPrefix)] : [])])].map((p) => `${f.bucketArn}/${p}*`);
  const statements: PolicyDocument['Statement'] = [
    {
      Sid: 'ReadStream',
      Effect: 'Allow',
      Action: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards'],
      Resource: streamArnValue(),
    },
    { Sid: 'Bucket', Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], Resource: f.bucketArn },
    { Sid: 'WriteObjects', Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject'], Resource: objectArns.length === 1 ? objectArns[0] : objectArns },
  ];
  if (cfg.stream.encryption) statements.push(kmsStatement('DecryptStream', ['kms:Decrypt'], cfg.stream.encryption.kmsKeyId));
  const logGroupArn = join('arn:', output('partition'), ':logs:', output('region'), ':', output('accountId'), ':log-group:', firehoseLogGroup(f.name), ':log-stream:*');
  statements.push({ Sid: 'DeliveryLogs', Effect: 'Allow', Action: ['logs:PutLogEvents'], Resource: logGroupArn });
  if (f.processor) {
    statements.push({ Sid: 'InvokeProcessor', Effect: 'Allow', Action: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'], Resource: [f.processor.lambdaArn, `${f.processor.lambdaArn}:*`] });
  }
  if (f.parquet) {
    const glueRegion: Value = f.parquet.glueRegion ?? output('region');
    const arn = (r: string) => join('arn:', output('partition'), ':glue:', glueRegion, ':', output('accountId'), `:${r}`);
    const glueArns = [arn('catalog'), arn(`database/${f.parquet.glueDatabase}`), arn(`table/${f.parquet.glueDatabase}/${f.parquet.glueTable}`)];
    statements.push({ Sid: 'ReadGlueSchema', Effect: 'Allow', Action: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'], Resource: glueArns });
  }
  return { Version: '2012-10-17', Statement: statements };
}

export function rolePolicy(cfg: PipelineConfig, kind: RoleKind): PolicyDocument {
  return kind === 'dms' ? dmsRolePolicy(cfg) : firehoseRolePolicy(cfg);
}

const NO_ACCOUNT = () =>
  new UsageError(
    'cannot tell the AWS account id for the policy ARNs: the stream does not exist yet and the file has no ARN with an account in it',
    'create the stream first (cdcpipe provision), or put dms.serviceAccessRoleArn / firehose.roleArn in the file',
  );

/** A policy with every ARN filled in; a UsageError when the account or the stream is not known yet. */
export function literalPolicy<T>(doc: T, known: Known): Resolved<T> {
  try {
    return resolve(doc, known);
  } catch (err) {
    if (err instanceof UnresolvedOutput) throw NO_ACCOUNT();
    throw err;
  }
}

export interface RolePolicies {
  role: RoleKind;
  roleName: string;
  trustPolicy: unknown;
  policyName: string;
  policy: PolicyDocument;
}

/** What --print-policies prints: each role's trust and permissions policy, whether or not cdcpipe creates it. */
export function rolePolicies(cfg: PipelineConfig, known: Known): RolePolicies[] {
  const kinds: RoleKind[] = [...(cfg.dms ? (['dms'] as const) : []), ...(cfg.firehose ? (['firehose'] as const) : [])];
  const withStream = predictStreamArn(cfg.stream.name, known);
  return kinds.map((kind) => ({
    role: kind,
    roleName: roleName(cfg, kind),
    trustPolicy: kind === 'dms' ? trustPolicy('dms') : trustPolicy('firehose', known.accountId),
    policyName: ROLE_POLICY_NAME,
    policy: literalPolicy(rolePolicy(cfg, kind), withStream),
  }));
}

/** Before the stream exists its ARN follows from the account and its name (arn:<partition>:kinesis:<region>:<account>:stream/<name>). */
export function predictStreamArn(stream: string, known: Known): Known {
  if (known.streamArn || !known.accountId || !known.partition || !known.region) return known;
  return { ...known, streamArn: `arn:${known.partition}:kinesis:${known.region}:${known.accountId}:stream/${stream}` };
}

/** Role ARNs must come from the file unless --create-roles. */
export function checkRoleSources(cfg: PipelineConfig, createRoles: boolean, sections?: ReadonlySet<Section>): void {
  if (createRoles) return;
  const planned = (s: Section) => !sections || sections.has(s);
  if (cfg.dms && planned('dms') && !cfg.dms.serviceAccessRoleArn) {
    throw new UsageError('dms.serviceAccessRoleArn: required unless --create-roles: expected the ARN of a role DMS can assume to write to the stream', 'run with --print-policies to see the policy that role needs');
  }
  if (cfg.firehose && planned('firehose') && !cfg.firehose.roleArn) {
    throw new UsageError('firehose.roleArn: required unless --create-roles: expected the ARN of a role Firehose can assume', 'run with --print-policies to see the policy that role needs');
  }
}

// ---------------------------------------------------------------- the resource

export interface DesiredRole {
  kind: RoleKind;
  name: string;
  description: string;
  trust: Record<string, unknown>;
  policy: PolicyDocument;
  tags?: { Key: string; Value: string }[];
}

export interface ObservedRole {
  arn: string;
  /** The inline policy cdcpipe puts on the role (ROLE_POLICY_NAME), parsed; null when absent. */
  policy: unknown;
}

export interface RoleRequest {
  create?: { RoleName: string; AssumeRolePolicyDocument: Value; Description: string; Tags?: { Key: string; Value: string }[] };
  putPolicy: { RoleName: string; PolicyName: string; PolicyDocument: Value };
  kind: RoleKind;
}

/** Roles cdcpipe owns: only with --create-roles, and only those the file does not name. */
function desiredRoles(cfg: PipelineConfig, createRoles: boolean): DesiredRole[] {
  if (!createRoles) return [];
  const out: DesiredRole[] = [];
  const tags = tagList(cfg.tags);
  if (cfg.dms && !cfg.dms.serviceAccessRoleArn) {
    out.push({ kind: 'dms', name: roleName(cfg, 'dms'), description: `cdcpipe: DMS writes to Kinesis stream ${cfg.stream.name}`, trust: trustPolicy('dms'), policy: dmsRolePolicy(cfg), ...(tags ? { tags } : {}) });
  }
  if (cfg.firehose && !cfg.firehose.roleArn) {
    out.push({
      kind: 'firehose',
      name: roleName(cfg, 'firehose'),
      description: `cdcpipe: Firehose reads Kinesis stream ${cfg.stream.name}`,
      trust: trustPolicy('firehose', output('accountId')),
      policy: firehoseRolePolicy(cfg),
      ...(tags ? { tags } : {}),
    });
  }
  return out;
}

function planRole(d: DesiredRole, observed: ObservedRole | null, known: Known): PlannedAction<RoleRequest>[] {
  const putPolicy = { RoleName: d.name, PolicyName: ROLE_POLICY_NAME, PolicyDocument: asJson(d.policy) };
  if (!observed) {
    const create = { RoleName: d.name, AssumeRolePolicyDocument: asJson(d.trust), Description: d.description, ...(d.tags ? { Tags: d.tags } : {}) };
    return [{ resource: 'iam-role', name: d.name, action: 'create', detail: `trust ${d.kind}.amazonaws.com, inline policy ${ROLE_POLICY_NAME}`, request: { create, putPolicy, kind: d.kind } }];
  }
  // The account not known yet: the stream is created first, then the policy is built.
  const wanted = tryResolve(d.policy, known);
  if (!wanted || canonicalJson(observed.policy) !== canonicalJson(wanted)) {
    return [{ resource: 'iam-role', name: d.name, action: 'update', detail: `put inline policy ${ROLE_POLICY_NAME}`, request: { putPolicy, kind: d.kind } }];
  }
  return [{ resource: 'iam-role', name: d.name, action: 'none', detail: observed.arn }];
}

export const roleModel: ResourceModel<DesiredRole, ObservedRole> = {
  kind: 'iam-role',
  sections: ['dms', 'firehose'],
  desired: (cfg, opts) => desiredRoles(cfg, opts.createRoles).filter((r) => !opts.sections || opts.sections.has(r.kind)),
  plan: planRole,
};
