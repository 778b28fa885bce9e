/**
 * `cdcpipe provision` end to end on moto, a second real AWS server: the whole of
 * examples/cdcpipe.full.yaml (stream, IAM roles, DMS endpoint and task, Firehose, alarms) with
 * --create-roles, a re-run that sends no mutating call, out-of-band changes that --check names and the
 * next apply converges, the CloudFormation template naming the same resources, --test-connection, a running
 * task's drift, and lost answers to creating calls. moto serves every service here, Kinesis included; its
 * two DMS gaps are bridged by test/helpers/moto.ts. What moto lacks (ModifyEndpoint, ModifyReplicationTask,
 * DMS Serverless, StopReason, table statistics, IAM propagation delays) is in test/unit/provision-aws.test.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateReplicationInstanceCommand,
  DatabaseMigrationServiceClient,
  DescribeConnectionsCommand,
  DescribeEndpointsCommand,
  DescribeReplicationTasksCommand,
} from '@aws-sdk/client-database-migration-service';
import { DescribeDeliveryStreamCommand, FirehoseClient, UpdateDestinationCommand } from '@aws-sdk/client-firehose';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { DecreaseStreamRetentionPeriodCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { motoTestsEnabled, startMoto, type Moto } from '../helpers/moto.js';
import { REGION, TEST_CREDENTIALS, runCli, type CliResult } from '../helpers/kinesis.js';
import { tempDir } from '../helpers/temp-dir.js';

const dir = tempDir('provision-moto');
const EXAMPLE = readFileSync(fileURLToPath(new URL('../../examples/cdcpipe.full.yaml', import.meta.url)), 'utf8');

/** Every AWS call of a --debug run, as "service Operation". */
const calls = (stderr: string) => [...stderr.matchAll(/\[debug\] (\w+) (\w+) /g)].map((m) => `${m[1]} ${m[2]}`);
/**
 * The calls that change nothing. Anything else (Create*, Put*, Update*, Modify*, Start*, Add*, Tag*,
 * Increase*, Enable*, TestConnection, …) counts as a change.
 */
const READ_ONLY = /^\w+ (Describe|List|Get)[A-Z]/;
const SNS = 'arn:aws:sns:us-east-1:123456789012:data-platform-alerts';
const ALARMS = ['cdcpipe-orders-cdc-dms-latency', 'cdcpipe-orders-cdc-iterator-age', 'cdcpipe-orders-cdc-to-s3-firehose-freshness', 'cdcpipe-orders-cdc-write-throttles'];
type Action = { resource: string; name: string; action: string; detail: string };

describe.runIf(motoTestsEnabled())('provision the full example on moto', () => {
  let moto: Moto;
  let file: string;
  let cfg: { dms: { sourceEndpointArn: string; replicationInstanceArn: string } };
  const sdk = { region: REGION, credentials: TEST_CREDENTIALS, requestHandler: new NodeHttpHandler() };
  let dms: DatabaseMigrationServiceClient;
  let firehose: FirehoseClient;
  let cloudwatch: CloudWatchClient;
  let kinesis: KinesisClient;
  let iam: IAMClient;
  const endpoint = async () => (await dms.send(new DescribeEndpointsCommand({ Filters: [{ Name: 'endpoint-id', Values: ['orders-cdc-kinesis-target'] }] }))).Endpoints![0]!;
  const deliveryStream = async () => (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'orders-cdc-to-s3' }))).DeliveryStreamDescription!;
  const alarmsByName = async () => new Map<string, MetricAlarm>(((await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'cdcpipe-' }))).MetricAlarms ?? []).map((a) => [a.AlarmName!, a]));
  const cli = (args: string[]): Promise<CliResult> => runCli(['provision', '--config', file, ...args], { env: { AWS_ENDPOINT_URL: moto.endpoint } });

  beforeAll(async () => {
    moto = await startMoto();
    dms = new DatabaseMigrationServiceClient({ ...sdk, endpoint: moto.endpoint });
    firehose = new FirehoseClient({ ...sdk, endpoint: moto.endpoint });
    cloudwatch = new CloudWatchClient({ ...sdk, endpoint: moto.endpoint });
    kinesis = new KinesisClient({ ...sdk, endpoint: moto.endpoint });
    iam = new IAMClient({ ...sdk, endpoint: moto.endpoint });
    // What the example file expects to exist already: the source database's endpoint and a replication instance.
    const source = await dms.send(
      new CreateEndpointCommand({ EndpointIdentifier: 'orders-source', EndpointType: 'source', EngineName: 'postgres', ServerName: 'db.example.internal', Port: 5432, DatabaseName: 'orders', Username: 'cdc' }),
    );
    const instance = await dms.send(new CreateReplicationInstanceCommand({ ReplicationInstanceIdentifier: 'orders-replication', ReplicationInstanceClass: 'dms.t3.medium' }));
    const text = EXAMPLE.replace('arn:aws:dms:us-east-1:123456789012:endpoint:SOURCEPOSTGRES', source.Endpoint!.EndpointArn!)
      .replace('arn:aws:dms:us-east-1:123456789012:rep:ORDERSREPLICATION', instance.ReplicationInstance!.ReplicationInstanceArn!)
      // --create-roles makes both roles: the file must not name them.
      .replace(/^ {2}(serviceAccessRoleArn|roleArn): .*\n/gm, '');
    // The example must still name what is replaced above.
    if (/SOURCEPOSTGRES|ORDERSREPLICATION|roleArn|serviceAccessRoleArn/.test(text)) throw new Error(`examples/cdcpipe.full.yaml changed: the test's edits no longer apply:\n${text}`);
    file = join(dir, 'cdcpipe.yaml');
    writeFileSync(file, text);
    cfg = parseYaml(text);
  }, 60_000);
  afterAll(async () => {
    for (const c of [dms, firehose, cloudwatch, kinesis, iam]) c?.destroy();
    await moto?.stop();
  });

  // --- the tests, in order: each starts from what the one before left.

  it('the full example provisions with --create-roles: every resource is on moto as the file says', async () => {
    const res = await cli(['--yes', '--create-roles', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.applied).toBe(true);
    expect(report.actions.map((a: Action) => `${a.action} ${a.resource} ${a.name}`)).toEqual([
      'create kinesis-stream orders-cdc',
      'create iam-role cdcpipe-orders-cdc-dms',
      'create iam-role cdcpipe-orders-cdc-to-s3-firehose',
      'create dms-endpoint orders-cdc-kinesis-target',
      'create dms-task orders-cdc',
      'create firehose orders-cdc-to-s3',
      'create cloudwatch-alarm cdcpipe-orders-cdc-iterator-age',
      'create cloudwatch-alarm cdcpipe-orders-cdc-write-throttles',
      'create cloudwatch-alarm cdcpipe-orders-cdc-dms-latency',
      'create cloudwatch-alarm cdcpipe-orders-cdc-to-s3-firehose-freshness',
      'start dms-task orders-cdc',
    ]);

    // What moto now holds, read back with the SDK.
    const stream = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'orders-cdc' }))).StreamDescriptionSummary!;
    expect(stream).toMatchObject({ StreamStatus: 'ACTIVE', OpenShardCount: 6, RetentionPeriodHours: 48, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
    expect(new Set(stream.EnhancedMonitoring!.flatMap((m) => m.ShardLevelMetrics ?? []))).toEqual(new Set(['IncomingBytes', 'IteratorAgeMilliseconds']));
    const dmsRole = (await iam.send(new GetRoleCommand({ RoleName: 'cdcpipe-orders-cdc-dms' }))).Role!;
    const firehoseRole = (await iam.send(new GetRoleCommand({ RoleName: 'cdcpipe-orders-cdc-to-s3-firehose' }))).Role!;
    expect(JSON.parse(decodeURIComponent(dmsRole.AssumeRolePolicyDocument!)).Statement[0].Principal).toEqual({ Service: 'dms.amazonaws.com' });

    const target = await endpoint();
    // AWS answers TARGET; moto answers target.
    expect({ type: target.EndpointType?.toUpperCase(), engine: target.EngineName }).toEqual({ type: 'TARGET', engine: 'kinesis' });
    expect(target.KinesisSettings).toMatchObject({ StreamArn: stream.StreamARN, ServiceAccessRoleArn: dmsRole.Arn, IncludeTransactionDetails: true });
    const task = (await dms.send(new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-id', Values: ['orders-cdc'] }] }))).ReplicationTasks![0]!;
    expect(task).toMatchObject({
      MigrationType: 'full-load-and-cdc',
      SourceEndpointArn: cfg.dms.sourceEndpointArn,
      TargetEndpointArn: target.EndpointArn,
      ReplicationInstanceArn: cfg.dms.replicationInstanceArn,
      Status: 'running',
    });
    expect(JSON.parse(task.TableMappings!).rules.map((r: { 'rule-action': string }) => r['rule-action'])).toEqual(['include', 'exclude', 'map-record-to-record', 'map-record-to-record']);

    const fh = await deliveryStream();
    expect(fh.DeliveryStreamStatus).toBe('ACTIVE');
    expect(fh.Source?.KinesisStreamSourceDescription).toMatchObject({ KinesisStreamARN: stream.StreamARN, RoleARN: firehoseRole.Arn });
    expect(fh.Destinations![0]!.ExtendedS3DestinationDescription).toMatchObject({
      BucketARN: 'arn:aws:s3:::example-orders-cdc-archive',
      RoleARN: firehoseRole.Arn,
      BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 300 },
      CompressionFormat: 'GZIP',
    });

    const alarms = await alarmsByName();
    expect([...alarms.keys()].sort()).toEqual(ALARMS);
    expect(alarms.get('cdcpipe-orders-cdc-iterator-age')).toMatchObject({ Threshold: 60000, MetricName: 'GetRecords.IteratorAgeMilliseconds', AlarmActions: [SNS] });
    // The DMS latency alarm's dimensions: the instance's identifier and the task's resource id (the last part of its ARN).
    expect(alarms.get('cdcpipe-orders-cdc-dms-latency')!.Dimensions).toEqual([
      { Name: 'ReplicationInstanceIdentifier', Value: 'orders-replication' },
      { Name: 'ReplicationTaskIdentifier', Value: task.ReplicationTaskArn!.split(':').pop() },
    ]);
  });

  it('the re-run plans only `none` and makes no mutating call (the --debug call log)', async () => {
    const res = await cli(['--yes', '--create-roles', '--debug']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('no changes');
    const sent = calls(res.stderr);
    // Every resource was read...
    for (const read of ['kinesis DescribeStreamSummary', 'iam GetRole', 'iam GetRolePolicy', 'dms DescribeEndpoints', 'dms DescribeReplicationTasks', 'firehose DescribeDeliveryStream', 'cloudwatch DescribeAlarms']) {
      expect(sent).toContain(read);
    }
    // ...and nothing was changed.
    expect(sent.filter((c) => !READ_ONLY.test(c))).toEqual([]);
  });

  const outOfBand = [
    {
      what: 'Firehose buffering',
      resource: 'firehose',
      name: 'orders-cdc-to-s3',
      detail: /BufferingHints/,
      call: 'firehose UpdateDestination',
      change: async () => {
        const fh = await deliveryStream();
        await firehose.send(
          new UpdateDestinationCommand({
            DeliveryStreamName: 'orders-cdc-to-s3',
            CurrentDeliveryStreamVersionId: fh.VersionId!,
            DestinationId: fh.Destinations![0]!.DestinationId!,
            ExtendedS3DestinationUpdate: { BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 60 } },
          }),
        );
      },
      current: async () => (await deliveryStream()).Destinations![0]!.ExtendedS3DestinationDescription!.BufferingHints,
      changed: { SizeInMBs: 5, IntervalInSeconds: 60 },
      wanted: { SizeInMBs: 64, IntervalInSeconds: 300 },
    },
    {
      what: 'an alarm threshold',
      resource: 'cloudwatch-alarm',
      name: 'cdcpipe-orders-cdc-iterator-age',
      detail: /IteratorAgeMilliseconds/,
      call: 'cloudwatch PutMetricAlarm',
      change: async () => {
        const a = (await alarmsByName()).get('cdcpipe-orders-cdc-iterator-age')!;
        await cloudwatch.send(
          new PutMetricAlarmCommand({
            AlarmName: a.AlarmName!,
            AlarmDescription: a.AlarmDescription,
            Namespace: a.Namespace,
            MetricName: a.MetricName,
            Dimensions: a.Dimensions,
            Statistic: a.Statistic,
            Period: a.Period,
            EvaluationPeriods: a.EvaluationPeriods,
            DatapointsToAlarm: a.DatapointsToAlarm,
            Threshold: 600000,
            ComparisonOperator: a.ComparisonOperator,
            TreatMissingData: a.TreatMissingData,
            AlarmActions: a.AlarmActions,
            OKActions: a.OKActions,
          }),
        );
      },
      current: async () => (await alarmsByName()).get('cdcpipe-orders-cdc-iterator-age')!.Threshold,
      changed: 600000,
      wanted: 60000,
    },
    {
      what: 'the stream retention',
      resource: 'kinesis-stream',
      name: 'orders-cdc',
      detail: /retention 24 h → 48 h/,
      call: 'kinesis IncreaseStreamRetentionPeriod',
      change: async () => {
        await kinesis.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: 'orders-cdc', RetentionPeriodHours: 24 }));
      },
      current: async () => (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'orders-cdc' }))).StreamDescriptionSummary!.RetentionPeriodHours,
      changed: 24,
      wanted: 48,
    },
    // A DMS endpoint setting changed out of band is in test/unit/provision-aws.test.ts, on aws-sdk-client-mock:
    // moto 5.2.1 has no ModifyEndpoint (nor ModifyReplicationTask); it answers them with an HTML 404 page.
  ];

  it('out-of-band changes (Firehose buffering, an alarm threshold, the stream retention): --check exits 3 naming each, the next apply converges', async () => {
    for (const c of outOfBand) await c.change();
    for (const c of outOfBand) expect(await c.current(), c.what).toEqual(c.changed);

    const check = await cli(['--check', '--create-roles', '--json']);
    expect(check.code, check.stderr).toBe(3);
    const differing = JSON.parse(check.stdout).actions.filter((a: Action) => a.action !== 'none');
    expect(differing).toEqual(
      expect.arrayContaining(outOfBand.map((c) => ({ resource: c.resource, name: c.name, action: 'update', detail: expect.stringMatching(c.detail) }))),
    );
    expect(differing).toHaveLength(outOfBand.length);
    expect(check.stderr).toMatch(new RegExp(`error: ${outOfBand.length} of 10 resources differ from .*cdcpipe\\.yaml`));

    const apply = await cli(['--yes', '--create-roles', '--debug']);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain(`applied ${outOfBand.length} changes`);
    // One call puts each back, and nothing else changes.
    expect(calls(apply.stderr).filter((call) => !READ_ONLY.test(call)).sort()).toEqual(outOfBand.map((c) => c.call).sort());
    for (const c of outOfBand) expect(await c.current(), c.what).toEqual(c.wanted);

    const after = await cli(['--check', '--create-roles', '--json']);
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout).actions.filter((a: Action) => a.action !== 'none')).toEqual([]);
  });

  it('--emit cloudformation parses and names the same resources provision made', async () => {
    const res = await cli(['--emit', 'cloudformation', '--create-roles']);
    expect(res.code, res.stderr).toBe(0);
    const template = parseYaml(res.stdout) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const NAME_OF: Record<string, [string, string]> = {
      'AWS::Kinesis::Stream': ['kinesis-stream', 'Name'],
      'AWS::IAM::Role': ['iam-role', 'RoleName'],
      'AWS::DMS::Endpoint': ['dms-endpoint', 'EndpointIdentifier'],
      'AWS::DMS::ReplicationTask': ['dms-task', 'ReplicationTaskIdentifier'],
      'AWS::KinesisFirehose::DeliveryStream': ['firehose', 'DeliveryStreamName'],
      'AWS::CloudWatch::Alarm': ['cloudwatch-alarm', 'AlarmName'],
    };
    const inTemplate = Object.values(template.Resources).map((r) => {
      const [kind, key] = NAME_OF[r.Type] ?? [r.Type, ''];
      return `${kind} ${String(r.Properties[key])}`;
    });
    const plan = JSON.parse((await cli(['--dry-run', '--create-roles', '--json'])).stdout).actions as Action[];
    const provisioned = plan.filter((a) => a.action === 'none').map((a) => `${a.resource} ${a.name}`);
    // The one resource the template leaves out, and says so: the DMS latency alarm (its dimension needs a lookup).
    expect(res.stderr).toMatch(/alarms\.dmsLatencySeconds: left out of the template/);
    expect(inTemplate.sort()).toEqual(provisioned.filter((r) => r !== 'cloudwatch-alarm cdcpipe-orders-cdc-dms-latency').sort());

    // And the template describes them as moto holds them.
    const byType = (type: string) => Object.values(template.Resources).find((r) => r.Type === type)!.Properties;
    const stream = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'orders-cdc' }))).StreamDescriptionSummary!;
    expect(byType('AWS::Kinesis::Stream')).toMatchObject({ ShardCount: stream.OpenShardCount, RetentionPeriodHours: stream.RetentionPeriodHours });
    const s3 = (await deliveryStream()).Destinations![0]!.ExtendedS3DestinationDescription!;
    expect(byType('AWS::KinesisFirehose::DeliveryStream').ExtendedS3DestinationConfiguration).toMatchObject({ BufferingHints: s3.BufferingHints, CompressionFormat: s3.CompressionFormat, BucketARN: s3.BucketARN });
    const alarms = await alarmsByName();
    for (const r of Object.values(template.Resources).filter((x) => x.Type === 'AWS::CloudWatch::Alarm')) {
      expect(r.Properties.Threshold).toBe(alarms.get(String(r.Properties.AlarmName))!.Threshold);
    }
  });

  it('--test-connection on a converged pipeline: TestConnection from the instance, then DescribeConnections until successful', async () => {
    const res = await cli(['--yes', '--create-roles', '--test-connection', '--debug']);
    expect(res.code, res.stderr).toBe(0);
    const sent = calls(res.stderr);
    expect(sent.filter((c) => !READ_ONLY.test(c))).toEqual(['dms TestConnection']);
    expect(sent).toContain('dms DescribeConnections');
    const target = await endpoint();
    const connections = (await dms.send(new DescribeConnectionsCommand({ Filters: [{ Name: 'endpoint-arn', Values: [target.EndpointArn!] }] }))).Connections ?? [];
    expect(connections.map((c) => [c.ReplicationInstanceArn, c.Status])).toEqual([[cfg.dms.replicationInstanceArn, 'successful']]);
  });

  it("a running task whose table mappings differ is drift (ModifyReplicationTask needs it stopped): exit 3, nothing is touched", async () => {
    const other = join(dir, 'sales.yaml');
    writeFileSync(other, readFileSync(file, 'utf8').replace('include: ["public.%"]', 'include: ["sales.%"]'));
    const res = await runCli(['provision', '--config', other, '--yes', '--create-roles', '--json', '--debug'], { env: { AWS_ENDPOINT_URL: moto.endpoint } });
    expect(res.code, res.stderr).toBe(3);
    expect(JSON.parse(res.stdout).actions.filter((a: Action) => a.action !== 'none')).toEqual([{ resource: 'dms-task', name: 'orders-cdc', action: 'drift', detail: expect.stringMatching(/running/) }]);
    expect(calls(res.stderr).filter((c) => !READ_ONLY.test(c))).toEqual([]);
    const task = (await dms.send(new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-id', Values: ['orders-cdc'] }] }))).ReplicationTasks![0]!;
    expect(JSON.parse(task.TableMappings!).rules[0]['object-locator']['schema-name']).toBe('public');
  });

  it('lost answers to CreateReplicationTask and CreateDeliveryStream: the SDK retries, "already exists" counts as created, nothing is made twice', async () => {
    // A second pipeline beside the first, every name changed.
    const lost = join(dir, 'lost.yaml');
    writeFileSync(lost, readFileSync(file, 'utf8').replaceAll('orders-cdc', 'lost-cdc'));
    const proxy = await startFaultProxy({
      target: moto.endpoint,
      seed: 1,
      rules: [
        { operation: 'CreateReplicationTask', fault: 'lost', rate: 1, limit: 1 },
        { operation: 'CreateDeliveryStream', fault: 'lost', rate: 1, limit: 1 },
      ],
    });
    try {
      const env = { AWS_ENDPOINT_URL: moto.endpoint, AWS_ENDPOINT_URL_DATABASE_MIGRATION_SERVICE: proxy.endpoint, AWS_ENDPOINT_URL_FIREHOSE: proxy.endpoint };
      const res = await runCli(['provision', '--config', lost, '--yes', '--create-roles', '--debug'], { env });
      expect(res.code, res.stderr).toBe(0);
      expect(proxy.total('lost')).toBe(2);
      // The retry of each lost call met the resource the first attempt made.
      expect(res.stderr).toMatch(/\[debug\] dms CreateReplicationTask 400 \S+ retries=1 error=ResourceAlreadyExistsFault/);
      expect(res.stderr).toMatch(/\[debug\] firehose CreateDeliveryStream 400 \S+ retries=1 error=ResourceInUseException/);
      expect(proxy.counts.requests.CreateReplicationTask).toBe(2);
      expect(proxy.counts.requests.CreateDeliveryStream).toBe(2);
      const tasks = (await dms.send(new DescribeReplicationTasksCommand({}))).ReplicationTasks!.map((t) => t.ReplicationTaskIdentifier);
      expect(tasks.sort()).toEqual(['lost-cdc', 'orders-cdc']);
      const again = await runCli(['provision', '--config', lost, '--yes', '--create-roles', '--debug'], { env });
      expect(again.code, again.stderr).toBe(0);
      expect(calls(again.stderr).filter((c) => !READ_ONLY.test(c))).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });
});
