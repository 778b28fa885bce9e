/**
 * The Firehose delivery stream that archives the stream to S3 (Amazon Data Firehose Developer Guide,
 * "Source, destination, and name"; API Reference, CreateDeliveryStream, ExtendedS3DestinationConfiguration).
 */
import { checkFirehose } from '../doctor/firehose.js';
import type { PipelineConfig } from '../pipeline-schema.js';
import { differingKeys, tagList, type PlannedAction, type ResourceModel } from './model.js';
import { firehoseLogGroup, roleArnValue, streamArnValue } from './iam.js';
import { output, tryResolve, type Known, type Value } from './values.js';
import { cfnRole, cfnValue, withoutUndefined } from './cloudformation.js';

export interface DesiredFirehose {
  name: string;
  streamName: string;
  bucketArn: string;
  prefix?: string;
  source: { KinesisStreamARN: Value; RoleARN: Value };
  destination: Record<string, unknown>;
  summary: string;
  tags?: { Key: string; Value: string }[];
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
  /** FailureDescription (Type: Details), read for doctor. */
  failure?: string;
}

export interface FirehoseRequest {
  create?: {
    DeliveryStreamName: string;
    DeliveryStreamType: 'KinesisStreamAsSource';
    KinesisStreamSourceConfiguration: DesiredFirehose['source'];
    ExtendedS3DestinationConfiguration: Record<string, unknown>;
    Tags?: { Key: string; Value: string }[];
  };
  /** UpdateDestination; the version and destination ids are read just before (they must be current). */
  update?: { DeliveryStreamName: string; ExtendedS3DestinationUpdate: Record<string, unknown> };
}

/** ExtendedS3DestinationConfiguration from the file. */
export function firehoseDestination(cfg: PipelineConfig): Record<string, unknown> {
  const f = cfg.firehose!;
  const roleArn = roleArnValue(cfg, 'firehose');
  const dest: Record<string, unknown> = {
    RoleARN: roleArn,
    BucketARN: f.bucketArn,
    ...(f.prefix !== undefined ? { Prefix: f.prefix } : {}),
    ...(f.errorOutputPrefix !== undefined ? { ErrorOutputPrefix: f.errorOutputPrefix } : {}),
    BufferingHints: { SizeInMBs: f.buffering.sizeMiB, IntervalInSeconds: f.buffering.intervalSeconds },
    CompressionFormat: f.compression,
    CloudWatchLoggingOptions: { Enabled: true, LogGroupName: firehoseLogGroup(f.name), LogStreamName: 'DestinationDelivery' },
  };
  // "By default, Firehose concatenates data without any delimiters" (Developer Guide, "Configure record
  // delimiter"): AppendDelimiterToRecord puts a newline after each record (its Delimiter defaults to one),
  // after the Lambda processor if any. Parquet conversion reads each record itself and needs none.
  const processors: Record<string, unknown>[] = [];
  if (f.processor) processors.push({ Type: 'Lambda', Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: f.processor.lambdaArn }] });
  if (f.appendDelimiter && !f.parquet) processors.push({ Type: 'AppendDelimiterToRecord' });
  if (processors.length) dest.ProcessingConfiguration = { Enabled: true, Processors: processors };
  if (f.parquet) {
    dest.DataFormatConversionConfiguration = {
      Enabled: true,
      InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
      OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } },
      SchemaConfiguration: { DatabaseName: f.parquet.glueDatabase, TableName: f.parquet.glueTable, RoleARN: roleArn, Region: f.parquet.glueRegion ?? output('region') },
    };
  }
  return dest;
}

function planFirehose(d: DesiredFirehose, observed: ObservedFirehose | null, known: Known): PlannedAction<FirehoseRequest>[] {
  const base = { resource: 'firehose' as const, name: d.name };
  if (!observed) {
    const create = {
      DeliveryStreamName: d.name,
      DeliveryStreamType: 'KinesisStreamAsSource' as const,
      KinesisStreamSourceConfiguration: d.source,
      ExtendedS3DestinationConfiguration: d.destination,
      ...(d.tags ? { Tags: d.tags } : {}),
    };
    return [{ ...base, action: 'create', detail: d.summary, request: { create } }];
  }
  const streamArn = known.streamArn;
  if (observed.type !== 'KinesisStreamAsSource' || (streamArn && observed.sourceStreamArn !== streamArn)) {
    return [{ ...base, action: 'drift', detail: `its source is ${observed.sourceStreamArn ?? observed.type}, not ${streamArn ?? d.streamName}: a delivery stream's source cannot change in place` }];
  }
  if (observed.status !== 'ACTIVE' && observed.status !== 'CREATING') return [{ ...base, action: 'drift', detail: `status ${observed.status}` }];
  // A role ARN not known yet (created by this run) is not compared.
  const wanted = Object.fromEntries(Object.entries(d.destination).map(([k, v]) => [k, tryResolve(v, known)]));
  const differs = differingKeys(wanted, observed.destination);
  if (differs.length === 0) return [{ ...base, action: 'none', detail: observed.arn }];
  return [{ ...base, action: 'update', detail: `destination ${differs.join(', ')}`, request: { update: { DeliveryStreamName: d.name, ExtendedS3DestinationUpdate: d.destination } } }];
}

export const firehoseModel: ResourceModel<DesiredFirehose, ObservedFirehose> = {
  kind: 'firehose',
  sections: ['firehose'],
  desired: (cfg) => {
    const f = cfg.firehose;
    if (!f) return [];
    const tags = tagList(cfg.tags);
    return [
      {
        name: f.name,
        streamName: cfg.stream.name,
        bucketArn: f.bucketArn,
        ...(f.prefix !== undefined ? { prefix: f.prefix } : {}),
        source: { KinesisStreamARN: streamArnValue(), RoleARN: roleArnValue(cfg, 'firehose') },
        destination: firehoseDestination(cfg),
        summary: `${cfg.stream.name} → ${f.bucketArn}${f.prefix ? `/${f.prefix}` : ''}, ${f.buffering.sizeMiB} MiB / ${f.buffering.intervalSeconds} s, ${f.compression}`,
        ...(tags ? { tags } : {}),
      },
    ];
  },
  plan: planFirehose,
  check: checkFirehose,
  cloudFormation: (d, cfg) => ({
    resources: {
      ...(cfg.firehose!.roleArn ? {} : { FirehoseRole: cfnRole(cfg, 'firehose') }),
      DeliveryStream: {
        Type: 'AWS::KinesisFirehose::DeliveryStream',
        Properties: withoutUndefined({
          DeliveryStreamName: d.name,
          DeliveryStreamType: 'KinesisStreamAsSource',
          KinesisStreamSourceConfiguration: cfnValue(d.source),
          ExtendedS3DestinationConfiguration: cfnValue(d.destination),
          Tags: d.tags,
        }),
      },
    },
    outputs: { DeliveryStreamArn: { Value: { 'Fn::GetAtt': ['DeliveryStream', 'Arn'] } } },
  }),
};
