/**
 * `cdcpipe provision` (src/services/provision.ts and the resource adapters) against MOCKS (aws-sdk-client-mock),
 * each client backed by a small in-memory fake of the service (resources, statuses that move on as they are
 * polled, "already exists" and "not found" errors). These tests check the exact requests the real code sends.
 *
 * What a real server can do runs on one instead: the stream on kinesis-local
 * (test/integration/provision-stream.test.ts); the whole example pipeline, a re-run with no mutating call,
 * out-of-band changes, --test-connection and a running task's drift on moto
 * (test/integration/provision-moto.test.ts). What stays here is what moto (5.2.1) lacks:
 * - ModifyEndpoint and ModifyReplicationTask (moto answers them with an HTML 404): DMS endpoint and task
 *   updates, a stopped task modified then resumed, a DMS endpoint setting changed out of band;
 * - DMS Serverless (CreateReplicationConfig, StartReplication), a task's StopReason, table statistics;
 * - IAM role propagation errors (moto's IAM is consistent at once);
 * - a failure before or after each of the 16 creating calls takes effect (a lost response), which needs a
 *   fault at an exact call of every service; the create test is the reference those cases replay.
 */
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateReplicationConfigCommand,
  CreateReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  DescribeConnectionsCommand,
  DescribeEndpointsCommand,
  DescribeReplicationConfigsCommand,
  DescribeReplicationInstancesCommand,
  DescribeReplicationTasksCommand,
  DescribeReplicationsCommand,
  ModifyEndpointCommand,
  ModifyReplicationTaskCommand,
  StartReplicationCommand,
  StartReplicationTaskCommand,
  TestConnectionCommand,
} from '@aws-sdk/client-database-migration-service';
import { CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, FirehoseClient, UpdateDestinationCommand } from '@aws-sdk/client-firehose';
import { CreateRoleCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
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
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { cloudWatchApi } from '../../src/aws/api/cloudwatch.js';
import { dmsApi } from '../../src/aws/api/dms.js';
import { firehoseApi } from '../../src/aws/api/firehose.js';
import { iamApi } from '../../src/aws/api/iam.js';
import { kinesisApi } from '../../src/aws/api/kinesis.js';
import type { ProvisionClients } from '../../src/aws/provision/adapter.js';
import { parsePipeline, type PipelineConfig } from '../../src/core/pipeline-schema.js';
import { CheckFailedError, CliError } from '../../src/errors.js';
import { SILENT_HOST } from '../../src/services/host.js';
import { provision, type ProvisionResult } from '../../src/services/provision.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const STREAM_ARN = `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/orders-cdc`;
const SOURCE_ARN = `arn:aws:dms:${REGION}:${ACCOUNT}:endpoint:SOURCE`;
const INSTANCE_ARN = `arn:aws:dms:${REGION}:${ACCOUNT}:rep:INSTANCE`;
const SNS = `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`;

const PIPELINE = `
stream: {name: orders-cdc, shards: 2, retentionHours: 48}
dms:
  sourceEndpointArn: ${SOURCE_ARN}
  replicationInstanceArn: ${INSTANCE_ARN}
  task:
    id: orders-task
    migrationType: cdc
    include: [public.%]
    partitionKeys: {public.lines: order_id}
    settings: {BeforeImageSettings: {EnableBeforeImage: true, FieldName: before, ColumnFilter: pk-only}}
firehose:
  name: orders-to-s3
  bucketArn: arn:aws:s3:::orders-archive
  prefix: cdc/
  buffering: {sizeMiB: 16, intervalSeconds: 120}
  compression: GZIP
alarms: {iteratorAgeMs: 60000, writeThrottles: 0, dmsLatencySeconds: 120, firehoseFreshnessSeconds: 900, snsTopicArn: "${SNS}"}
tags: {team: data}
`;
const cfgOf = (yaml = PIPELINE): PipelineConfig => parsePipeline(yaml, 'test.yaml');

const awsError = (name: string, message = name) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });

/** The services' state, shared by the mocks' fakes. Statuses move on each time they are described. */
class FakeAws {
  stream: { status: string; shards: number; retention: number; keyId?: string; metrics: string[]; tags: Record<string, string> } | undefined;
  roles = new Map<string, { arn: string; trust: string; policy?: string }>();
  endpoints = new Map<string, { EndpointIdentifier: string; EndpointArn: string; EngineName: string; EndpointType: string; KinesisSettings: Record<string, unknown> }>();
  tasks = new Map<string, Record<string, unknown> & { ReplicationTaskArn: string; Status: string }>();
  configs = new Map<string, Record<string, unknown> & { ReplicationConfigArn: string }>();
  replications = new Map<string, { Status: string; StartReplicationType?: string; StopReason?: string; FailureMessages?: string[] }>();
  firehoses = new Map<string, { status: string; version: number; destination: Record<string, unknown>; source: Record<string, unknown> }>();
  alarms = new Map<string, Record<string, unknown>>();
  connectionPolls = 0;
  /** DescribeConnections answers a failed test this many times (the role not usable yet). */
  connectionFailures = 0;
  /** How many more calls of an operation fail as AWS does while a new IAM role propagates. */
  notPropagated: Record<string, number> = {};
  /** Throws the propagation error `op` answers with while its count lasts. */
  propagating(op: string, error: () => Error): void {
    if ((this.notPropagated[op] ?? 0) > 0) {
      this.notPropagated[op]!--;
      throw error();
    }
  }
  /** Mutating calls, in order, as "Op:resource". */
  mutations: string[] = [];
  /** Fail the n-th mutating call (1-based), before or after it takes effect (a lost response). */
  failAt?: { index: number; mode: 'before' | 'after' };
  private seq = 0;

  mutate<T>(op: string, resource: string, effect: () => T): T {
    this.seq++;
    const fail = this.failAt?.index === this.seq ? this.failAt.mode : undefined;
    if (fail === 'before') throw awsError('ServiceUnavailable', `injected failure before ${op}`);
    const out = effect();
    this.mutations.push(`${op}:${resource}`);
    if (fail === 'after') throw awsError('RequestTimeout', `injected lost response after ${op}`);
    return out;
  }

  /** The resources as they are, in name order (a re-run may create them in another order). */
  snapshot(): unknown {
    const sorted = <T,>(m: Map<string, T>) => [...m].sort(([a], [b]) => a.localeCompare(b));
    return JSON.parse(
      JSON.stringify({
        stream: this.stream,
        roles: sorted(this.roles),
        endpoints: sorted(this.endpoints),
        tasks: sorted(this.tasks).map(([k, t]) => [k, { ...t, ReplicationTaskStartDate: Boolean(t.ReplicationTaskStartDate) }]),
        firehoses: sorted(this.firehoses).map(([k, f]) => [k, { ...f, version: undefined }]),
        alarms: sorted(this.alarms),
      }),
    );
  }
}

const mocks: ReturnType<typeof mockClient>[] = [];
afterEach(() => {
  for (const m of mocks.splice(0)) m.restore();
});

type Clients = ProvisionClients;

function fakeClients(world: FakeAws): { clients: Clients; allCommands: () => string[] } {
  const credentials = { accessKeyId: 'AKIDMOCK', secretAccessKey: 'mock' };
  const kinesis = new KinesisClient({ region: REGION, credentials });
  const dms = new DatabaseMigrationServiceClient({ region: REGION, credentials });
  const firehose = new FirehoseClient({ region: REGION, credentials });
  const cloudwatch = new CloudWatchClient({ region: REGION, credentials });
  const iam = new IAMClient({ region: REGION, credentials });
  const k = mockClient(kinesis);
  const d = mockClient(dms);
  const f = mockClient(firehose);
  const c = mockClient(cloudwatch);
  const i = mockClient(iam);
  mocks.push(k, d, f, c, i);
  const unexpected = () => Promise.reject(new Error('unexpected command (no fake for it)'));
  k.onAnyCommand().callsFake(unexpected);
  d.onAnyCommand().callsFake(unexpected);
  f.onAnyCommand().callsFake(unexpected);
  c.onAnyCommand().callsFake(unexpected);
  i.onAnyCommand().callsFake(unexpected);

  // ---- Kinesis
  const stream = () => {
    if (!world.stream) throw awsError('ResourceNotFoundException', 'Stream orders-cdc not found');
    const s = world.stream;
    const status = s.status;
    s.status = 'ACTIVE';
    return { s, status };
  };
  k.on(DescribeStreamSummaryCommand).callsFake(() => {
    const { s, status } = stream();
    return {
      StreamDescriptionSummary: {
        StreamName: 'orders-cdc',
        StreamARN: STREAM_ARN,
        StreamStatus: status,
        RetentionPeriodHours: s.retention,
        EncryptionType: s.keyId ? 'KMS' : 'NONE',
        ...(s.keyId ? { KeyId: s.keyId } : {}),
        EnhancedMonitoring: [{ ShardLevelMetrics: s.metrics }],
        OpenShardCount: s.shards,
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
      },
    };
  });
  k.on(DescribeStreamCommand).callsFake(() => ({ StreamDescription: { StreamName: 'orders-cdc', StreamStatus: stream().status } }));
  k.on(ListShardsCommand).callsFake(() => ({
    Shards: Array.from({ length: world.stream?.shards ?? 0 }, (_, n) => ({ ShardId: `shardId-${n}`, SequenceNumberRange: { StartingSequenceNumber: '1' } })),
  }));
  k.on(ListTagsForStreamCommand).callsFake(() => ({ Tags: Object.entries(world.stream?.tags ?? {}).map(([Key, Value]) => ({ Key, Value })), HasMoreTags: false }));
  k.on(CreateStreamCommand).callsFake((input) =>
    world.mutate('CreateStream', input.StreamName, () => {
      if (world.stream) throw awsError('ResourceInUseException');
      world.stream = { status: 'CREATING', shards: input.ShardCount, retention: 24, metrics: [], tags: {} };
      return {};
    }),
  );
  k.on(IncreaseStreamRetentionPeriodCommand).callsFake((input) => world.mutate('IncreaseStreamRetentionPeriod', input.StreamName, () => Object.assign(world.stream!, { retention: input.RetentionPeriodHours, status: 'UPDATING' }) && {}));
  k.on(StartStreamEncryptionCommand).callsFake((input) => world.mutate('StartStreamEncryption', input.StreamName, () => Object.assign(world.stream!, { keyId: input.KeyId, status: 'UPDATING' }) && {}));
  k.on(EnableEnhancedMonitoringCommand).callsFake((input) => world.mutate('EnableEnhancedMonitoring', input.StreamName, () => (world.stream!.metrics.push(...input.ShardLevelMetrics), {})));
  k.on(AddTagsToStreamCommand).callsFake((input) => world.mutate('AddTagsToStream', input.StreamName, () => (Object.assign(world.stream!.tags, input.Tags), {})));

  // ---- IAM
  i.on(GetRoleCommand).callsFake((input) => {
    const r = world.roles.get(input.RoleName);
    if (!r) throw awsError('NoSuchEntityException');
    return { Role: { RoleName: input.RoleName, Arn: r.arn } };
  });
  i.on(GetRolePolicyCommand).callsFake((input) => {
    const r = world.roles.get(input.RoleName);
    if (!r?.policy) throw awsError('NoSuchEntityException');
    return { RoleName: input.RoleName, PolicyName: input.PolicyName, PolicyDocument: encodeURIComponent(r.policy) };
  });
  i.on(CreateRoleCommand).callsFake((input) =>
    world.mutate('CreateRole', input.RoleName, () => {
      if (world.roles.has(input.RoleName)) throw awsError('EntityAlreadyExistsException');
      const arn = `arn:aws:iam::${ACCOUNT}:role/${input.RoleName}`;
      world.roles.set(input.RoleName, { arn, trust: input.AssumeRolePolicyDocument });
      return { Role: { RoleName: input.RoleName, Arn: arn } };
    }),
  );
  i.on(PutRolePolicyCommand).callsFake((input) => world.mutate('PutRolePolicy', input.RoleName, () => (Object.assign(world.roles.get(input.RoleName)!, { policy: input.PolicyDocument }), {})));

  // ---- DMS
  const filter = (input: { Filters?: { Name: string; Values: string[] }[] }, name: string) => input.Filters?.find((x) => x.Name === name)?.Values[0];
  d.on(DescribeEndpointsCommand).callsFake((input) => {
    const ep = world.endpoints.get(filter(input, 'endpoint-id')!);
    if (!ep) throw awsError('ResourceNotFoundFault');
    return { Endpoints: [ep] };
  });
  d.on(CreateEndpointCommand).callsFake((input) => {
    world.propagating('CreateEndpoint', () => awsError('AccessDeniedFault', `The IAM Role ${input.KinesisSettings?.ServiceAccessRoleArn} is not configured properly.`));
    return world.mutate('CreateEndpoint', input.EndpointIdentifier, () => {
      if (world.endpoints.has(input.EndpointIdentifier)) throw awsError('ResourceAlreadyExistsFault');
      // DMS fills in the settings it was not given.
      const ep = { EndpointIdentifier: input.EndpointIdentifier, EndpointArn: `arn:aws:dms:${REGION}:${ACCOUNT}:endpoint:TARGETEP`, EngineName: 'kinesis', EndpointType: 'TARGET', KinesisSettings: { IncludeNullAndEmpty: false, NoHexPrefix: false, ...input.KinesisSettings } };
      world.endpoints.set(input.EndpointIdentifier, ep);
      return { Endpoint: ep };
    });
  });
  d.on(ModifyEndpointCommand).callsFake((input) =>
    world.mutate('ModifyEndpoint', input.EndpointArn, () => {
      const ep = [...world.endpoints.values()].find((e) => e.EndpointArn === input.EndpointArn)!;
      Object.assign(ep.KinesisSettings, input.KinesisSettings);
      return { Endpoint: ep };
    }),
  );
  const nextStatus: Record<string, string> = { creating: 'ready', starting: 'running', modifying: 'ready' };
  d.on(DescribeReplicationTasksCommand).callsFake((input) => {
    const id = filter(input, 'replication-task-id');
    const arn = filter(input, 'replication-task-arn');
    const task = [...world.tasks.values()].find((t) => t.ReplicationTaskIdentifier === id || t.ReplicationTaskArn === arn);
    if (!task) throw awsError('ResourceNotFoundFault');
    const shown = { ...task };
    if (nextStatus[task.Status]) task.Status = task.Status === 'modifying' && task.ReplicationTaskStartDate ? 'stopped' : nextStatus[task.Status]!;
    if (input.WithoutSettings) delete shown.ReplicationTaskSettings;
    return { ReplicationTasks: [shown] };
  });
  d.on(DescribeReplicationInstancesCommand).callsFake(() => ({ ReplicationInstances: [{ ReplicationInstanceArn: INSTANCE_ARN, ReplicationInstanceIdentifier: 'orders-instance' }] }));
  // DMS returns the task's whole settings document, defaults included: provision must compare only what the file sets.
  const DMS_DEFAULT_SETTINGS = { TargetMetadata: { BatchApplyEnabled: false, ParallelLoadThreads: 0 }, Logging: { EnableLogging: false } };
  d.on(CreateReplicationTaskCommand).callsFake((input) =>
    world.mutate('CreateReplicationTask', input.ReplicationTaskIdentifier, () => {
      if (world.tasks.has(input.ReplicationTaskIdentifier)) throw awsError('ResourceAlreadyExistsFault');
      const task = {
        ...input,
        ReplicationTaskSettings: JSON.stringify({ ...DMS_DEFAULT_SETTINGS, ...JSON.parse(input.ReplicationTaskSettings ?? '{}') }),
        ReplicationTaskArn: `arn:aws:dms:${REGION}:${ACCOUNT}:task:TASKRESOURCEID`,
        Status: 'creating',
      };
      world.tasks.set(input.ReplicationTaskIdentifier, task);
      return { ReplicationTask: task };
    }),
  );
  d.on(ModifyReplicationTaskCommand).callsFake((input) =>
    world.mutate('ModifyReplicationTask', input.ReplicationTaskArn, () => {
      const task = [...world.tasks.values()].find((t) => t.ReplicationTaskArn === input.ReplicationTaskArn)!;
      if (task.Status === 'running') throw awsError('InvalidResourceStateFault', 'task is running');
      Object.assign(task, { MigrationType: input.MigrationType, TableMappings: input.TableMappings, Status: 'modifying' });
      if (input.ReplicationTaskSettings) task.ReplicationTaskSettings = JSON.stringify({ ...DMS_DEFAULT_SETTINGS, ...JSON.parse(input.ReplicationTaskSettings) });
      return { ReplicationTask: task };
    }),
  );
  d.on(StartReplicationTaskCommand).callsFake((input) =>
    world.mutate(`StartReplicationTask(${input.StartReplicationTaskType})`, input.ReplicationTaskArn, () => {
      const task = [...world.tasks.values()].find((t) => t.ReplicationTaskArn === input.ReplicationTaskArn)!;
      // start-replication on a task that already ran would reload it from scratch: refuse it here so the test catches it.
      if (input.StartReplicationTaskType === 'start-replication' && task.ReplicationTaskStartDate) throw awsError('InvalidResourceStateFault', 'already started once');
      Object.assign(task, { Status: 'starting', ReplicationTaskStartDate: new Date(0) });
      return { ReplicationTask: task };
    }),
  );
  d.on(TestConnectionCommand).callsFake((input) => {
    world.propagating('TestConnection', () => awsError('AccessDeniedFault', 'The IAM Role arn:aws:iam::123456789012:role/cdcpipe-orders-cdc-dms is not configured properly.'));
    return world.mutate('TestConnection', input.EndpointArn, () => ({ Connection: { Status: 'testing' } }));
  });
  d.on(DescribeConnectionsCommand).callsFake(() => {
    if (world.connectionFailures > 0) {
      world.connectionFailures--;
      return { Connections: [{ Status: 'failed', LastFailureMessage: `Test connection failed for endpoint. The IAM Role arn:aws:iam::${ACCOUNT}:role/cdcpipe-orders-cdc-dms is not configured properly.` }] };
    }
    return { Connections: [{ Status: world.connectionPolls++ === 0 ? 'testing' : 'successful' }] };
  });
  d.on(DescribeReplicationConfigsCommand).callsFake((input) => {
    const rc = world.configs.get(filter(input, 'replication-config-id')!);
    if (!rc) throw awsError('ResourceNotFoundFault');
    return { ReplicationConfigs: [rc] };
  });
  d.on(CreateReplicationConfigCommand).callsFake((input) =>
    world.mutate('CreateReplicationConfig', input.ReplicationConfigIdentifier, () => {
      const rc = { ...input, ReplicationConfigArn: `arn:aws:dms:${REGION}:${ACCOUNT}:replication-config:RC` };
      world.configs.set(input.ReplicationConfigIdentifier, rc);
      return { ReplicationConfig: rc };
    }),
  );
  d.on(DescribeReplicationsCommand).callsFake((input) => {
    const r = world.replications.get(filter(input, 'replication-config-arn')!);
    if (!r) throw awsError('ResourceNotFoundFault');
    return { Replications: [r] };
  });
  d.on(StartReplicationCommand).callsFake((input) =>
    world.mutate(`StartReplication(${input.StartReplicationType})`, input.ReplicationConfigArn, () => {
      world.replications.set(input.ReplicationConfigArn, { Status: 'running', StartReplicationType: input.StartReplicationType });
      return { Replication: {} };
    }),
  );

  // ---- Firehose
  f.on(DescribeDeliveryStreamCommand).callsFake((input) => {
    const fh = world.firehoses.get(input.DeliveryStreamName);
    if (!fh) throw awsError('ResourceNotFoundException');
    const status = fh.status;
    fh.status = 'ACTIVE';
    return {
      DeliveryStreamDescription: {
        DeliveryStreamName: input.DeliveryStreamName,
        DeliveryStreamARN: `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/${input.DeliveryStreamName}`,
        DeliveryStreamStatus: status,
        DeliveryStreamType: 'KinesisStreamAsSource',
        VersionId: String(fh.version),
        Source: { KinesisStreamSourceDescription: fh.source },
        // Firehose describes more than it was given (S3BackupMode, encryption): compare only what the file sets.
        Destinations: [{ DestinationId: 'destinationId-000000000001', ExtendedS3DestinationDescription: { S3BackupMode: 'Disabled', EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' }, ...fh.destination } }],
        HasMoreDestinations: false,
      },
    };
  });
  f.on(CreateDeliveryStreamCommand).callsFake((input) => {
    world.propagating('CreateDeliveryStream', () => awsError('InvalidArgumentException', `Firehose is unable to assume role ${input.KinesisStreamSourceConfiguration?.RoleARN}. Please check the role provided.`));
    return world.mutate('CreateDeliveryStream', input.DeliveryStreamName, () => {
      if (world.firehoses.has(input.DeliveryStreamName)) throw awsError('ResourceInUseException');
      world.firehoses.set(input.DeliveryStreamName, { status: 'CREATING', version: 1, destination: input.ExtendedS3DestinationConfiguration, source: input.KinesisStreamSourceConfiguration });
      return { DeliveryStreamARN: 'arn' };
    });
  });
  f.on(UpdateDestinationCommand).callsFake((input) =>
    world.mutate('UpdateDestination', input.DeliveryStreamName, () => {
      const fh = world.firehoses.get(input.DeliveryStreamName)!;
      if (String(fh.version) !== input.CurrentDeliveryStreamVersionId) throw awsError('ConcurrentModificationException');
      Object.assign(fh.destination, input.ExtendedS3DestinationUpdate);
      fh.version++;
      return {};
    }),
  );

  // ---- CloudWatch
  c.on(DescribeAlarmsCommand).callsFake((input) => ({ MetricAlarms: (input.AlarmNames as string[]).filter((n) => world.alarms.has(n)).map((n) => ({ ...world.alarms.get(n), StateValue: 'OK' })) }));
  c.on(PutMetricAlarmCommand).callsFake((input) =>
    world.mutate('PutMetricAlarm', input.AlarmName, () => {
      const { Tags: _tags, ...alarm } = input;
      world.alarms.set(input.AlarmName, alarm);
      return {};
    }),
  );

  return {
    // The narrow interfaces over the mocked SDK clients, as src/aws/clients.ts builds them.
    clients: {
      kinesisApi: async () => kinesisApi(kinesis),
      dmsApi: async () => dmsApi(dms),
      firehoseApi: async () => firehoseApi(firehose),
      cloudwatchApi: async () => cloudWatchApi(cloudwatch),
      iamApi: async () => iamApi(iam),
      region: async () => REGION,
    },
    allCommands: () => [k, d, f, c, i].flatMap((m) => m.calls().map((call) => (call.args[0] as object).constructor.name)),
  };
}

const FAST = { minDelaySeconds: 0.001, maxDelaySeconds: 0.002, maxWaitSeconds: 5 };

/** One `provision --yes` run; a failed step ends it with the error the command exits with. */
async function provisionOnce(_world: FakeAws, cfg: PipelineConfig, clients: Clients, opts: { createRoles?: boolean; testConnection?: boolean; restartFailed?: boolean } = {}): Promise<ProvisionResult> {
  const result = await provision(
    { cfg, configPath: 'test.yaml', createRoles: opts.createRoles ?? true, dryRun: false, check: false, yes: true, testConnection: Boolean(opts.testConnection), restartFailed: Boolean(opts.restartFailed), wait: FAST, sleep: async () => {} },
    clients,
    SILENT_HOST,
  );
  if (result.failed) throw result.error;
  return result;
}

const CREATE_SEQUENCE = [
  'CreateStream:orders-cdc',
  'IncreaseStreamRetentionPeriod:orders-cdc',
  'StartStreamEncryption:orders-cdc',
  'AddTagsToStream:orders-cdc',
  'CreateRole:cdcpipe-orders-cdc-dms',
  'PutRolePolicy:cdcpipe-orders-cdc-dms',
  'CreateRole:cdcpipe-orders-to-s3-firehose',
  'PutRolePolicy:cdcpipe-orders-to-s3-firehose',
  'CreateEndpoint:orders-cdc-kinesis-target',
  'CreateReplicationTask:orders-task',
  'CreateDeliveryStream:orders-to-s3',
  'PutMetricAlarm:cdcpipe-orders-cdc-iterator-age',
  'PutMetricAlarm:cdcpipe-orders-cdc-write-throttles',
  'PutMetricAlarm:cdcpipe-orders-task-dms-latency',
  'PutMetricAlarm:cdcpipe-orders-to-s3-firehose-freshness',
  `StartReplicationTask(start-replication):arn:aws:dms:${REGION}:${ACCOUNT}:task:TASKRESOURCEID`,
];

describe('provision on mocked AWS: create', () => {
  it('creates every resource in order, once, with the exact requests', async () => {
    const world = new FakeAws();
    const { clients } = fakeClients(world);
    const plan = await provisionOnce(world, cfgOf(), clients);
    expect(plan.actions.map((a) => `${a.action} ${a.resource} ${a.name}`)).toEqual([
      'create kinesis-stream orders-cdc',
      'create iam-role cdcpipe-orders-cdc-dms',
      'create iam-role cdcpipe-orders-to-s3-firehose',
      'create dms-endpoint orders-cdc-kinesis-target',
      'create dms-task orders-task',
      'create firehose orders-to-s3',
      'create cloudwatch-alarm cdcpipe-orders-cdc-iterator-age',
      'create cloudwatch-alarm cdcpipe-orders-cdc-write-throttles',
      'create cloudwatch-alarm cdcpipe-orders-task-dms-latency',
      'create cloudwatch-alarm cdcpipe-orders-to-s3-firehose-freshness',
      'start dms-task orders-task',
    ]);
    expect(world.mutations).toEqual(CREATE_SEQUENCE);

    const k = mocks[0]!;
    expect(k.commandCalls(CreateStreamCommand)[0]!.args[0].input).toEqual({ StreamName: 'orders-cdc', ShardCount: 2, StreamModeDetails: { StreamMode: 'PROVISIONED' } });
    expect(k.commandCalls(StartStreamEncryptionCommand)[0]!.args[0].input).toEqual({ StreamName: 'orders-cdc', EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });

    const i = mocks[4]!;
    const dmsPolicy = JSON.parse(i.commandCalls(PutRolePolicyCommand)[0]!.args[0].input.PolicyDocument!);
    expect(dmsPolicy.Statement).toEqual([
      { Sid: 'WriteToStream', Effect: 'Allow', Action: ['kinesis:DescribeStream', 'kinesis:PutRecord', 'kinesis:PutRecords'], Resource: STREAM_ARN },
      {
        Sid: 'EncryptWithStreamKey',
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey'],
        Resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/*`,
        Condition: { StringEquals: { 'kms:ViaService': `kinesis.${REGION}.amazonaws.com` } },
      },
    ]);
    expect(JSON.parse(i.commandCalls(CreateRoleCommand)[1]!.args[0].input.AssumeRolePolicyDocument!)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'firehose.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': ACCOUNT } } }],
    });

    const d = mocks[1]!;
    expect(d.commandCalls(CreateEndpointCommand)[0]!.args[0].input).toEqual({
      EndpointIdentifier: 'orders-cdc-kinesis-target',
      EndpointType: 'target',
      EngineName: 'kinesis',
      KinesisSettings: {
        StreamArn: STREAM_ARN,
        ServiceAccessRoleArn: `arn:aws:iam::${ACCOUNT}:role/cdcpipe-orders-cdc-dms`,
        MessageFormat: 'json-unformatted',
        IncludeTransactionDetails: true,
        IncludePartitionValue: true,
        PartitionIncludeSchemaTable: true,
        IncludeControlDetails: true,
        IncludeTableAlterOperations: true,
      },
      Tags: [{ Key: 'team', Value: 'data' }],
    });
    const task = d.commandCalls(CreateReplicationTaskCommand)[0]!.args[0].input;
    expect({ ...task, TableMappings: JSON.parse(task.TableMappings!), ReplicationTaskSettings: JSON.parse(task.ReplicationTaskSettings!) }).toEqual({
      ReplicationTaskIdentifier: 'orders-task',
      SourceEndpointArn: SOURCE_ARN,
      TargetEndpointArn: `arn:aws:dms:${REGION}:${ACCOUNT}:endpoint:TARGETEP`,
      ReplicationInstanceArn: INSTANCE_ARN,
      MigrationType: 'cdc',
      TableMappings: {
        rules: [
          { 'rule-type': 'selection', 'rule-id': '1', 'rule-name': 'include-1', 'rule-action': 'include', 'object-locator': { 'schema-name': 'public', 'table-name': '%' } },
          {
            'rule-type': 'object-mapping',
            'rule-id': '2',
            'rule-name': 'partition-key-2',
            'rule-action': 'map-record-to-record',
            'object-locator': { 'schema-name': 'public', 'table-name': 'lines' },
            'mapping-parameters': { 'partition-key-type': 'attribute-name', 'partition-key-name': 'order_id' },
          },
          {
            'rule-type': 'object-mapping',
            'rule-id': '3',
            'rule-name': 'partition-key-3',
            'rule-action': 'map-record-to-record',
            'object-locator': { 'schema-name': 'public', 'table-name': '%' },
            'mapping-parameters': { 'partition-key-type': 'primary-key' },
          },
        ],
      },
      ReplicationTaskSettings: { BeforeImageSettings: { EnableBeforeImage: true, FieldName: 'before', ColumnFilter: 'pk-only' } },
      Tags: [{ Key: 'team', Value: 'data' }],
    });
    expect(d.commandCalls(StartReplicationTaskCommand)[0]!.args[0].input).toEqual({ ReplicationTaskArn: `arn:aws:dms:${REGION}:${ACCOUNT}:task:TASKRESOURCEID`, StartReplicationTaskType: 'start-replication' });

    const f = mocks[2]!;
    expect(f.commandCalls(CreateDeliveryStreamCommand)[0]!.args[0].input).toEqual({
      DeliveryStreamName: 'orders-to-s3',
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: { KinesisStreamARN: STREAM_ARN, RoleARN: `arn:aws:iam::${ACCOUNT}:role/cdcpipe-orders-to-s3-firehose` },
      ExtendedS3DestinationConfiguration: {
        RoleARN: `arn:aws:iam::${ACCOUNT}:role/cdcpipe-orders-to-s3-firehose`,
        BucketARN: 'arn:aws:s3:::orders-archive',
        Prefix: 'cdc/',
        BufferingHints: { SizeInMBs: 16, IntervalInSeconds: 120 },
        CompressionFormat: 'GZIP',
        CloudWatchLoggingOptions: { Enabled: true, LogGroupName: '/aws/kinesisfirehose/orders-to-s3', LogStreamName: 'DestinationDelivery' },
        ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
      },
      Tags: [{ Key: 'team', Value: 'data' }],
    });

    const c = mocks[3]!;
    const dmsAlarm = c.commandCalls(PutMetricAlarmCommand).map((call) => call.args[0].input).find((a) => a.AlarmName === 'cdcpipe-orders-task-dms-latency')!;
    expect(dmsAlarm).toMatchObject({
      Namespace: 'AWS/DMS',
      MetricName: 'CDCLatencyTarget',
      // The task dimension is the task's resource id, the last part of its ARN (FACTS.md).
      Dimensions: [
        { Name: 'ReplicationInstanceIdentifier', Value: 'orders-instance' },
        { Name: 'ReplicationTaskIdentifier', Value: 'TASKRESOURCEID' },
      ],
      Threshold: 120,
      AlarmActions: [SNS],
      OKActions: [SNS],
      Tags: [{ Key: 'team', Value: 'data' }],
    });
  });

  it('DMS Serverless: creates a replication config and starts it with start-replication, then converges', async () => {
    const world = new FakeAws();
    const { clients } = fakeClients(world);
    const yaml = PIPELINE.replace(`replicationInstanceArn: ${INSTANCE_ARN}`, 'serverless: {minDcu: 2, maxDcu: 8}').replace('dmsLatencySeconds: 120, ', '');
    await provisionOnce(world, cfgOf(yaml), clients);
    const d = mocks[1]!;
    expect(d.commandCalls(CreateReplicationConfigCommand)[0]!.args[0].input).toMatchObject({
      ReplicationConfigIdentifier: 'orders-task',
      ComputeConfig: { MinCapacityUnits: 2, MaxCapacityUnits: 8 },
      ReplicationType: 'cdc',
      TargetEndpointArn: `arn:aws:dms:${REGION}:${ACCOUNT}:endpoint:TARGETEP`,
    });
    expect(world.mutations).toContain(`StartReplication(start-replication):arn:aws:dms:${REGION}:${ACCOUNT}:replication-config:RC`);
    world.mutations = [];
    const again = await provisionOnce(world, cfgOf(yaml), clients);
    expect(again.actions.filter((a) => a.action !== 'none')).toEqual([]);
    expect(world.mutations).toEqual([]);
  });
});

describe('provision on mocked AWS: converge', () => {
  it('changes in the file become exact update requests; a stopped task is modified then resumed', async () => {
    const world = new FakeAws();
    const { clients } = fakeClients(world);
    await provisionOnce(world, cfgOf(), clients);
    world.tasks.get('orders-task')!.Status = 'stopped'; // someone stopped it
    world.mutations = [];
    const changed = PIPELINE.replace('migrationType: cdc', 'migrationType: full-load-and-cdc')
      .replace('dms:\n', 'dms:\n  target: {kinesisSettings: {MessageFormat: json}}\n')
      .replace('sizeMiB: 16', 'sizeMiB: 32')
      .replace('iteratorAgeMs: 60000', 'iteratorAgeMs: 30000');
    const plan = await provisionOnce(world, cfgOf(changed), clients);
    expect(plan.actions.filter((a) => a.action !== 'none').map((a) => `${a.action} ${a.resource}: ${a.detail}`)).toEqual([
      'update dms-endpoint: KinesisSettings MessageFormat',
      'update dms-task: migrationType cdc → full-load-and-cdc',
      'update firehose: destination BufferingHints',
      'update cloudwatch-alarm: GetRecords.IteratorAgeMilliseconds > 30000',
      'start dms-task: resume-processing (was stopped)',
    ]);
    const taskArn = `arn:aws:dms:${REGION}:${ACCOUNT}:task:TASKRESOURCEID`;
    expect(world.mutations).toEqual([
      `ModifyEndpoint:arn:aws:dms:${REGION}:${ACCOUNT}:endpoint:TARGETEP`,
      `ModifyReplicationTask:${taskArn}`,
      'UpdateDestination:orders-to-s3',
      'PutMetricAlarm:cdcpipe-orders-cdc-iterator-age',
      `StartReplicationTask(resume-processing):${taskArn}`,
    ]);
    const d = mocks[1]!;
    expect(d.commandCalls(ModifyEndpointCommand)[0]!.args[0].input.KinesisSettings).toMatchObject({ MessageFormat: 'json', StreamArn: STREAM_ARN });
    expect(d.commandCalls(ModifyReplicationTaskCommand)[0]!.args[0].input).toMatchObject({ ReplicationTaskArn: taskArn, MigrationType: 'full-load-and-cdc' });
    expect(mocks[2]!.commandCalls(UpdateDestinationCommand)[0]!.args[0].input).toMatchObject({
      DeliveryStreamName: 'orders-to-s3',
      CurrentDeliveryStreamVersionId: '1',
      DestinationId: 'destinationId-000000000001',
      ExtendedS3DestinationUpdate: { BufferingHints: { SizeInMBs: 32, IntervalInSeconds: 120 } },
    });
    world.mutations = [];
    expect((await provisionOnce(world, cfgOf(changed), clients)).actions.every((a) => a.action === 'none')).toBe(true);
    expect(world.mutations).toEqual([]);
  });


  it('a DMS endpoint setting changed out of band (moto has no ModifyEndpoint): --check names it, the apply puts it back', async () => {
    const world = new FakeAws();
    const { clients } = fakeClients(world);
    await provisionOnce(world, cfgOf(), clients);
    world.endpoints.get('orders-cdc-kinesis-target')!.KinesisSettings.IncludeTransactionDetails = false; // changed in the console
    world.mutations = [];
    const check = await provision({ cfg: cfgOf(), configPath: 'test.yaml', createRoles: true, dryRun: true, check: true, yes: false, testConnection: false }, clients, SILENT_HOST);
    expect(check.actions.filter((a) => a.action !== 'none')).toEqual([expect.objectContaining({ resource: 'dms-endpoint', name: 'orders-cdc-kinesis-target', action: 'update', detail: 'KinesisSettings IncludeTransactionDetails' })]);
    expect(check.error).toBeInstanceOf(CheckFailedError);
    expect(world.mutations).toEqual([]);

    await provisionOnce(world, cfgOf(), clients);
    expect(world.mutations).toEqual([`ModifyEndpoint:arn:aws:dms:${REGION}:${ACCOUNT}:endpoint:TARGETEP`]);
    expect(world.endpoints.get('orders-cdc-kinesis-target')!.KinesisSettings.IncludeTransactionDetails).toBe(true);
    world.mutations = [];
    expect((await provisionOnce(world, cfgOf(), clients)).actions.every((a) => a.action === 'none')).toBe(true);
    expect(world.mutations).toEqual([]);
  });
});

// moto never reports a StopReason and does not implement Serverless StartReplication (FACTS): these
// lifecycle cases run on the fakes above, with the real-shaped StopReason and FailureMessages values.
describe('provision on mocked AWS: the DMS lifecycle (issue 15 item 3)', () => {
  const FULL_LOAD = PIPELINE.replace('migrationType: cdc', 'migrationType: full-load').replace(/ {4}settings: .*\n/, '');
  const RC_ARN = `arn:aws:dms:${REGION}:${ACCOUNT}:replication-config:RC`;
  const TASK_ARN = `arn:aws:dms:${REGION}:${ACCOUNT}:task:TASKRESOURCEID`;

  it('a finished full-load task is not restarted on the next run', async () => {
    const world = new FakeAws();
    const { clients } = fakeClients(world);
    await provisionOnce(world, cfgOf(FULL_LOAD), clients);
    Object.assign(world.tasks.get('orders-task')!, { Status: 'stopped', StopReason: 'Stop Reason FULL_LOAD_ONLY_FINISHED' });
    world.mutations = [];
    const again = await provisionOnce(world, cfgOf(FULL_LOAD), clients);
    expect(again.actions.find((a) => a.resource === 'dms-task')).toMatchObject({ action: 'none', detail: expect.stringContaining('full load finished') });
    expect(world.mutations).toEqual([]);
  });

  it('a finished Serverless full-load replication converges to none: no resume-processing, which the API rules out', async () => {
    const world = new FakeAws();
    const { clients } = fakeClients(world);
    const yaml = FULL_LOAD.replace(`replicationInstanceArn: ${INSTANCE_ARN}`, 'serverless: {minDcu: 2, maxDcu: 8}').replace('dmsLatencySeconds: 120, ', '');
    await provisionOnce(world, cfgOf(yaml), clients);
    expect(world.mutations).toContain(`StartReplication(start-replication):${RC_ARN}`);
    Object.assign(world.replications.get(RC_ARN)!, { Status: 'stopped', StopReason: 'Stop Reason FULL_LOAD_ONLY_FINISHED' });
    world.mutations = [];
    const again = await provisionOnce(world, cfgOf(yaml), clients);
    expect(again.actions.filter((a) => a.action !== 'none')).toEqual([]);
    expect(world.mutations).toEqual([]);
  });

  it('a failed task is drift naming its LastFailureMessage (exit 3); --restart-failed resumes it', async () => {
    const world = new FakeAws();
    const { clients } = fakeClients(world);
    await provisionOnce(world, cfgOf(), clients);
    Object.assign(world.tasks.get('orders-task')!, { Status: 'failed', LastFailureMessage: 'Error reading the source: replication slot is missing' });
    world.mutations = [];
    const drift = await provisionOnce(world, cfgOf(), clients);
    expect(drift.actions.filter((a) => a.action !== 'none')).toEqual([
      { resource: 'dms-task', name: 'orders-task', action: 'drift', last: true, detail: 'the task failed: Error reading the source: replication slot is missing; fix the cause, then re-run with --restart-failed' },
    ]);
    expect(drift.error?.exitCode).toBe(3);
    expect(world.mutations).toEqual([]);
    await provisionOnce(world, cfgOf(), clients, { restartFailed: true });
    expect(world.mutations).toEqual([`StartReplicationTask(resume-processing):${TASK_ARN}`]);
  });
});

// Role propagation errors come only from real IAM (moto does no IAM checks, FACTS): recorded real-shaped
// errors on the fakes above. The clock and the sleep are injected, so 2 minutes of waiting take no time.
describe('provision on mocked AWS: a new IAM role is waited for (issue 15 item 2)', () => {
  /** A run on a fake clock that the sleeps advance; every progress line's texts are kept. */
  async function run(clients: Clients, opts: { yaml?: string; createRoles?: boolean; testConnection?: boolean } = {}) {
    let clock = 1_000_000;
    const slept: number[] = [];
    const texts: string[] = [];
    const host = {
      ...SILENT_HOST,
      progress: async (first: string) => {
        texts.push(first);
        return {
          get text() {
            return texts.at(-1)!;
          },
          set text(t: string) {
            texts.push(t);
          },
          succeed: (t?: string) => void texts.push(`✔ ${t ?? ''}`),
          fail: (t?: string) => void texts.push(`✖ ${t ?? ''}`),
          stop: () => undefined,
        };
      },
    };
    const result = await provision(
      {
        cfg: cfgOf(opts.yaml),
        configPath: 'test.yaml',
        createRoles: opts.createRoles ?? true,
        dryRun: false,
        check: false,
        yes: true,
        testConnection: Boolean(opts.testConnection),
        wait: FAST,
        sleep: async (ms) => {
          slept.push(ms);
          clock += ms;
        },
        now: () => clock,
      },
      clients,
      host,
    );
    return { result, texts, slept, waited: slept.reduce((a, b) => a + b, 0) };
  }
  const calls = (cmd: unknown, m = 2) => mocks[m]!.commandCalls(cmd as never).length;

  it('Firehose "unable to assume role" is retried with back-off, and the spinner says why it waits', async () => {
    const world = new FakeAws();
    world.notPropagated.CreateDeliveryStream = 3;
    const { clients } = fakeClients(world);
    const { result, texts } = await run(clients);
    expect(result.failed).toBeUndefined();
    expect(calls(CreateDeliveryStreamCommand)).toBe(4);
    const waits = texts.filter((t) => t.includes('waiting for IAM'));
    expect(waits.length).toBe(3);
    expect(waits[0]).toMatch(/^create firehose orders-to-s3: waiting for IAM to propagate the new role \(Firehose is unable to assume role …\. Please check the role provided\.\), 0 s of at most 120 s$/);
    expect(waits[2]).toMatch(/, 6 s of at most 120 s$/); // 2 s, then 4 s
    expect(world.firehoses.has('orders-to-s3')).toBe(true);
  });

  it('after 2 minutes it fails with a hint, having waited no longer', async () => {
    const world = new FakeAws();
    world.notPropagated.CreateDeliveryStream = 1000;
    const { clients } = fakeClients(world);
    const { result, waited } = await run(clients);
    expect(result.failed?.action).toMatchObject({ resource: 'firehose', action: 'create' });
    expect(result.error?.message).toMatch(/Firehose is unable to assume role .* \(still after \d+ s of waiting for IAM to propagate the new role\)/);
    expect(result.error?.hint).toMatch(/trust policy/);
    expect(waited).toBeLessThanOrEqual(120_000);
    expect(waited).toBeGreaterThan(100_000);
  });

  it('DMS CreateEndpoint and TestConnection AccessDeniedFault are retried the same way', async () => {
    const world = new FakeAws();
    world.notPropagated.CreateEndpoint = 2;
    world.notPropagated.TestConnection = 1;
    const { clients } = fakeClients(world);
    const { result, texts } = await run(clients, { testConnection: true });
    expect(result.failed).toBeUndefined();
    expect(calls(CreateEndpointCommand, 1)).toBe(3);
    expect(calls(TestConnectionCommand, 1)).toBe(2);
    expect(texts.filter((t) => t.includes('waiting for IAM to propagate the new role (The IAM Role … is not configured properly.)')).length).toBe(3);
  });

  it('a connection test that fails because the new role is refused is tested again', async () => {
    const world = new FakeAws();
    world.connectionFailures = 2; // the waiter's poll, then the read of why
    const { clients } = fakeClients(world);
    const { result, texts } = await run(clients, { testConnection: true });
    expect(result.failed).toBeUndefined();
    expect(calls(TestConnectionCommand, 1)).toBe(2);
    expect(texts.some((t) => t.startsWith('test connection orders-cdc-kinesis-target: waiting for IAM to propagate the new role (the connection test failed:'))).toBe(true);
  });

  it('a connection test that fails for another reason is not retried, and says why', async () => {
    const world = new FakeAws();
    const { clients } = fakeClients(world);
    mocks[1]!.on(DescribeConnectionsCommand).resolves({ Connections: [{ Status: 'failed', LastFailureMessage: 'Stream orders-cdc not found' }] });
    const { result } = await run(clients, { testConnection: true });
    expect(result.error?.message).toContain('the connection test failed: Stream orders-cdc not found');
    expect(calls(TestConnectionCommand, 1)).toBe(1);
  });

  it('other errors are not retried', async () => {
    const world = new FakeAws();
    const { clients } = fakeClients(world);
    mocks[2]!.on(CreateDeliveryStreamCommand).rejects(awsError('InvalidArgumentException', 'BucketARN arn:aws:s3:::orders-archive does not exist'));
    const { result, slept } = await run(clients);
    expect(result.error?.message).toMatch(/does not exist/);
    expect(calls(CreateDeliveryStreamCommand)).toBe(1);
    expect(slept.filter((ms) => ms >= 1000)).toEqual([]);
  });

  it('a role the file names (not created by this run) is not waited for: it fails at once with the hint', async () => {
    const world = new FakeAws();
    world.notPropagated.CreateEndpoint = 1;
    const { clients } = fakeClients(world);
    const yaml = PIPELINE.replace('dms:\n', `dms:\n  serviceAccessRoleArn: arn:aws:iam::${ACCOUNT}:role/existing-dms\n`);
    const { result, waited } = await run(clients, { yaml });
    expect(calls(CreateEndpointCommand, 1)).toBe(1);
    expect(waited).toBeLessThan(1000);
    expect(result.error?.exitCode).toBe(5);
    expect(result.error?.hint).toMatch(/trust policy .*--print-policies/);
  });
});

describe('provision on mocked AWS: a failure at each step, then a re-run', () => {
  const cases = CREATE_SEQUENCE.flatMap((step, n) => [
    { step, index: n + 1, mode: 'before' as const },
    { step, index: n + 1, mode: 'after' as const },
  ]);

  it.each(cases)('fails at $step ($mode it takes effect); the re-run finishes with no duplicate and no delete', async ({ index, mode }) => {
    const reference = new FakeAws();
    const ref = fakeClients(reference);
    await provisionOnce(reference, cfgOf(), ref.clients);
    for (const m of mocks.splice(0)) m.restore();

    const world = new FakeAws();
    world.failAt = { index, mode };
    const { clients, allCommands } = fakeClients(world);
    const err = await provisionOnce(world, cfgOf(), clients).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toMatch(/failed: .*injected/);
    const doneBefore = world.mutations.length;
    expect(doneBefore).toBe(mode === 'before' ? index - 1 : index); // what was created is kept

    world.failAt = undefined;
    await provisionOnce(world, cfgOf(), clients);
    // Every create happened exactly once over both runs; the converged state is the same as a clean run's.
    const creates = world.mutations.filter((m) => /^(Create|Start)/.test(m));
    expect(creates.length).toBe(new Set(creates).size);
    expect(world.snapshot()).toEqual(reference.snapshot());
    expect(allCommands().filter((name) => /^(Delete|Remove|Stop|Deregister)/.test(name))).toEqual([]);

    world.mutations = [];
    await provisionOnce(world, cfgOf(), clients);
    expect(world.mutations).toEqual([]);
  });
});
