import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_PIPELINE_YAML, parsePipeline } from '../../src/core/pipeline-schema.js';
import { planCapacity } from '../../src/core/capacity.js';
import { desiredShardCount } from '../../src/core/provision/stream.js';
import { UsageError } from '../../src/errors.js';

const STREAM = 'stream: {name: orders, shards: 2}\n';
const DMS_OK = `dms:
  sourceEndpointArn: arn:aws:dms:us-east-1:123456789012:endpoint:SRC
  serviceAccessRoleArn: arn:aws:iam::123456789012:role/dms
  replicationInstanceArn: arn:aws:dms:us-east-1:123456789012:rep:INST
  task: {id: orders-cdc, migrationType: cdc, include: [public.%]}
`;

function errorOf(yaml: string): string {
  try {
    parsePipeline(yaml, 'cdcpipe.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('pipeline file: each error names its path and what it accepts', () => {
  it.each([
    ['a negative shard count', 'stream: {name: s, shards: -1}', 'stream.shards: expected a whole number from 1 to 10000, or auto (got -1)'],
    ['a fractional shard count', 'stream: {name: s, shards: 1.5}', 'stream.shards: expected a whole number from 1 to 10000, or auto (got 1.5)'],
    ['a shard count given as text', 'stream: {name: s, shards: "2"}', 'stream.shards: expected a whole number from 1 to 10000, or auto (got "2")'],
    ['no shards on a provisioned stream', 'stream: {name: s}', 'stream.shards: required with mode: provisioned'],
    ['shards on an on-demand stream', 'stream: {name: s, mode: on-demand, shards: 2}', 'stream.shards: not allowed with mode: on-demand'],
    ['shards auto without capacity', 'stream: {name: s, shards: auto}', 'stream.capacity: required when stream.shards is auto'],
    ['an unknown mode', 'stream: {name: s, mode: serverless}', 'stream.mode: expected provisioned | on-demand (got "serverless")'],
    ['retention under 24 h', 'stream: {name: s, shards: 1, retentionHours: 12}', 'stream.retentionHours: expected a whole number from 24 to 8760 (got 12)'],
    ['retention over 365 days', 'stream: {name: s, shards: 1, retentionHours: 9000}', 'stream.retentionHours: expected a whole number from 24 to 8760 (got 9000)'],
    ['a bad stream name', 'stream: {name: "a b", shards: 1}', 'stream.name: expected 1 to 128 characters of a-z A-Z 0-9 _ . -'],
    ['a missing stream name', 'stream: {shards: 1}', 'stream.name: required: expected string'],
    ['a missing stream section', 'tags: {a: b}', 'stream: required: expected object'],
    ['an unknown metric', 'stream: {name: s, shards: 1, enhancedMonitoring: [Bytes]}', 'stream.enhancedMonitoring[0]: expected IncomingBytes | IncomingRecords'],
    ['a record size under 1 MiB', 'stream: {name: s, shards: 1, maxRecordSizeKiB: 512}', 'stream.maxRecordSizeKiB: expected a whole number from 1024 to 10240 (got 512)'],
    ['encryption as text', 'stream: {name: s, shards: 1, encryption: yes-please}', 'stream.encryption: expected false, true or {kmsKeyId: <key id, ARN or alias>}'],
    ['an unknown stream key', 'stream: {name: s, shards: 1, shardz: 2}', "stream: unknown key 'shardz'; expected one of name, mode, shards, capacity"],
    ['an unknown top-level section', `${STREAM}kafka: {}`, "(file): unknown key 'kafka'; expected one of stream, dms, firehose, alarms, consumers, tags"],
    ['a bad migration type', `${STREAM}${DMS_OK.replace('migrationType: cdc', 'migrationType: cdc-only')}`, 'dms.task.migrationType: expected full-load | cdc | full-load-and-cdc (got "cdc-only")'],
    ['BatchApplyEnabled in task settings', `${STREAM}${DMS_OK.replace('include: [public.%]}', 'include: [public.%], settings: {TargetMetadata: {BatchApplyEnabled: true}}}')}`, 'dms.task.settings.TargetMetadata.BatchApplyEnabled: BatchApplyEnabled is refused'],
    ['a table pattern without schema', `${STREAM}${DMS_OK.replace('[public.%]', '[orders]')}`, "dms.task.include[0]: expected 'schema.table'"],
    ['no table selection', `${STREAM}${DMS_OK.replace(', include: [public.%]', '')}`, 'dms.task.include: required (or dms.task.tableMappings)'],
    ['both shorthand and raw mappings', `${STREAM}${DMS_OK.replace('include: [public.%]', 'include: [public.%], tableMappings: {rules: []}')}`, 'dms.task.tableMappings: expected either tableMappings or the include/exclude/partitionKeys shorthand'],
    ['raw mappings that are not JSON', `${STREAM}${DMS_OK.replace('include: [public.%]', 'tableMappings: "{rules"')}`, 'dms.task.tableMappings: expected valid JSON text'],
    ['a source endpoint that is not an ARN', `${STREAM}${DMS_OK.replace('arn:aws:dms:us-east-1:123456789012:endpoint:SRC', 'my-source')}`, 'dms.sourceEndpointArn: expected a DMS endpoint ARN'],
    ['both instance and serverless', `${STREAM}${DMS_OK}  serverless: {minDcu: 2, maxDcu: 4}\n`, 'dms.replicationInstanceArn: expected either replicationInstanceArn or serverless'],
    ['a DCU value DMS does not offer', `${STREAM}${DMS_OK.replace(/ {2}replicationInstanceArn.*\n/, '  serverless: {minDcu: 3, maxDcu: 4}\n')}`, 'dms.serverless.minDcu: expected one of 1, 2, 4, 8'],
    ['an unknown Kinesis setting', `${STREAM}${DMS_OK}  target: {kinesisSettings: {MessageFormat: avro}}\n`, 'dms.target.kinesisSettings.MessageFormat: expected json | json-unformatted (got "avro")'],
    ['a bucket ARN that is not one', `${STREAM}firehose: {name: f, roleArn: "arn:aws:iam::1:role/r", bucketArn: my-bucket}`, 'firehose.bucketArn: expected an S3 bucket ARN'],
    ['a buffer over 128 MiB', `${STREAM}firehose: {name: f, bucketArn: "arn:aws:s3:::bkt", buffering: {sizeMiB: 256}}`, 'firehose.buffering.sizeMiB: expected a whole number from 1 to 128 (got 256)'],
    ['a compression Firehose lacks', `${STREAM}firehose: {name: f, bucketArn: "arn:aws:s3:::bkt", compression: brotli}`, 'firehose.compression: expected UNCOMPRESSED | GZIP | ZIP | Snappy | HADOOP_SNAPPY'],
    ['a prefix expression without an error prefix', `${STREAM}firehose: {name: f, bucketArn: "arn:aws:s3:::bkt", prefix: "x/!{timestamp:yyyy}/"}`, 'firehose.errorOutputPrefix: required when firehose.prefix uses'],
    ['parquet with GZIP', `${STREAM}firehose: {name: f, bucketArn: "arn:aws:s3:::bkt", compression: GZIP, buffering: {sizeMiB: 64}, parquet: {glueDatabase: d, glueTable: t}}`, 'firehose.compression: expected UNCOMPRESSED with parquet'],
    ['a negative iterator-age threshold', `${STREAM}alarms: {iteratorAgeMs: -5}`, 'alarms.iteratorAgeMs: expected a number > 0 (got -5)'],
    ['a DMS alarm without a dms section', `${STREAM}alarms: {dmsLatencySeconds: 60}`, 'alarms.dmsLatencySeconds: needs a dms section'],
    ['an SNS topic that is not an ARN', `${STREAM}alarms: {snsTopicArn: alerts}`, 'alarms.snsTopicArn: expected an SNS topic ARN'],
    ['a tag value that is not text', `${STREAM}tags: {team: [a]}`, 'tags.team: expected string'],
    ['broken YAML', 'stream: [', 'cdcpipe.yaml line 1, column 10: not valid YAML or JSON'],
    ['an empty file', '', 'the file is empty'],
  ])('%s', (_name, yaml, expected) => {
    expect(errorOf(yaml)).toContain(expected);
  });

  // Issue 15 item 5: what AWS would refuse is refused here, before any call, naming the path.
  const FH = (extra: string) => `${STREAM}firehose: {name: f, roleArn: "arn:aws:iam::123456789012:role/fh", bucketArn: "arn:aws:s3:::bkt"${extra}}`;
  const ID_RULE = "expected 1 to 255 ASCII letters, digits and hyphens, starting with a letter, with no '--' and no trailing '-'";
  it.each([
    ['a task id ending in a hyphen', `${STREAM}${DMS_OK.replace('id: orders-cdc', 'id: orders-')}`, `dms.task.id: ${ID_RULE} (got "orders-")`],
    ['a task id with two hyphens in a row', `${STREAM}${DMS_OK.replace('id: orders-cdc', 'id: orders--cdc')}`, `dms.task.id: ${ID_RULE} (got "orders--cdc")`],
    ['a task id starting with a digit', `${STREAM}${DMS_OK.replace('id: orders-cdc', 'id: 1orders')}`, `dms.task.id: ${ID_RULE}`],
    ['a task id of 256 characters', `${STREAM}${DMS_OK.replace('id: orders-cdc', `id: a${'b'.repeat(255)}`)}`, `dms.task.id: ${ID_RULE}`],
    ['an endpoint id ending in a hyphen', `${STREAM}${DMS_OK}  target: {endpointId: target-}\n`, `dms.target.endpointId: ${ID_RULE} (got "target-")`],
    ['an endpoint id with an underscore', `${STREAM}${DMS_OK}  target: {endpointId: my_target}\n`, `dms.target.endpointId: ${ID_RULE}`],
    ['an error prefix with expressions but no error-output-type', FH(', prefix: "d/!{timestamp:yyyy}/", errorOutputPrefix: "e/!{timestamp:yyyy}/"'), 'firehose.errorOutputPrefix: expected !{firehose:error-output-type} in an error prefix that uses !{…} expressions'],
    ['a prefix with the error-output-type expression', FH(', prefix: "d/!{firehose:error-output-type}/", errorOutputPrefix: "e/"'), 'firehose.prefix: !{firehose:error-output-type} is allowed only in errorOutputPrefix'],
    ['an expression Firehose does not know', FH(', prefix: "d/!{date:yyyy}/", errorOutputPrefix: "e/"'), 'firehose.prefix: expected only !{timestamp:<format>}, !{firehose:random-string} and !{firehose:error-output-type} expressions (got "!{date:yyyy}")'],
    ['a prefix longer than 512 characters once evaluated', FH(`, prefix: "${'p'.repeat(520)}/"`), 'firehose.prefix: expected at most 512 characters once evaluated'],
    ['a bucket name with two dots in a row', `${STREAM}firehose: {name: f, bucketArn: "arn:aws:s3:::my..bucket"}`, 'firehose.bucketArn: expected an S3 bucket ARN'],
    ['a bucket named like an IP address', `${STREAM}firehose: {name: f, bucketArn: "arn:aws:s3:::192.168.10.20"}`, 'firehose.bucketArn: expected an S3 bucket ARN'],
    ['a bucket name with a reserved prefix', `${STREAM}firehose: {name: f, bucketArn: "arn:aws:s3:::xn--bucket"}`, 'firehose.bucketArn: expected an S3 bucket ARN'],
    ['a bucket name with a reserved suffix', `${STREAM}firehose: {name: f, bucketArn: "arn:aws:s3:::orders-s3alias"}`, 'firehose.bucketArn: expected an S3 bucket ARN'],
    ['a role ARN without a 12-digit account', `${STREAM}${DMS_OK.replace('123456789012:role/dms', '1234:role/dms')}`, 'dms.serviceAccessRoleArn: expected an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)'],
    ['a user ARN given as a role', `${STREAM}${DMS_OK.replace('role/dms', 'user/dms')}`, 'dms.serviceAccessRoleArn: expected an IAM role ARN'],
    ['a role name over 64 characters', FH('').replace('role/fh', `role/${'r'.repeat(65)}`), 'firehose.roleArn: expected an IAM role ARN'],
  ])('%s', (_name, yaml, expected) => {
    expect(errorOf(yaml)).toContain(expected);
  });
  it('a role ARN with a path, and bucket names with dots and digits, are accepted', () => {
    expect(() => parsePipeline(FH('').replace('role/fh', 'role/service-role/fh+x=y,z.w@v-1').replace('bkt', 'my.bucket-01'), 'f')).not.toThrow();
  });

  it('lists every problem, one per line, when there are several', () => {
    const msg = errorOf('stream: {name: s, shards: 0, retentionHours: 1, bogus: 1}');
    expect(msg).toMatch(/^cdcpipe\.yaml: 3 problems\n/);
    expect(msg).toContain("  stream: unknown key 'bogus'");
    expect(msg).toContain('  stream.retentionHours: expected a whole number from 24 to 8760 (got 1)');
  });
});

describe('pipeline file: accepted files and defaults', () => {
  it('a stream-only file gets 24 h retention, KMS alias/aws/kinesis and no monitoring', () => {
    expect(parsePipeline('stream: {name: s, shards: 2}', 'f').stream).toEqual({
      name: 's',
      mode: 'provisioned',
      shards: 2,
      retentionHours: 24,
      encryption: { kmsKeyId: 'alias/aws/kinesis' },
      enhancedMonitoring: [],
    });
  });
  it.each([
    ['encryption: false turns it off', 'encryption: false', false],
    ['encryption: true is the AWS managed key', 'encryption: true', { kmsKeyId: 'alias/aws/kinesis' }],
    ['a key ARN is kept', 'encryption: {kmsKeyId: "arn:aws:kms:us-east-1:1:key/abc"}', { kmsKeyId: 'arn:aws:kms:us-east-1:1:key/abc' }],
  ])('%s', (_name, line, expected) => {
    expect(parsePipeline(`stream:\n  name: s\n  shards: 1\n  ${line}\n`, 'f').stream.encryption).toEqual(expected);
  });
  it('JSON files are read too', () => {
    expect(parsePipeline('{"stream": {"name": "s", "mode": "on-demand"}}', 'f.json').stream.mode).toBe('on-demand');
  });
  it('BatchApplyEnabled: false is allowed', () => {
    expect(() => parsePipeline(`${STREAM}${DMS_OK.replace('include: [public.%]}', 'include: [public.%], settings: {TargetMetadata: {BatchApplyEnabled: false}}}')}`, 'f')).not.toThrow();
  });
  it('the --init example is examples/cdcpipe.full.yaml and is valid', async () => {
    const file = await readFile(new URL('../../examples/cdcpipe.full.yaml', import.meta.url), 'utf8');
    expect(EXAMPLE_PIPELINE_YAML).toBe(file);
    const cfg = parsePipeline(EXAMPLE_PIPELINE_YAML, 'example');
    expect(Object.keys(cfg)).toEqual(['stream', 'dms', 'firehose', 'alarms', 'tags']);
  });
  it("the --init example sizes `shards: auto` with its consumers, as `plan --consumers` does", () => {
    const cap = parsePipeline(EXAMPLE_PIPELINE_YAML, 'example').stream.capacity!;
    expect(cap).toMatchObject({ consumers: 3, efoConsumers: 0 });
    const plan = planCapacity({ rps: cap.rps, kb: cap.kb, peak: cap.peak!, consumers: 3, efoConsumers: 0 });
    expect(desiredShardCount(parsePipeline(EXAMPLE_PIPELINE_YAML, 'example'))).toBe(plan.shards.recommended);
    expect(plan.shards.recommended).toBeGreaterThan(planCapacity({ rps: cap.rps, kb: cap.kb, peak: cap.peak! }).shards.recommended);
  });
  it('the stream-only example is valid', async () => {
    const file = await readFile(new URL('../../examples/cdcpipe.stream-only.yaml', import.meta.url), 'utf8');
    expect(parsePipeline(file, 'example').stream).toMatchObject({ shards: 2, retentionHours: 48 });
  });
});
