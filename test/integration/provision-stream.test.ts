/**
 * `cdcpipe provision`, the stream part, against kinesis-local with the real built binary.
 * (DMS, Firehose, CloudWatch and IAM have no local server: see test/unit/provision-aws.test.ts.)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeStreamSummaryCommand, ListTagsForStreamCommand, type KinesisClient, type StreamDescriptionSummary } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { kinesisClient, listShards, openShards, runCli, uniqueStreamName } from '../helpers/kinesis.js';

let dir: string;
let client: KinesisClient;
const endpoint = () => inject('kinesisEndpoint');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cdcpipe-provision-'));
  client = kinesisClient(endpoint());
});
afterAll(async () => {
  client.destroy();
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, yaml: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, yaml);
  return path;
}

async function summary(stream: string): Promise<StreamDescriptionSummary> {
  return (await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary!;
}

const provision = (args: string[]) => runCli(['provision', ...args], { endpoint: endpoint() });

interface JsonDoc {
  schemaVersion: number;
  dryRun: boolean;
  applied: boolean;
  actions: { resource: string; name: string; action: string; detail: string }[];
}

/** Kinesis operations the binary called, from its `--debug` call log on stderr. */
function kinesisOps(stderr: string): string[] {
  return [...stderr.matchAll(/\[debug\] kinesis (\w+) /g)].map((m) => m[1]!);
}
const MUTATING = /^(Create|Delete|Increase|Decrease|Start|Stop|Enable|Disable|Update|AddTags|RemoveTags|Merge|Split|Register|Deregister|Put)/;

describe('provision: stream-only file (the issue\'s "Done when")', () => {
  const stream = uniqueStreamName('prov-done');
  const yaml = (retention: number, shards: string | number = 2) => `stream:\n  name: ${stream}\n  shards: ${shards}\n  retentionHours: ${retention}\n`;

  it('--yes --json creates the stream with 2 shards, 48 h retention and KMS encryption by default', async () => {
    const f = await file('done.yaml', yaml(48));
    const res = await provision(['--config', f, '--yes', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as JsonDoc;
    expect(doc).toMatchObject({ schemaVersion: 1, dryRun: false, applied: true });
    expect(doc.actions).toEqual([{ resource: 'kinesis-stream', name: stream, action: 'create', detail: '2 shards, 48 h retention, KMS alias/aws/kinesis' }]);
    const s = await summary(stream);
    expect(s.StreamStatus).toBe('ACTIVE');
    expect(s.RetentionPeriodHours).toBe(48);
    expect(s.EncryptionType).toBe('KMS');
    expect(s.KeyId).toBe('alias/aws/kinesis');
    expect(openShards(await listShards(client, stream))).toHaveLength(2);
  });

  it('a second run returns only `none` actions and makes no mutating call', async () => {
    const f = await file('done.yaml', yaml(48));
    const res = await provision(['--config', f, '--yes', '--json', '--debug']);
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as JsonDoc;
    expect(doc.actions.map((a) => a.action)).toEqual(['none']);
    expect(doc.applied).toBe(false);
    const ops = kinesisOps(res.stderr);
    expect(ops).toContain('DescribeStreamSummary'); // the call log is there, so "no mutating call" means something
    expect(ops.filter((op) => MUTATING.test(op))).toEqual([]);
  });

  it('--print-policies scopes the roles to the stream ARN kinesis-local returns (account id from that ARN, no STS)', async () => {
    const f = await file(
      'done-policies.yaml',
      `${yaml(48)}firehose: {name: ${stream}-fh, bucketArn: "arn:aws:s3:::bkt", prefix: cdc/}\n`,
    );
    const res = await provision(['--config', f, '--print-policies', '--json', '--debug']);
    expect(res.code, res.stderr).toBe(0);
    const arn = (await summary(stream)).StreamARN!;
    const account = arn.split(':')[4]!;
    const doc = JSON.parse(res.stdout) as { roles: { role: string; trustPolicy: { Statement: { Condition?: unknown }[] }; policy: { Statement: { Sid: string; Resource: unknown }[] } }[] };
    expect(doc.roles.map((r) => r.role)).toEqual(['firehose']);
    const statements = Object.fromEntries(doc.roles[0]!.policy.Statement.map((s) => [s.Sid, s.Resource]));
    expect(statements.ReadStream).toBe(arn);
    expect(statements.WriteObjects).toBe('arn:aws:s3:::bkt/cdc/*');
    expect(statements.DeliveryLogs).toBe(`arn:aws:logs:us-east-1:${account}:log-group:/aws/kinesisfirehose/${stream}-fh:log-stream:*`);
    expect(doc.roles[0]!.trustPolicy.Statement[0]!.Condition).toEqual({ StringEquals: { 'sts:ExternalId': account } });
    expect(new Set(kinesisOps(res.stderr))).toEqual(new Set(['DescribeStreamSummary', 'ListShards', 'ListTagsForStream']));
  });

  it('a human re-run says "no changes"', async () => {
    const f = await file('done.yaml', yaml(48));
    const res = await provision(['--config', f]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/no changes/);
  });

  it('retention 72 with --dry-run shows an update and leaves the stream at 48 h', async () => {
    const f = await file('done-72.yaml', yaml(72));
    const res = await provision(['--config', f, '--dry-run', '--json', '--debug']);
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as JsonDoc;
    expect(doc).toMatchObject({ dryRun: true, applied: false });
    expect(doc.actions).toEqual([{ resource: 'kinesis-stream', name: stream, action: 'update', detail: 'retention 48 h → 72 h' }]);
    expect(kinesisOps(res.stderr).filter((op) => MUTATING.test(op))).toEqual([]);
    expect((await summary(stream)).RetentionPeriodHours).toBe(48);
  });

  it('shards: -1 exits 2 naming stream.shards', async () => {
    const f = await file('done-bad.yaml', yaml(48, -1));
    const res = await provision(['--config', f, '--yes']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/stream\.shards: expected a whole number from 1 to 10000, or auto \(got -1\)/);
  });

  it('a change with no terminal and no --yes exits 2, names --yes and changes nothing', async () => {
    const f = await file('done-72.yaml', yaml(72));
    const res = await provision(['--config', f]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/pass --yes/);
    expect((await summary(stream)).RetentionPeriodHours).toBe(48);
  });

  it('--check exits 3 while the file differs, and 0 once applied', async () => {
    const f = await file('done-72.yaml', yaml(72));
    expect((await provision(['--config', f, '--check'])).code).toBe(3);
    const applied = await provision(['--config', f, '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    expect((await summary(stream)).RetentionPeriodHours).toBe(72);
    const check = await provision(['--config', f, '--check']);
    expect(check.code, check.stderr).toBe(0);
  });
});

describe('provision: updates in place', () => {
  it('turns on encryption, raises retention, enables enhanced monitoring and adds tags; then converges', async () => {
    const stream = uniqueStreamName('prov-upd');
    const plain = await file('upd-1.yaml', `stream:\n  name: ${stream}\n  shards: 1\n  encryption: false\n`);
    const created = await provision(['--config', plain, '--yes', '--json']);
    expect(created.code, created.stderr).toBe(0);
    expect((await summary(stream)).EncryptionType).toBe('NONE');

    const f = await file(
      'upd-2.yaml',
      `stream:\n  name: ${stream}\n  shards: 1\n  retentionHours: 36\n  encryption: {kmsKeyId: alias/aws/kinesis}\n  enhancedMonitoring: [IncomingBytes, OutgoingBytes]\ntags:\n  team: data\n`,
    );
    const res = await provision(['--config', f, '--yes', '--json', '--debug']);
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as JsonDoc;
    expect(doc.actions).toEqual([
      {
        resource: 'kinesis-stream',
        name: stream,
        action: 'update',
        detail: 'retention 24 h → 36 h; encryption none → KMS alias/aws/kinesis; enhanced monitoring +IncomingBytes,OutgoingBytes; tags team',
      },
    ]);
    const ops = kinesisOps(res.stderr);
    for (const op of ['IncreaseStreamRetentionPeriod', 'StartStreamEncryption', 'EnableEnhancedMonitoring', 'AddTagsToStream']) expect(ops).toContain(op);
    const s = await summary(stream);
    expect(s.RetentionPeriodHours).toBe(36);
    expect(s.EncryptionType).toBe('KMS');
    expect(s.EnhancedMonitoring?.[0]?.ShardLevelMetrics?.sort()).toEqual(['IncomingBytes', 'OutgoingBytes']);
    const tags = await client.send(new ListTagsForStreamCommand({ StreamName: stream }));
    expect(tags.Tags).toEqual([{ Key: 'team', Value: 'data' }]);

    const again = await provision(['--config', f, '--yes', '--json', '--debug']);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as JsonDoc).actions.map((a) => a.action)).toEqual(['none']);
    expect(kinesisOps(again.stderr).filter((op) => MUTATING.test(op))).toEqual([]);
  });

  it('lowers retention and disables a metric no longer in the file', async () => {
    const stream = uniqueStreamName('prov-down');
    const f1 = await file('down-1.yaml', `stream:\n  name: ${stream}\n  shards: 1\n  retentionHours: 48\n  enhancedMonitoring: [IncomingBytes, OutgoingBytes]\n`);
    expect((await provision(['--config', f1, '--yes'])).code).toBe(0);
    const f2 = await file('down-2.yaml', `stream:\n  name: ${stream}\n  shards: 1\n  enhancedMonitoring: [IncomingBytes]\n`);
    const res = await provision(['--config', f2, '--yes', '--json', '--debug']);
    expect(res.code, res.stderr).toBe(0);
    expect((JSON.parse(res.stdout) as JsonDoc).actions[0]!.detail).toBe('retention 48 h → 24 h; enhanced monitoring -OutgoingBytes');
    expect(kinesisOps(res.stderr)).toEqual(expect.arrayContaining(['DecreaseStreamRetentionPeriod', 'DisableEnhancedMonitoring']));
    const s = await summary(stream);
    expect(s.RetentionPeriodHours).toBe(24);
    expect(s.EnhancedMonitoring?.[0]?.ShardLevelMetrics).toEqual(['IncomingBytes']);
  });

  it('--dry-run on a new stream plans a create and creates nothing', async () => {
    const stream = uniqueStreamName('prov-dry');
    const f = await file('dry.yaml', `stream:\n  name: ${stream}\n  shards: 3\n`);
    const res = await provision(['--config', f, '--dry-run', '--json', '--debug']);
    expect(res.code, res.stderr).toBe(0);
    expect((JSON.parse(res.stdout) as JsonDoc).actions).toEqual([
      { resource: 'kinesis-stream', name: stream, action: 'create', detail: '3 shards, 24 h retention, KMS alias/aws/kinesis' },
    ]);
    expect(kinesisOps(res.stderr).filter((op) => MUTATING.test(op))).toEqual([]);
    await expect(summary(stream)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('shards: auto sizes the stream with the capacity calculator', async () => {
    const stream = uniqueStreamName('prov-auto');
    // 3,000 records/s of 1 KiB: the records/s limit (1,000 per shard) binds.
    const f = await file('auto.yaml', `stream:\n  name: ${stream}\n  shards: auto\n  capacity: {rps: 3000, kb: 1}\n  encryption: false\n`);
    const res = await provision(['--config', f, '--dry-run', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const detail = (JSON.parse(res.stdout) as JsonDoc).actions[0]!.detail;
    const shards = Number(/^(\d+) shards/.exec(detail)?.[1]);
    expect(shards).toBeGreaterThanOrEqual(3);
  });
});
