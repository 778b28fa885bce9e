/**
 * A whole pipeline on moto for `doctor`: stream, DMS endpoints/instance/task, Firehose, S3 objects,
 * a Lambda event source mapping and the CloudWatch figures (PutMetricData), each value chosen by the
 * test: `faulty` plants one fault per check, `clean` sets every value right.
 */
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateReplicationInstanceCommand,
  CreateReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  StartReplicationTaskCommand,
  TestConnectionCommand,
} from '@aws-sdk/client-database-migration-service';
import { CreateDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateStreamCommand, DescribeStreamSummaryCommand, EnableEnhancedMonitoringCommand, KinesisClient, ListShardsCommand, StartStreamEncryptionCommand } from '@aws-sdk/client-kinesis';
import { CreateEventSourceMappingCommand, CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { TEST_CREDENTIALS, REGION } from './kinesis.js';

export interface PipelineNames {
  stream: string;
  task: string;
  firehose: string;
  bucket: string;
  app: string;
  fn: string;
}

const cfg = (endpoint: string) => ({ endpoint, region: REGION, credentials: TEST_CREDENTIALS, requestHandler: new NodeHttpHandler() });

export async function plantPipeline(endpoint: string, n: PipelineNames, faulty: boolean, nowMs: number): Promise<{ streamArn: string }> {
  const kinesis = new KinesisClient(cfg(endpoint));
  const dms = new DatabaseMigrationServiceClient(cfg(endpoint));
  const firehose = new FirehoseClient(cfg(endpoint));
  const s3 = new S3Client({ ...cfg(endpoint), forcePathStyle: true });
  // moto does not read gzip-compressed PutMetricData bodies (the SDK compresses those over 10 KiB).
  const cw = new CloudWatchClient({ ...cfg(endpoint), disableRequestCompression: true });
  const lambda = new LambdaClient(cfg(endpoint));
  const iam = new IAMClient(cfg(endpoint));

  // Stream: the faulty one is unencrypted, 4 shards with one hot; the clean one 2 shards, encrypted.
  const shards = faulty ? 4 : 2;
  await kinesis.send(new CreateStreamCommand({ StreamName: n.stream, ShardCount: shards }));
  if (!faulty) await kinesis.send(new StartStreamEncryptionCommand({ StreamName: n.stream, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }));
  await kinesis.send(new EnableEnhancedMonitoringCommand({ StreamName: n.stream, ShardLevelMetrics: ['IncomingBytes'] }));
  const streamArn = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: n.stream }))).StreamDescriptionSummary!.StreamARN!;
  const shardIds = ((await kinesis.send(new ListShardsCommand({ StreamName: n.stream }))).Shards ?? []).map((s) => s.ShardId!);

  // DMS: source and target endpoints, an instance, a task; the faulty task has BatchApply and limited LOB mode.
  const src = await dms.send(new CreateEndpointCommand({ EndpointIdentifier: `${n.task}-src`, EndpointType: 'source', EngineName: 'postgres', ServerName: 'orders-db.abc.us-east-1.rds.amazonaws.com', Port: 5432, DatabaseName: 'orders', Username: 'dms', Password: 'not-printed-pw' }));
  const tgt = await dms.send(new CreateEndpointCommand({ EndpointIdentifier: `${n.task}-tgt`, EndpointType: 'target', EngineName: 'kinesis', KinesisSettings: { StreamArn: streamArn, MessageFormat: 'json', ServiceAccessRoleArn: 'arn:aws:iam::123456789012:role/dms' } }));
  const inst = await dms.send(new CreateReplicationInstanceCommand({ ReplicationInstanceIdentifier: `${n.task}-ri`, ReplicationInstanceClass: 'dms.t3.micro' }));
  const settings = faulty ? { TargetMetadata: { BatchApplyEnabled: true, SupportLobs: true, LimitedSizeLobMode: true, LobMaxSize: 32 } } : { TargetMetadata: { SupportLobs: true, FullLobMode: false, LimitedSizeLobMode: false } };
  const task = await dms.send(
    new CreateReplicationTaskCommand({
      ReplicationTaskIdentifier: n.task,
      SourceEndpointArn: src.Endpoint!.EndpointArn!,
      TargetEndpointArn: tgt.Endpoint!.EndpointArn!,
      ReplicationInstanceArn: inst.ReplicationInstance!.ReplicationInstanceArn!,
      MigrationType: 'full-load-and-cdc',
      TableMappings: JSON.stringify({ rules: [{ 'rule-type': 'selection', 'rule-id': '1', 'rule-name': '1', 'object-locator': { 'schema-name': 'public', 'table-name': '%' }, 'rule-action': 'include' }] }),
      ReplicationTaskSettings: JSON.stringify(settings),
    }),
  );
  const taskArn = task.ReplicationTask!.ReplicationTaskArn!;
  // The clean task runs and both endpoints tested; the faulty one was never started or tested.
  if (!faulty) {
    await dms.send(new StartReplicationTaskCommand({ ReplicationTaskArn: taskArn, StartReplicationTaskType: 'start-replication' }));
    for (const e of [src, tgt]) await dms.send(new TestConnectionCommand({ ReplicationInstanceArn: inst.ReplicationInstance!.ReplicationInstanceArn!, EndpointArn: e.Endpoint!.EndpointArn! }));
  }

  // Firehose reading the stream, into the bucket.
  await s3.send(new CreateBucketCommand({ Bucket: n.bucket }));
  await firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: n.firehose,
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: { KinesisStreamARN: streamArn, RoleARN: 'arn:aws:iam::123456789012:role/fh' },
      ExtendedS3DestinationConfiguration: {
        RoleARN: 'arn:aws:iam::123456789012:role/fh',
        BucketARN: `arn:aws:s3:::${n.bucket}`,
        Prefix: 'cdc/orders/!{timestamp:yyyy/MM/dd}/',
        ErrorOutputPrefix: 'cdc-errors/orders/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/',
        BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 300 },
        CompressionFormat: 'GZIP',
      },
    }),
  );
  const day = new Date(nowMs).toISOString().slice(0, 10).replace(/-/g, '/');
  if (faulty) {
    for (const i of [1, 2, 3]) await s3.send(new PutObjectCommand({ Bucket: n.bucket, Key: `cdc-errors/orders/processing-failed/${day}/orders-${i}`, Body: '{"errorCode":"Lambda.FunctionError"}' }));
    await s3.send(new PutObjectCommand({ Bucket: n.bucket, Key: `cdc-errors/orders/format-conversion-failed/${day}/orders-9`, Body: '{}' }));
  } else {
    await s3.send(new PutObjectCommand({ Bucket: n.bucket, Key: `cdc/orders/${day}/orders-cdc-to-s3-1`, Body: 'x' }));
  }

  // A Lambda event source mapping on the stream (moto lists it; the faulty one is disabled).
  const role = await iam.send(new CreateRoleCommand({ RoleName: `${n.fn}-role`, AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}' })).catch(() => undefined);
  await lambda.send(new CreateFunctionCommand({ FunctionName: n.fn, Runtime: 'python3.12', Role: role?.Role?.Arn ?? `arn:aws:iam::123456789012:role/${n.fn}-role`, Handler: 'index.handler', Code: { ZipFile: zipWithIndex() } }));
  await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: n.fn, EventSourceArn: streamArn, StartingPosition: 'LATEST', Enabled: !faulty }));

  // CloudWatch: one datum per minute over the last 10 minutes.
  const minutes = [...Array(10).keys()].map((k) => new Date(nowMs - (k + 1) * 60_000));
  const put = async (Namespace: string, data: MetricDatum[]) => {
    for (let i = 0; i < data.length; i += 500) await cw.send(new PutMetricDataCommand({ Namespace, MetricData: data.slice(i, i + 500) }));
  };
  const series = (MetricName: string, dims: Record<string, string>, value: number): MetricDatum[] =>
    minutes.map((Timestamp) => ({ MetricName, Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })), Timestamp, Value: value }));
  const sd = { StreamName: n.stream };
  await put('AWS/Kinesis', [
    ...series('IncomingRecords', sd, 6000),
    ...series('IncomingBytes', sd, 6000 * 1024),
    ...series('WriteProvisionedThroughputExceeded', sd, faulty ? 500 : 0),
    ...series('ReadProvisionedThroughputExceeded', sd, 0),
    ...series('GetRecords.IteratorAgeMilliseconds', sd, faulty ? 13 * 3_600_000 : 2000),
    ...shardIds.flatMap((ShardId, i) => series('IncomingBytes', { StreamName: n.stream, ShardId }, faulty && i === 0 ? 8000 : 1000)),
  ]);
  await put(n.app, series('MillisBehindLatest', { Operation: 'ApplicationTracker' }, faulty ? 20 * 60_000 : 1000));
  await put('AWS/Lambda', series('IteratorAge', { FunctionName: n.fn }, 500));
  const fd = { DeliveryStreamName: n.firehose };
  await put('AWS/Firehose', [...series('DeliveryToS3.Success', fd, faulty ? 0.5 : 1), ...series('DeliveryToS3.DataFreshness', fd, faulty ? 2000 : 120), ...series('KinesisMillisBehindLatest', fd, 1000)]);
  const dd = { ReplicationInstanceIdentifier: `${n.task}-ri`, ReplicationTaskIdentifier: taskArn.split(':').pop()! };
  await put('AWS/DMS', [...series('CDCLatencySource', dd, faulty ? 10 : 2), ...series('CDCLatencyTarget', dd, faulty ? 900 : 5)]);
  for (const c of [kinesis, dms, firehose, s3, cw, lambda, iam]) c.destroy();
  return { streamArn };
}

/** A zip holding one empty index.py (the Lambda create call wants a package; moto never runs it). */
function zipWithIndex(): Uint8Array {
  const name = Buffer.from('index.py');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(local.length + name.length, 16);
  return Buffer.concat([local, name, central, name, end]);
}
