import { describe, expect, it } from 'vitest';
import { parsePipeline } from '../../src/core/pipeline-schema.js';
import { endpointModel } from '../../src/core/provision/dms-endpoint.js';
import { dmsTableMappings, replicationConfigModel, taskModel, type ObservedReplicationConfig, type ObservedTask, type ReplicationConfigRequest, type TaskRequest } from '../../src/core/provision/dms-task.js';
import { firehoseModel } from '../../src/core/provision/firehose.js';
import { checkRoleSources, literalPolicy, predictStreamArn, rolePolicy, type RoleKind } from '../../src/core/provision/iam.js';
import { shardSteps, streamModel, type ObservedStream } from '../../src/core/provision/stream.js';
import type { Known } from '../../src/core/provision/values.js';
import type { PipelineConfig } from '../../src/core/pipeline-schema.js';
import { UsageError } from '../../src/errors.js';

const KNOWN: Known = { partition: 'aws', region: 'eu-west-1', accountId: '111122223333' };
/** A role's policy with its ARNs filled in, as provision and --print-policies send it. */
const policyOf = (c: PipelineConfig, kind: RoleKind, known: Known = KNOWN) => literalPolicy(rolePolicy(c, kind), predictStreamArn(c.stream.name, known));
const dmsRolePolicy = (c: PipelineConfig, known?: Known) => policyOf(c, 'dms', known);
const firehoseRolePolicy = (c: PipelineConfig) => policyOf(c, 'firehose');
const planStream = (c: PipelineConfig, stream: ObservedStream | null) => streamModel.plan(streamModel.desired(c, { createRoles: false })[0]!, stream, KNOWN);
const STREAM_ARN = 'arn:aws:kinesis:eu-west-1:111122223333:stream/s';
const cfg = (extra = '', stream = 'stream: {name: s, shards: 2}') => parsePipeline(`${stream}\n${extra}`, 'f');
const FIREHOSE = 'firehose: {name: fh, roleArn: "arn:aws:iam::111122223333:role/fh", bucketArn: "arn:aws:s3:::bkt", prefix: "cdc/!{timestamp:yyyy}/", errorOutputPrefix: "err/"}';
const DMS = `dms:
  sourceEndpointArn: arn:aws:dms:eu-west-1:111122223333:endpoint:S
  serviceAccessRoleArn: arn:aws:iam::111122223333:role/dms
  replicationInstanceArn: arn:aws:dms:eu-west-1:111122223333:rep:I
  task: {id: t, migrationType: cdc, include: [public.%]}`;

const observedStream = (over: Partial<ObservedStream> = {}): ObservedStream => ({
  arn: STREAM_ARN,
  status: 'ACTIVE',
  mode: 'provisioned',
  openShards: 2,
  retentionHours: 24,
  kmsKeyId: 'alias/aws/kinesis',
  shardLevelMetrics: [],
  maxRecordSizeKiB: 1024,
  tags: {},
  ...over,
});

describe('stream plan', () => {
  it.each([
    ['a converged stream is none', observedStream(), 'none', '2 shards, 24 h retention, KMS alias/aws/kinesis'],
    ['a missing stream is created', null, 'create', '2 shards, 24 h retention, KMS alias/aws/kinesis'],
    ['an unencrypted stream gets encryption', observedStream({ kmsKeyId: undefined }), 'update', 'encryption none → KMS alias/aws/kinesis'],
    ['1 → 2 shards is one UpdateShardCount', observedStream({ openShards: 1 }), 'update', 'shards 1 → 2'],
    ['a deleting stream is drift', observedStream({ status: 'DELETING' }), 'drift', 'the stream is being deleted; re-run once it is gone'],
    ['on-demand → provisioned changes the mode', observedStream({ mode: 'on-demand', openShards: 4 }), 'update', 'mode on-demand → provisioned; shards 4 → 2'],
  ])('%s', (_name, stream, action, detail) => {
    expect(planStream(cfg(), stream)).toEqual([
      expect.objectContaining({ resource: 'kinesis-stream', name: 's', action, detail }),
    ]);
  });

  it.each([
    [2, 8, [4, 8]],
    [8, 3, [4, 3]],
    [3, 5, [5]],
    [1, 1, []],
  ])('UpdateShardCount steps from %i to %i stay within ×2 / ÷2: %j', (from, to, steps) => {
    expect(shardSteps(from, to)).toEqual(steps);
  });
});

describe('DMS table mappings from the shorthand', () => {
  it('include, exclude, per-table keys, and the primary key for everything else', () => {
    const task = parsePipeline(`stream: {name: s, shards: 1}\n${DMS.replace('include: [public.%]', 'include: [public.%], exclude: [public.tmp_%], partitionKeys: {public.lines: order_id}')}`, 'f').dms!.task;
    const rules = (dmsTableMappings(task) as { rules: Record<string, unknown>[] }).rules;
    expect(rules.map((r) => [r['rule-type'], r['rule-action'], r['object-locator'], r['mapping-parameters']])).toEqual([
      ['selection', 'include', { 'schema-name': 'public', 'table-name': '%' }, undefined],
      ['selection', 'exclude', { 'schema-name': 'public', 'table-name': 'tmp_%' }, undefined],
      ['object-mapping', 'map-record-to-record', { 'schema-name': 'public', 'table-name': 'lines' }, { 'partition-key-type': 'attribute-name', 'partition-key-name': 'order_id' }],
      ['object-mapping', 'map-record-to-record', { 'schema-name': 'public', 'table-name': '%' }, { 'partition-key-type': 'primary-key' }],
    ]);
    expect(rules.map((r) => r['rule-id'])).toEqual(['1', '2', '3', '4']);
  });
});

describe('least-privilege policies, scoped to exact ARNs', () => {
  it('DMS: write actions on the stream only, GenerateDataKey on the exact key when a key ARN is given', () => {
    const key = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const p = dmsRolePolicy(cfg(DMS, `stream: {name: s, shards: 2, encryption: {kmsKeyId: "${key}"}}`));
    expect(p.Statement).toEqual([
      { Sid: 'WriteToStream', Effect: 'Allow', Action: ['kinesis:DescribeStream', 'kinesis:PutRecord', 'kinesis:PutRecords'], Resource: STREAM_ARN },
      { Sid: 'EncryptWithStreamKey', Effect: 'Allow', Action: ['kms:GenerateDataKey'], Resource: key },
    ]);
  });
  it('DMS: no KMS statement when encryption is off', () => {
    expect(dmsRolePolicy(cfg(DMS, 'stream: {name: s, shards: 2, encryption: false}')).Statement.map((s) => s.Sid)).toEqual(['WriteToStream']);
  });
  it('a customer alias is limited to keys with that alias, used through Kinesis', () => {
    const kms = dmsRolePolicy(cfg(DMS, 'stream: {name: s, shards: 2, encryption: {kmsKeyId: alias/cdc}}')).Statement[1]!;
    expect(kms.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'kinesis.eu-west-1.amazonaws.com' }, 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/cdc' } });
  });
  it('Firehose: read the stream, write the static part of each prefix, decrypt, log', () => {
    const p = firehoseRolePolicy(cfg(FIREHOSE));
    const bySid = Object.fromEntries(p.Statement.map((s) => [s.Sid, s]));
    expect(Object.keys(bySid)).toEqual(['ReadStream', 'Bucket', 'WriteObjects', 'DecryptStream', 'DeliveryLogs']);
    expect(bySid.ReadStream!.Resource).toBe(STREAM_ARN);
    expect(bySid.ReadStream!.Action).not.toContain('kinesis:PutRecord');
    expect(bySid.Bucket!.Resource).toBe('arn:aws:s3:::bkt');
    expect(bySid.WriteObjects!.Resource).toEqual(['arn:aws:s3:::bkt/cdc/*', 'arn:aws:s3:::bkt/err/*']);
    expect(bySid.DecryptStream!.Action).toEqual(['kms:Decrypt']);
    expect(bySid.DeliveryLogs!.Resource).toBe('arn:aws:logs:eu-west-1:111122223333:log-group:/aws/kinesisfirehose/fh:log-stream:*');
  });
  it('without an account id (no stream yet, no ARN in the file) the policies cannot be scoped', () => {
    expect(() => dmsRolePolicy(cfg(DMS), { partition: 'aws', region: 'eu-west-1' })).toThrow(UsageError);
  });
});

describe('role sources', () => {
  it('without --create-roles, a DMS section needs serviceAccessRoleArn (exit 2 naming it)', () => {
    const noRole = cfg(DMS.replace(/ {2}serviceAccessRoleArn.*\n/, ''));
    expect(() => checkRoleSources(noRole, false)).toThrow(/dms\.serviceAccessRoleArn: required unless --create-roles/);
  });
});

describe('the S3 archive is one JSON record per line (issue 15 item 1)', () => {
  const both = `${DMS}\n${FIREHOSE}`;
  const settings = (c: PipelineConfig) => endpointModel.desired(c, { createRoles: false })[0]!.kinesisSettings;
  const destination = (c: PipelineConfig) => firehoseModel.desired(c, { createRoles: false })[0]!.destination;
  const DELIMITER = { Type: 'AppendDelimiterToRecord' };

  it('by default DMS writes single-line JSON and Firehose appends a newline after each record', () => {
    expect(settings(cfg(both)).MessageFormat).toBe('json-unformatted');
    expect(destination(cfg(both)).ProcessingConfiguration).toEqual({ Enabled: true, Processors: [DELIMITER] });
  });
  it('the file can still ask for pretty JSON and no delimiter; provision warns about pretty JSON into S3', () => {
    const c = cfg(`${DMS}\n  target: {kinesisSettings: {MessageFormat: json}}\n${FIREHOSE.replace(/}$/, ', appendDelimiter: false}')}`);
    expect(settings(c).MessageFormat).toBe('json');
    expect(destination(c).ProcessingConfiguration).toBeUndefined();
    expect(endpointModel.warnings!(c)).toEqual([expect.stringContaining('dms.target.kinesisSettings.MessageFormat: json is multi-line JSON')]);
  });
  it('no warning by default, nor for pretty JSON without a Firehose section', () => {
    expect(endpointModel.warnings!(cfg(both))).toEqual([]);
    expect(endpointModel.warnings!(cfg(`${DMS}\n  target: {kinesisSettings: {MessageFormat: json}}`))).toEqual([]);
  });
  it('a Lambda processor runs first, then the delimiter; Parquet conversion needs no delimiter', () => {
    const lambda = cfg(`${DMS}\n${FIREHOSE.replace(/}$/, ', processor: {lambdaArn: "arn:aws:lambda:eu-west-1:111122223333:function:f"}}')}`);
    expect((destination(lambda).ProcessingConfiguration as { Processors: { Type: string }[] }).Processors.map((p) => p.Type)).toEqual(['Lambda', 'AppendDelimiterToRecord']);
    const parquet = cfg(`${DMS}\nfirehose: {name: fh, roleArn: "arn:aws:iam::111122223333:role/fh", bucketArn: "arn:aws:s3:::bkt", buffering: {sizeMiB: 64}, parquet: {glueDatabase: d, glueTable: t}}`);
    expect(destination(parquet).ProcessingConfiguration).toBeUndefined();
  });
});

describe('the DMS task lifecycle: planned from Status, StopReason and the migration type (issue 15 item 3)', () => {
  const KNOWN_EP: Known = { ...KNOWN, endpointArn: 'arn:aws:dms:eu-west-1:111122223333:endpoint:TARGET' };
  const taskCfg = (migrationType: string) => cfg(DMS.replace('migrationType: cdc', `migrationType: ${migrationType}`));
  const plan = (migrationType: string, over: Record<string, unknown>, restartFailed = false) => {
    const c = taskCfg(migrationType);
    const d = taskModel.desired(c, { createRoles: false, restartFailed })[0]!;
    const observed = {
      arn: 'arn:aws:dms:eu-west-1:111122223333:task:T',
      status: 'stopped',
      migrationType,
      tableMappings: JSON.stringify(d.tableMappings),
      settings: '{}',
      sourceEndpointArn: c.dms!.sourceEndpointArn,
      targetEndpointArn: KNOWN_EP.endpointArn!,
      replicationInstanceArn: c.dms!.replicationInstanceArn!,
      startedBefore: true,
      ...over,
    } as ObservedTask;
    return taskModel.plan(d, observed, KNOWN_EP).map((a) => [a.action, a.detail, (a.request as TaskRequest | undefined)?.start?.StartReplicationTaskType]);
  };

  it.each([
    ['a finished full load converges to none', 'full-load', { stopReason: 'Stop Reason FULL_LOAD_ONLY_FINISHED' }, [['none', expect.stringContaining('full load finished'), undefined]]],
    ['a task stopped after its full load, as its settings ask, is left stopped', 'full-load-and-cdc', { stopReason: 'Stop Reason STOPPED_AFTER_FULL_LOAD' }, [['none', expect.stringContaining('STOPPED_AFTER_FULL_LOAD'), undefined]]],
    ['a task stopped after its cached events is left stopped', 'full-load-and-cdc', { stopReason: 'Stop Reason STOPPED_AFTER_CACHED_EVENTS' }, [['none', expect.stringContaining('STOPPED_AFTER_CACHED_EVENTS'), undefined]]],
    ['a CDC task someone stopped is resumed', 'cdc', { stopReason: 'Stop Reason NORMAL' }, [['none', expect.any(String), undefined], ['start', 'resume-processing (was stopped)', 'resume-processing']]],
    ['a task that never ran gets its first start', 'cdc', { status: 'ready', startedBefore: false }, [['none', expect.any(String), undefined], ['start', 'start-replication (first start)', 'start-replication']]],
    ['a running task is left alone', 'cdc', { status: 'running' }, [['none', expect.any(String), undefined]]],
  ])('%s', (_name, migrationType, over, expected) => {
    expect(plan(migrationType, over)).toEqual(expected);
  });

  it('a failed task shows its LastFailureMessage and is not restarted without --restart-failed', () => {
    const failed = { status: 'failed', lastFailureMessage: 'Last Error Stream Component Fatal error. Task error notification received.' };
    expect(plan('cdc', failed)).toEqual([
      ['none', expect.any(String), undefined],
      ['drift', 'the task failed: Last Error Stream Component Fatal error. Task error notification received.; fix the cause, then re-run with --restart-failed', undefined],
    ]);
    expect(plan('cdc', failed, true)).toEqual([
      ['none', expect.any(String), undefined],
      ['start', 'resume-processing (--restart-failed; it failed: Last Error Stream Component Fatal error. Task error notification received.)', 'resume-processing'],
    ]);
  });
  it('a task stopped by an error is treated as failed', () => {
    expect(plan('cdc', { stopReason: 'Stop Reason FATAL_ERROR' })[1]).toEqual(['drift', expect.stringContaining('FATAL_ERROR; fix the cause, then re-run with --restart-failed'), undefined]);
  });

  describe('DMS Serverless', () => {
    const slCfg = (migrationType: string) =>
      cfg(DMS.replace('migrationType: cdc', `migrationType: ${migrationType}`).replace(/ {2}replicationInstanceArn.*\n/, '  serverless: {minDcu: 2, maxDcu: 4}\n'));
    const planRc = (migrationType: string, over: Record<string, unknown>, restartFailed = false) => {
      const c = slCfg(migrationType);
      const d = replicationConfigModel.desired(c, { createRoles: false, restartFailed })[0]!;
      const observed = {
        arn: 'arn:aws:dms:eu-west-1:111122223333:replication-config:RC',
        replicationType: migrationType,
        tableMappings: JSON.stringify(d.tableMappings),
        settings: '{}',
        sourceEndpointArn: c.dms!.sourceEndpointArn,
        targetEndpointArn: KNOWN_EP.endpointArn!,
        minDcu: 2,
        maxDcu: 4,
        status: 'stopped',
        startedBefore: true,
        ...over,
      } as ObservedReplicationConfig;
      return replicationConfigModel.plan(d, observed, KNOWN_EP).map((a) => [a.action, a.detail, (a.request as ReplicationConfigRequest | undefined)?.start?.StartReplicationType]);
    };
    it('a finished full-load replication converges to none (no resume-processing: the API rules it out)', () => {
      expect(planRc('full-load', { stopReason: 'Stop Reason FULL_LOAD_ONLY_FINISHED' })).toEqual([['none', expect.stringContaining('full load finished'), undefined]]);
    });
    it('a stopped full-load replication is not resumed: resume-processing does not apply to it', () => {
      expect(planRc('full-load', { stopReason: 'Stop Reason NORMAL' })).toEqual([['none', expect.stringContaining('reload-target'), undefined]]);
    });
    it('a failed full-load replication is restarted with reload-target, and only with --restart-failed', () => {
      const failed = { status: 'failed', failureMessage: 'Replication failed: source unreachable' };
      expect(planRc('full-load', failed)[1]).toEqual(['drift', expect.stringContaining('Replication failed: source unreachable'), undefined]);
      expect(planRc('full-load', failed, true)[1]).toEqual(['start', expect.stringContaining('reload-target'), 'reload-target']);
    });
    it('a stopped CDC replication is resumed', () => {
      expect(planRc('cdc', { stopReason: 'Stop Reason NORMAL' })[1]).toEqual(['start', 'resume-processing (was stopped)', 'resume-processing']);
    });
  });
});

describe('open questions answered (issue 15 item 6)', () => {
  // DescribeStreamSummary KeyId "can be a globally unique identifier, a fully specified ARN to either an
  // alias or a key, or an alias name prefixed by alias/" (Kinesis API Reference, StreamDescriptionSummary):
  // it need not come back in the form the file gave, and a re-run must not plan StartStreamEncryption forever.
  const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
  const withKey = (kmsKeyId: string) => cfg('', `stream: {name: s, shards: 2, encryption: {kmsKeyId: "${kmsKeyId}"}}`);
  it.each([
    ['the alias back as an alias ARN', 'alias/aws/kinesis', 'arn:aws:kms:eu-west-1:111122223333:alias/aws/kinesis', 'none'],
    ['a key id back as a key ARN', KEY_ID, `arn:aws:kms:eu-west-1:111122223333:key/${KEY_ID}`, 'none'],
    ['a key ARN back as a key id', `arn:aws:kms:eu-west-1:111122223333:key/${KEY_ID}`, KEY_ID, 'none'],
    ['the alias back as the key id it points to (only KMS could tell)', 'alias/aws/kinesis', KEY_ID, 'none'],
    ['another alias', 'alias/aws/kinesis', 'alias/cdc', 'update'],
    ['another key', `arn:aws:kms:eu-west-1:111122223333:key/${KEY_ID}`, 'arn:aws:kms:eu-west-1:111122223333:key/99999999-12ab-34cd-56ef-1234567890ab', 'update'],
  ])('%s: %s', (_name, wanted, reported, action) => {
    expect(planStream(withKey(wanted), observedStream({ kmsKeyId: reported }))[0]!.action).toBe(action);
  });
  it('a key id reported for an alias is named in the detail, with why it is not compared', () => {
    expect(planStream(withKey('alias/aws/kinesis'), observedStream({ kmsKeyId: KEY_ID }))[0]!.detail).toContain(`KMS ${KEY_ID} (the file's alias/aws/kinesis is not compared with a key id`);
  });

  // The DMS guide does not say which object-mapping rule wins when two match one table.
  it('a partitionKeys table that an include wildcard also matches is warned about', () => {
    const overlap = cfg(DMS.replace('include: [public.%]', 'include: [public.%], partitionKeys: {public.lines: order_id}'));
    expect(taskModel.warnings!(overlap)).toEqual([expect.stringContaining('dms.task.partitionKeys: public.lines is also matched by include public.%')]);
    const apart = cfg(DMS.replace('include: [public.%]', 'include: [public.orders, public.lines], partitionKeys: {public.lines: order_id}'));
    expect(taskModel.warnings!(apart)).toEqual([]);
  });
});
