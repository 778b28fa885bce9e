/**
 * The DMS target endpoint that writes to the stream (AWS DMS User Guide, "Using Amazon Kinesis Data
 * Streams as a target for AWS Database Migration Service").
 */
import type { PipelineConfig } from '../pipeline-schema.js';
import { differingKeys, tagList, type PlannedAction, type ResourceModel } from './model.js';
import { roleArnValue, streamArnValue } from './iam.js';
import { tryResolve, type Known, type Value } from './values.js';
import { cfnRole, cfnValue, withoutUndefined } from './cloudformation.js';

/**
 * DMS Kinesis target defaults: single-line JSON records with transaction details, partition value,
 * schema/table in the partition key, control records and DDL (AWS DMS User Guide, "Using Amazon Kinesis
 * Data Streams as a target", KinesisSettings). DMS's own default, `json`, is pretty multi-line JSON, which
 * Firehose would concatenate into S3 objects no JSON reader can split; `json-unformatted` is "a single
 * line with no tab", the format the guide names for Firehose → S3 → Athena. The file overrides each.
 */
export const DMS_KINESIS_DEFAULTS = {
  MessageFormat: 'json-unformatted',
  IncludeTransactionDetails: true,
  IncludePartitionValue: true,
  PartitionIncludeSchemaTable: true,
  IncludeControlDetails: true,
  IncludeTableAlterOperations: true,
} as const;

export function endpointId(cfg: PipelineConfig): string {
  return cfg.dms?.target.endpointId ?? `${cfg.stream.name.replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-+|-+$/g, '')}-kinesis-target`.replace(/^(?![a-zA-Z])/, 'cdc-');
}

export interface DesiredEndpoint {
  id: string;
  kinesisSettings: Record<string, Value | boolean | number | undefined>;
  tags?: { Key: string; Value: string }[];
}

export interface ObservedEndpoint {
  arn: string;
  engineName: string;
  endpointType: string;
  kinesisSettings: Record<string, unknown>;
}

export interface EndpointRequest {
  create?: { EndpointIdentifier: string; EndpointType: 'target'; EngineName: 'kinesis'; KinesisSettings: DesiredEndpoint['kinesisSettings']; Tags?: { Key: string; Value: string }[] };
  modify?: { EndpointArn: Value; KinesisSettings: DesiredEndpoint['kinesisSettings'] };
}

export function dmsKinesisSettings(cfg: PipelineConfig): DesiredEndpoint['kinesisSettings'] {
  return { StreamArn: streamArnValue(), ServiceAccessRoleArn: roleArnValue(cfg, 'dms'), ...DMS_KINESIS_DEFAULTS, ...cfg.dms!.target.kinesisSettings };
}

function planEndpoint(d: DesiredEndpoint, observed: ObservedEndpoint | null, known: Known): PlannedAction<EndpointRequest>[] {
  const base = { resource: 'dms-endpoint' as const, name: d.id };
  if (!observed) {
    const create = { EndpointIdentifier: d.id, EndpointType: 'target' as const, EngineName: 'kinesis' as const, KinesisSettings: d.kinesisSettings, ...(d.tags ? { Tags: d.tags } : {}) };
    return [{ ...base, action: 'create', detail: `kinesis target, MessageFormat ${String(d.kinesisSettings.MessageFormat)}`, request: { create } }];
  }
  if (observed.engineName !== 'kinesis' || observed.endpointType.toLowerCase() !== 'target') {
    return [{ ...base, action: 'drift', detail: `endpoint ${d.id} exists as a ${observed.engineName} ${observed.endpointType.toLowerCase()}: engine and type cannot change in place; use another dms.target.endpointId` }];
  }
  // A setting whose ARN is not known yet (its stream or role is created by this run) is not compared.
  const wanted = Object.fromEntries(Object.entries(d.kinesisSettings).map(([k, v]) => [k, tryResolve(v, known)]));
  const differs = differingKeys(wanted, observed.kinesisSettings);
  if (differs.length === 0) return [{ ...base, action: 'none', detail: observed.arn }];
  return [{ ...base, action: 'update', detail: `KinesisSettings ${differs.join(', ')}`, request: { modify: { EndpointArn: observed.arn, KinesisSettings: d.kinesisSettings } } }];
}

export const endpointModel: ResourceModel<DesiredEndpoint, ObservedEndpoint> = {
  kind: 'dms-endpoint',
  sections: ['dms'],
  desired: (cfg) => {
    if (!cfg.dms) return [];
    const tags = tagList(cfg.tags);
    return [{ id: endpointId(cfg), kinesisSettings: dmsKinesisSettings(cfg), ...(tags ? { tags } : {}) }];
  },
  plan: planEndpoint,
  warnings: (cfg) =>
    cfg.dms && cfg.firehose && !cfg.firehose.parquet && dmsKinesisSettings(cfg).MessageFormat === 'json'
      ? ['dms.target.kinesisSettings.MessageFormat: json is multi-line JSON: Firehose writes the records one after another, so the S3 objects are not one record per line (Athena cannot read them); use json-unformatted']
      : [],
  cloudFormation: (d, cfg) => ({
    resources: {
      ...(cfg.dms!.serviceAccessRoleArn ? {} : { DmsRole: cfnRole(cfg, 'dms') }),
      DmsTargetEndpoint: {
        Type: 'AWS::DMS::Endpoint',
        Properties: withoutUndefined({ EndpointIdentifier: d.id, EndpointType: 'target', EngineName: 'kinesis', KinesisSettings: cfnValue(d.kinesisSettings), Tags: d.tags }),
      },
    },
    outputs: { DmsTargetEndpointArn: { Value: { Ref: 'DmsTargetEndpoint' } } },
  }),
};
