/**
 * The pipeline as a CloudFormation template, built from the same desired state provision converges to:
 * each resource kind's `cloudFormation()` turns its desired resource into template resources, and the
 * outputs a request waits for become Ref / Fn::GetAtt (AWS CloudFormation User Guide, "Ref" and
 * "Fn::GetAtt"; each resource type's "Return values").
 */
import { stringify } from 'yaml';
import type { PipelineConfig } from '../pipeline-schema.js';
import { ROLE_POLICY_NAME, roleName, rolePolicy, trustPolicy, type RoleKind } from './iam.js';
import { output, toCloudFormation, type OutputName } from './values.js';

export type Cfn = Record<string, unknown>;

/** What one resource adds to the template. */
export interface CfnPart {
  resources: Record<string, Cfn>;
  outputs?: Record<string, Cfn>;
  warnings?: string[];
}

const ref = (name: string): Cfn => ({ Ref: name });
const getAtt = (name: string, attr: string): Cfn => ({ 'Fn::GetAtt': [name, attr] });

/** Each output as the template knows it. The DMS metric dimensions have no template expression. */
const TEMPLATE_OUTPUTS: Partial<Record<OutputName, Cfn>> = {
  partition: ref('AWS::Partition'),
  region: ref('AWS::Region'),
  accountId: ref('AWS::AccountId'),
  streamArn: getAtt('Stream', 'Arn'),
  dmsRoleArn: getAtt('DmsRole', 'Arn'),
  firehoseRoleArn: getAtt('FirehoseRole', 'Arn'),
  // Ref of AWS::DMS::Endpoint and AWS::DMS::ReplicationTask is the ARN (their "Return values").
  endpointArn: ref('DmsTargetEndpoint'),
  taskArn: ref('DmsReplicationTask'),
};

/** A value of a desired resource in template form. */
export function cfnValue(value: unknown): unknown {
  return toCloudFormation(value, TEMPLATE_OUTPUTS);
}

export function withoutUndefined(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

/** The role a resource of the template assumes, when the file names none: created by the template. */
export function cfnRole(cfg: PipelineConfig, kind: RoleKind): Cfn {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: roleName(cfg, kind),
      AssumeRolePolicyDocument: cfnValue(kind === 'dms' ? trustPolicy('dms') : trustPolicy('firehose', output('accountId'))),
      Policies: [{ PolicyName: ROLE_POLICY_NAME, PolicyDocument: cfnValue(rolePolicy(cfg, kind)) }],
    },
  };
}

export interface CloudFormationResult {
  template: Record<string, unknown>;
  warnings: string[];
}

/** The template of the file, from the parts each resource kind makes of its desired resources, in table order. */
export function buildCloudFormation(cfg: PipelineConfig, parts: readonly CfnPart[]): CloudFormationResult {
  const warnings: string[] = [];
  const resources: Record<string, Cfn> = {};
  const outputs: Record<string, Cfn> = {};
  for (const part of parts) {
    Object.assign(resources, part.resources);
    Object.assign(outputs, part.outputs);
    warnings.push(...(part.warnings ?? []));
  }
  const s = cfg.stream;
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
