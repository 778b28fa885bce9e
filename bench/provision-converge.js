// Provision converge (issue 8 (e)): run the real provision code (dist/services/provision.js: the resource
// table's reads, plans and applies) twice on a full pipeline file (stream, IAM roles, DMS target
// endpoint and task, Firehose, four alarms, tags) and count the mutating AWS calls of each run. The first
// run is the baseline (it creates everything); the re-run must make 0.
// Kinesis, DMS, Firehose, CloudWatch and IAM are MOCKED with aws-sdk-client-mock (DMS, Firehose, CloudWatch
// and IAM have no local server), each backed by a small in-memory fake of the service that remembers what
// was created, fills in defaults the way AWS does, and moves statuses on (creating → ready, CREATING → ACTIVE).
//
//   npx tsc -p tsconfig.build.json && node bench/provision-converge.js
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  EnableEnhancedMonitoringCommand,
  IncreaseStreamRetentionPeriodCommand,
  KinesisClient,
  ListShardsCommand,
  ListTagsForStreamCommand,
  StartStreamEncryptionCommand,
} from '@aws-sdk/client-kinesis';
import {
  CreateEndpointCommand,
  CreateReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  DescribeEndpointsCommand,
  DescribeReplicationInstancesCommand,
  DescribeReplicationTasksCommand,
  StartReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import { CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CreateRoleCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { cloudWatchApi } from '../dist/aws/api/cloudwatch.js';
import { dmsApi } from '../dist/aws/api/dms.js';
import { firehoseApi } from '../dist/aws/api/firehose.js';
import { iamApi } from '../dist/aws/api/iam.js';
import { kinesisApi } from '../dist/aws/api/kinesis.js';
import { SILENT_HOST } from '../dist/services/host.js';
import { provision } from '../dist/services/provision.js';
import { parsePipeline } from '../dist/core/pipeline-schema.js';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const STREAM_ARN = `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/orders-cdc`;
const PIPELINE = `
stream: {name: orders-cdc, shards: 4, retentionHours: 48, enhancedMonitoring: [IncomingBytes, IteratorAgeMilliseconds]}
dms:
  sourceEndpointArn: arn:aws:dms:${REGION}:${ACCOUNT}:endpoint:SOURCE
  replicationInstanceArn: arn:aws:dms:${REGION}:${ACCOUNT}:rep:INSTANCE
  task: {id: orders-task, migrationType: full-load-and-cdc, include: [public.%], partitionKeys: {public.lines: order_id}}
firehose:
  name: orders-to-s3
  bucketArn: arn:aws:s3:::orders-archive
  prefix: cdc/
  buffering: {sizeMiB: 64, intervalSeconds: 300}
  compression: GZIP
alarms: {iteratorAgeMs: 60000, writeThrottles: 0, dmsLatencySeconds: 120, firehoseFreshnessSeconds: 900, snsTopicArn: "arn:aws:sns:${REGION}:${ACCOUNT}:alerts"}
tags: {team: data}
`;
const MUTATING = /^(Create|Modify|Update|Put|Start|Stop|Delete|Add|Remove|Increase|Decrease|Enable|Disable|Test|Merge|Split|Register|Deregister)/;

const awsError = (name) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 400 } });
const filterValue = (input, name) => input.Filters?.find((f) => f.Name === name)?.Values?.[0];

function fakeAws() {
  const world = { stream: undefined, roles: new Map(), endpoints: new Map(), tasks: new Map(), firehoses: new Map(), alarms: new Map() };
  const cfg = { region: REGION, credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-not-a-secret' } };
  const clients = { kinesis: new KinesisClient(cfg), dms: new DatabaseMigrationServiceClient(cfg), firehose: new FirehoseClient(cfg), cloudwatch: new CloudWatchClient(cfg), iam: new IAMClient(cfg) };
  const m = Object.fromEntries(Object.entries(clients).map(([k, c]) => [k, mockClient(c)]));
  for (const mock of Object.values(m)) mock.onAnyCommand().rejects(new Error('bench fake: unexpected command'));

  // Kinesis
  const stream = () => {
    if (!world.stream) throw awsError('ResourceNotFoundException');
    const status = world.stream.status;
    world.stream.status = 'ACTIVE';
    return { s: world.stream, status };
  };
  m.kinesis.on(DescribeStreamSummaryCommand).callsFake(() => {
    const { s, status } = stream();
    return {
      StreamDescriptionSummary: {
        StreamName: 'orders-cdc', StreamARN: STREAM_ARN, StreamStatus: status, RetentionPeriodHours: s.retention,
        EncryptionType: s.keyId ? 'KMS' : 'NONE', ...(s.keyId ? { KeyId: s.keyId } : {}),
        EnhancedMonitoring: [{ ShardLevelMetrics: s.metrics }], OpenShardCount: s.shards, StreamModeDetails: { StreamMode: 'PROVISIONED' },
      },
    };
  });
  m.kinesis.on(DescribeStreamCommand).callsFake(() => ({ StreamDescription: { StreamName: 'orders-cdc', StreamStatus: stream().status, Shards: [], HasMoreShards: false } }));
  m.kinesis.on(ListShardsCommand).callsFake(() => ({ Shards: Array.from({ length: world.stream?.shards ?? 0 }, (_, n) => ({ ShardId: `shardId-${n}`, SequenceNumberRange: { StartingSequenceNumber: '1' } })) }));
  m.kinesis.on(ListTagsForStreamCommand).callsFake(() => ({ Tags: Object.entries(world.stream?.tags ?? {}).map(([Key, Value]) => ({ Key, Value })), HasMoreTags: false }));
  m.kinesis.on(CreateStreamCommand).callsFake((i) => {
    if (world.stream) throw awsError('ResourceInUseException');
    world.stream = { status: 'CREATING', shards: i.ShardCount, retention: 24, metrics: [], tags: {} };
    return {};
  });
  m.kinesis.on(IncreaseStreamRetentionPeriodCommand).callsFake((i) => (Object.assign(world.stream, { retention: i.RetentionPeriodHours, status: 'UPDATING' }), {}));
  m.kinesis.on(StartStreamEncryptionCommand).callsFake((i) => (Object.assign(world.stream, { keyId: i.KeyId, status: 'UPDATING' }), {}));
  m.kinesis.on(EnableEnhancedMonitoringCommand).callsFake((i) => (world.stream.metrics.push(...i.ShardLevelMetrics), {}));
  m.kinesis.on(AddTagsToStreamCommand).callsFake((i) => (Object.assign(world.stream.tags, i.Tags), {}));

  // IAM
  m.iam.on(GetRoleCommand).callsFake((i) => {
    const r = world.roles.get(i.RoleName);
    if (!r) throw awsError('NoSuchEntityException');
    return { Role: { RoleName: i.RoleName, Arn: r.arn } };
  });
  m.iam.on(GetRolePolicyCommand).callsFake((i) => {
    const r = world.roles.get(i.RoleName);
    if (!r?.policy) throw awsError('NoSuchEntityException');
    return { RoleName: i.RoleName, PolicyName: i.PolicyName, PolicyDocument: encodeURIComponent(r.policy) };
  });
  m.iam.on(CreateRoleCommand).callsFake((i) => {
    if (world.roles.has(i.RoleName)) throw awsError('EntityAlreadyExistsException');
    const arn = `arn:aws:iam::${ACCOUNT}:role/${i.RoleName}`;
    world.roles.set(i.RoleName, { arn });
    return { Role: { RoleName: i.RoleName, Arn: arn } };
  });
  m.iam.on(PutRolePolicyCommand).callsFake((i) => (Object.assign(world.roles.get(i.RoleName), { policy: i.PolicyDocument }), {}));

  // DMS
  m.dms.on(DescribeEndpointsCommand).callsFake((i) => {
    const ep = world.endpoints.get(filterValue(i, 'endpoint-id'));
    if (!ep) throw awsError('ResourceNotFoundFault');
    return { Endpoints: [ep] };
  });
  m.dms.on(CreateEndpointCommand).callsFake((i) => {
    // DMS fills in the Kinesis settings it was not given.
    const ep = { EndpointIdentifier: i.EndpointIdentifier, EndpointArn: `arn:aws:dms:${REGION}:${ACCOUNT}:endpoint:TARGET`, EngineName: 'kinesis', EndpointType: 'TARGET', KinesisSettings: { IncludeNullAndEmpty: false, NoHexPrefix: false, ...i.KinesisSettings } };
    world.endpoints.set(i.EndpointIdentifier, ep);
    return { Endpoint: ep };
  });
  m.dms.on(DescribeReplicationInstancesCommand).resolves({ ReplicationInstances: [{ ReplicationInstanceArn: `arn:aws:dms:${REGION}:${ACCOUNT}:rep:INSTANCE`, ReplicationInstanceIdentifier: 'orders-instance' }] });
  const next = { creating: 'ready', starting: 'running' };
  m.dms.on(DescribeReplicationTasksCommand).callsFake((i) => {
    const id = filterValue(i, 'replication-task-id');
    const arn = filterValue(i, 'replication-task-arn');
    const task = [...world.tasks.values()].find((t) => t.ReplicationTaskIdentifier === id || t.ReplicationTaskArn === arn);
    if (!task) throw awsError('ResourceNotFoundFault');
    const shown = { ...task };
    if (next[task.Status]) task.Status = next[task.Status];
    return { ReplicationTasks: [shown] };
  });
  m.dms.on(CreateReplicationTaskCommand).callsFake((i) => {
    // DMS returns the whole settings document, its defaults included.
    const task = { ...i, ReplicationTaskSettings: JSON.stringify({ Logging: { EnableLogging: false }, ...JSON.parse(i.ReplicationTaskSettings ?? '{}') }), ReplicationTaskArn: `arn:aws:dms:${REGION}:${ACCOUNT}:task:TASK`, Status: 'creating' };
    world.tasks.set(i.ReplicationTaskIdentifier, task);
    return { ReplicationTask: task };
  });
  m.dms.on(StartReplicationTaskCommand).callsFake((i) => {
    const task = [...world.tasks.values()].find((t) => t.ReplicationTaskArn === i.ReplicationTaskArn);
    Object.assign(task, { Status: 'starting', ReplicationTaskStartDate: new Date(0) });
    return { ReplicationTask: task };
  });

  // Firehose
  m.firehose.on(DescribeDeliveryStreamCommand).callsFake((i) => {
    const fh = world.firehoses.get(i.DeliveryStreamName);
    if (!fh) throw awsError('ResourceNotFoundException');
    const status = fh.status;
    fh.status = 'ACTIVE';
    return {
      DeliveryStreamDescription: {
        DeliveryStreamName: i.DeliveryStreamName, DeliveryStreamARN: `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/${i.DeliveryStreamName}`,
        DeliveryStreamStatus: status, DeliveryStreamType: 'KinesisStreamAsSource', VersionId: '1',
        Source: { KinesisStreamSourceDescription: fh.source },
        Destinations: [{ DestinationId: 'destinationId-000000000001', ExtendedS3DestinationDescription: { S3BackupMode: 'Disabled', ...fh.destination } }],
        HasMoreDestinations: false,
      },
    };
  });
  m.firehose.on(CreateDeliveryStreamCommand).callsFake((i) => {
    world.firehoses.set(i.DeliveryStreamName, { status: 'CREATING', destination: i.ExtendedS3DestinationConfiguration, source: i.KinesisStreamSourceConfiguration });
    return { DeliveryStreamARN: 'arn' };
  });

  // CloudWatch
  m.cloudwatch.on(DescribeAlarmsCommand).callsFake((i) => ({ MetricAlarms: (i.AlarmNames ?? []).filter((n) => world.alarms.has(n)).map((n) => ({ ...world.alarms.get(n), StateValue: 'OK' })) }));
  m.cloudwatch.on(PutMetricAlarmCommand).callsFake((i) => {
    const { Tags: _tags, ...alarm } = i;
    world.alarms.set(i.AlarmName, alarm);
    return {};
  });

  return {
    clients,
    calls() {
      return Object.values(m).flatMap((mock) => mock.calls().map((c) => c.args[0].constructor.name.replace(/Command$/, '')));
    },
    resetHistory() {
      for (const mock of Object.values(m)) mock.resetHistory();
    },
    restore() {
      for (const mock of Object.values(m)) mock.restore();
    },
  };
}

async function provisionOnce(cfg, sdk) {
  const clients = {
    kinesisApi: async () => kinesisApi(sdk.kinesis),
    dmsApi: async () => dmsApi(sdk.dms),
    firehoseApi: async () => firehoseApi(sdk.firehose),
    cloudwatchApi: async () => cloudWatchApi(sdk.cloudwatch),
    iamApi: async () => iamApi(sdk.iam),
    region: async () => REGION,
  };
  const options = { cfg, configPath: 'bench-pipeline.yaml', createRoles: true, dryRun: false, check: false, yes: true, testConnection: false, wait: { minDelaySeconds: 0.001, maxDelaySeconds: 0.002, maxWaitSeconds: 5 }, sleep: async () => {} };
  const result = await provision(options, clients, SILENT_HOST);
  if (result.error) throw result.error;
  return result;
}

function summarize(calls) {
  const byOp = {};
  for (const op of calls) byOp[op] = (byOp[op] ?? 0) + 1;
  const mutating = calls.filter((op) => MUTATING.test(op));
  return { calls: calls.length, mutatingCalls: mutating.length, mutating: [...new Set(mutating)], byOperation: byOp };
}

export async function benchProvisionConverge() {
  const cfg = parsePipeline(PIPELINE, 'bench-pipeline.yaml');
  const fake = fakeAws();
  try {
    const t0 = performance.now();
    const firstPlan = await provisionOnce(cfg, fake.clients);
    const t1 = performance.now();
    const first = summarize(fake.calls());
    fake.resetHistory();
    const rerunPlan = await provisionOnce(cfg, fake.clients);
    const t2 = performance.now();
    const rerun = summarize(fake.calls());
    return {
      resources: firstPlan.actions.length,
      firstRun: { ...first, actions: firstPlan.actions.map((a) => a.action), wallMs: +(t1 - t0).toFixed(1) },
      reRun: { ...rerun, actions: rerunPlan.actions.map((a) => a.action), wallMs: +(t2 - t1).toFixed(1) },
      target: 0,
      pass: rerun.mutatingCalls === 0,
    };
  } finally {
    fake.restore();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await benchProvisionConverge();
  console.log(JSON.stringify(r, null, 2));
}
