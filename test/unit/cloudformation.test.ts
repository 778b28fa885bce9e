import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parsePipeline, type PipelineConfig } from '../../src/core/pipeline-schema.js';
import { cloudFormationYaml } from '../../src/core/provision/cloudformation.js';
import { provisionTemplate as buildCloudFormation } from '../../src/services/provision.js';

const FULL = readFileSync(new URL('../../examples/cdcpipe.full.yaml', import.meta.url), 'utf8');
/** The full example without role ARNs: the template must create both roles. */
const fullWithoutRoles = (): PipelineConfig => parsePipeline(FULL.replace(/^\s+(serviceAccessRoleArn|roleArn):.*$/gm, ''), 'full');
const serverless = (): PipelineConfig =>
  parsePipeline(FULL.replace(/^ {2}replicationInstanceArn:.*$/m, '  serverless: {minDcu: 2, maxDcu: 16}').replace(/^ {2}dmsLatencySeconds:.*$/m, ''), 'serverless');

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const PSEUDO = new Set(['AWS::Partition', 'AWS::Region', 'AWS::AccountId', 'AWS::StackName', 'AWS::URLSuffix']);

/** Every Ref and Fn::GetAtt in the template, with where it was found. */
function references(node: unknown, path = ''): { target: string; path: string }[] {
  if (Array.isArray(node)) return node.flatMap((n, i) => references(n, `${path}[${i}]`));
  if (!node || typeof node !== 'object') return [];
  const out: { target: string; path: string }[] = [];
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === 'Ref') out.push({ target: v as string, path });
    else if (k === 'Fn::GetAtt') out.push({ target: (v as string[])[0]!, path });
    else out.push(...references(v, `${path}.${k}`));
  }
  return out;
}

function strings(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(strings);
  if (node && typeof node === 'object') return Object.values(node as Record<string, unknown>).flatMap(strings);
  return [];
}

describe('CloudFormation template of a full pipeline (roles created by the template)', () => {
  const { template } = buildCloudFormation(fullWithoutRoles());
  const resources = template.Resources as Resources;

  it('has one resource of each type, and the IAM roles', () => {
    expect(Object.fromEntries(Object.entries(resources).map(([id, r]) => [id, r.Type]))).toEqual({
      Stream: 'AWS::Kinesis::Stream',
      DmsRole: 'AWS::IAM::Role',
      DmsTargetEndpoint: 'AWS::DMS::Endpoint',
      DmsReplicationTask: 'AWS::DMS::ReplicationTask',
      FirehoseRole: 'AWS::IAM::Role',
      DeliveryStream: 'AWS::KinesisFirehose::DeliveryStream',
      AlarmIteratorAge: 'AWS::CloudWatch::Alarm',
      AlarmWriteThrottles: 'AWS::CloudWatch::Alarm',
      AlarmFirehoseFreshness: 'AWS::CloudWatch::Alarm',
    });
  });

  it('every Ref and GetAtt points at a resource of the template or a pseudo parameter', () => {
    const refs = references(template);
    expect(refs.length).toBeGreaterThan(10);
    for (const r of refs) expect(resources[r.target] !== undefined || PSEUDO.has(r.target), `${r.target} at ${r.path}`).toBe(true);
  });

  it('leaves no unresolved placeholder in any value', () => {
    for (const s of strings(template)) expect(s).not.toMatch(/\$\{|PLACEHOLDER|undefined|\bnull\b|<[a-z-]+>|TODO|123456789012:role/);
  });

  it('wires the DMS endpoint to the stream and its role, and the task to the endpoint', () => {
    const ep = resources.DmsTargetEndpoint!.Properties;
    expect(ep).toMatchObject({ EndpointType: 'target', EngineName: 'kinesis' });
    expect(ep.KinesisSettings).toMatchObject({
      StreamArn: { 'Fn::GetAtt': ['Stream', 'Arn'] },
      ServiceAccessRoleArn: { 'Fn::GetAtt': ['DmsRole', 'Arn'] },
      MessageFormat: 'json-unformatted',
      IncludeTransactionDetails: true,
      IncludePartitionValue: true,
      PartitionIncludeSchemaTable: true,
      IncludeControlDetails: true,
      IncludeTableAlterOperations: true,
    });
    const task = resources.DmsReplicationTask!.Properties;
    expect(task.TargetEndpointArn).toEqual({ Ref: 'DmsTargetEndpoint' });
    expect(JSON.parse(task.TableMappings as string).rules.map((r: { 'rule-type': string }) => r['rule-type'])).toEqual(['selection', 'selection', 'object-mapping', 'object-mapping']);
    expect(JSON.parse(task.ReplicationTaskSettings as string)).toHaveProperty('BeforeImageSettings.EnableBeforeImage', true);
  });

  it('reads Firehose from the stream with its own role', () => {
    const fh = resources.DeliveryStream!.Properties;
    expect(fh.DeliveryStreamType).toBe('KinesisStreamAsSource');
    expect(fh.KinesisStreamSourceConfiguration).toEqual({ KinesisStreamARN: { 'Fn::GetAtt': ['Stream', 'Arn'] }, RoleARN: { 'Fn::GetAtt': ['FirehoseRole', 'Arn'] } });
    expect(fh.ExtendedS3DestinationConfiguration).toMatchObject({ RoleARN: { 'Fn::GetAtt': ['FirehoseRole', 'Arn'] }, BucketARN: 'arn:aws:s3:::example-orders-cdc-archive', CompressionFormat: 'GZIP' });
  });

  it('scopes the role policies to the stream of the template', () => {
    const policy = (id: string) => ((resources[id]!.Properties.Policies as { PolicyDocument: { Statement: { Sid: string; Resource: unknown; Action: string[] }[] } }[])[0]!.PolicyDocument.Statement);
    const write = policy('DmsRole').find((s) => s.Sid === 'WriteToStream')!;
    expect(write).toMatchObject({ Action: ['kinesis:DescribeStream', 'kinesis:PutRecord', 'kinesis:PutRecords'], Resource: { 'Fn::GetAtt': ['Stream', 'Arn'] } });
    expect(policy('FirehoseRole').find((s) => s.Sid === 'ReadStream')!.Resource).toEqual({ 'Fn::GetAtt': ['Stream', 'Arn'] });
    for (const s of [...policy('DmsRole'), ...policy('FirehoseRole')]) expect(s.Resource).not.toBe('*');
  });

  it('puts the alarms on the stream and delivery stream of the template', () => {
    expect((resources.AlarmIteratorAge!.Properties.Dimensions as unknown[])[0]).toEqual({ Name: 'StreamName', Value: { Ref: 'Stream' } });
    expect((resources.AlarmFirehoseFreshness!.Properties.Dimensions as unknown[])[0]).toEqual({ Name: 'DeliveryStreamName', Value: { Ref: 'DeliveryStream' } });
  });

  it('prints as YAML without anchors, aliases or date-like scalars, and reads back the same', () => {
    const text = cloudFormationYaml(template);
    expect(text).not.toMatch(/[&*]a\d/);
    expect(text).toContain('AWSTemplateFormatVersion: "2010-09-09"');
    expect(parse(text)).toEqual(template);
  });
});

describe('CloudFormation template variants', () => {
  it('uses the role ARNs of the file instead of creating roles', () => {
    const resources = buildCloudFormation(parsePipeline(FULL, 'full')).template.Resources as Resources;
    expect(Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Role')).toEqual([]);
    expect((resources.DmsTargetEndpoint!.Properties.KinesisSettings as Record<string, unknown>).ServiceAccessRoleArn).toBe('arn:aws:iam::123456789012:role/cdcpipe-orders-dms');
  });

  it('DMS Serverless becomes an AWS::DMS::ReplicationConfig with its capacity', () => {
    const resources = buildCloudFormation(serverless()).template.Resources as Resources;
    expect(resources.DmsReplicationTask).toBeUndefined();
    expect(resources.DmsReplicationConfig).toMatchObject({
      Type: 'AWS::DMS::ReplicationConfig',
      Properties: { ReplicationConfigIdentifier: 'orders-cdc', ComputeConfig: { MinCapacityUnits: 2, MaxCapacityUnits: 16 }, TargetEndpointArn: { Ref: 'DmsTargetEndpoint' } },
    });
  });

  it('an on-demand stream has no ShardCount; encryption: false has no StreamEncryption', () => {
    const props = (buildCloudFormation(parsePipeline('stream: {name: s, mode: on-demand, encryption: false}', 'f')).template.Resources as Resources).Stream!.Properties;
    expect(props).toEqual({ Name: 's', StreamModeDetails: { StreamMode: 'ON_DEMAND' }, RetentionPeriodHours: 24 });
  });

  it('says what it leaves out: the task start and the DMS latency alarm', () => {
    const { warnings, template } = buildCloudFormation(parsePipeline(FULL, 'full'));
    expect(warnings.join('\n')).toMatch(/without starting it/);
    expect(warnings.join('\n')).toMatch(/dmsLatencySeconds: left out/);
    expect(Object.keys(template.Resources as Resources)).not.toContain('AlarmDmsLatency');
  });
});
