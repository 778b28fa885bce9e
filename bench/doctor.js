// doctor at scale (issue 16): the real code path of `cdcpipe doctor` (dist/services/doctor.js runDoctor),
// stream and consumers stages, on a simulated 10,000-shard stream with shard-level IncomingBytes on. The
// AWS SDK clients are MOCKED with aws-sdk-client-mock (no AWS server has 10,000 shards to offer):
// ListShards pages of ≤ 1,000, DescribeStreamSummary, GetMetricData (≤ 500 queries a call), and empty
// consumer listings. Reported beside a naive baseline measured on the same mocks: the shard map by
// DescribeStream (100 shards a call) and one GetMetricStatistics per metric (each shard's IncomingBytes
// and each stream and consumer metric).
// Target: ≤ 25 GetMetricData calls and ≤ 11 ListShards pages on 10,000 shards.
//
//   npx tsc -p tsconfig.build.json && node bench/doctor.js [--json]
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeStreamCommand, DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand, ListStreamConsumersCommand } from '@aws-sdk/client-kinesis';
import { CloudWatchClient, GetMetricDataCommand, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { FirehoseClient, ListDeliveryStreamsCommand } from '@aws-sdk/client-firehose';
import { AwsClients } from '../dist/aws/clients.js';
import { runDoctor } from '../dist/services/doctor.js';
import { SILENT_HOST } from '../dist/services/host.js';

export const DOCTOR_TARGETS = { getMetricDataCalls: 25, listShardsPages: 11 };
const STREAM = 'bench-doctor';
const NOW = Date.parse('2026-11-27T10:00:00Z');
const shardId = (n) => `shardId-${String(n).padStart(12, '0')}`;

function mockAws(shardCount) {
  const shards = Array.from({ length: shardCount }, (_, i) => ({ ShardId: shardId(i), HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' }, SequenceNumberRange: { StartingSequenceNumber: '1' } }));
  const kinesis = mockClient(KinesisClient);
  const cloudwatch = mockClient(CloudWatchClient);
  const lambda = mockClient(LambdaClient);
  const firehose = mockClient(FirehoseClient);
  kinesis.on(ListShardsCommand).callsFake((input) => {
    const from = input.NextToken ? Number(input.NextToken) : 0;
    const to = Math.min(shards.length, from + Math.min(input.MaxResults ?? 1000, 1000));
    return { Shards: shards.slice(from, to), ...(to < shards.length ? { NextToken: String(to) } : {}) };
  });
  kinesis.on(DescribeStreamSummaryCommand).resolves({
    StreamDescriptionSummary: { StreamName: STREAM, StreamARN: `arn:aws:kinesis:us-east-1:123456789012:stream/${STREAM}`, StreamStatus: 'ACTIVE', RetentionPeriodHours: 24, OpenShardCount: shardCount, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis', StreamModeDetails: { StreamMode: 'PROVISIONED' }, EnhancedMonitoring: [{ ShardLevelMetrics: ['IncomingBytes'] }] },
  });
  kinesis.on(DescribeStreamCommand).callsFake((input) => {
    const from = input.ExclusiveStartShardId ? shards.findIndex((s) => s.ShardId === input.ExclusiveStartShardId) + 1 : 0;
    const page = shards.slice(from, from + 100);
    return { StreamDescription: { StreamName: STREAM, StreamStatus: 'ACTIVE', Shards: page, HasMoreShards: from + page.length < shards.length } };
  });
  kinesis.on(ListStreamConsumersCommand).resolves({ Consumers: [] });
  lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [] });
  firehose.on(ListDeliveryStreamsCommand).resolves({ DeliveryStreamNames: [], HasMoreDeliveryStreams: false });
  cloudwatch.on(GetMetricDataCommand).callsFake((input) => {
    if (input.MetricDataQueries.length > 500) throw Object.assign(new Error('more than 500 queries'), { name: 'ValidationError' });
    return { MetricDataResults: input.MetricDataQueries.map((q) => ({ Id: q.Id, Timestamps: [new Date(NOW - 60_000)], Values: [1500], StatusCode: 'Complete' })) };
  });
  cloudwatch.on(GetMetricStatisticsCommand).resolves({ Datapoints: [{ Timestamp: new Date(NOW - 60_000), Sum: 1500 }] });
  const mocks = [kinesis, cloudwatch, lambda, firehose];
  return {
    calls() {
      const out = {};
      for (const m of mocks) for (const c of m.calls()) out[c.args[0].constructor.name.replace(/Command$/, '')] = (out[c.args[0].constructor.name.replace(/Command$/, '')] ?? 0) + 1;
      return out;
    },
    reset: () => mocks.forEach((m) => m.resetHistory()),
    restore: () => mocks.forEach((m) => m.restore()),
  };
}

const clients = () => new AwsClients({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' }, maxAttempts: 1 });

async function timed(fn) {
  const t0 = performance.now();
  const value = await fn();
  return { value, wallMs: +(performance.now() - t0).toFixed(1) };
}

/** The naive way: the shard map by DescribeStream, then one GetMetricStatistics per metric. */
async function baseline(aws, metrics) {
  const kinesis = await aws.kinesisSdk();
  const cw = await aws.cloudwatchSdk();
  const ids = [];
  let start;
  for (;;) {
    const res = await kinesis.send(new DescribeStreamCommand({ StreamName: STREAM, ...(start ? { ExclusiveStartShardId: start } : {}) }));
    ids.push(...res.StreamDescription.Shards.map((s) => s.ShardId));
    if (!res.StreamDescription.HasMoreShards) break;
    start = ids[ids.length - 1];
  }
  const queries = [...ids.map((ShardId) => ({ MetricName: 'IncomingBytes', Dimensions: [{ Name: 'StreamName', Value: STREAM }, { Name: 'ShardId', Value: ShardId }] })), ...Array.from({ length: metrics }, () => ({ MetricName: 'IncomingRecords', Dimensions: [{ Name: 'StreamName', Value: STREAM }] }))];
  for (let i = 0; i < queries.length; i += 16) {
    await Promise.all(queries.slice(i, i + 16).map((q) => cw.send(new GetMetricStatisticsCommand({ Namespace: 'AWS/Kinesis', ...q, StartTime: new Date(NOW - 3_600_000), EndTime: new Date(NOW), Period: 60, Statistics: ['Sum'] }))));
  }
  return ids.length;
}

export async function benchDoctor(sizes = [1_000, 10_000]) {
  const out = { sizes: {}, targets: DOCTOR_TARGETS };
  for (const n of sizes) {
    const mocks = mockAws(n);
    const aws = clients();
    try {
      const opts = { stream: STREAM, consumers: [{ kind: 'kcl', name: 'bench-app' }], windowMs: 3_600_000, stages: ['stream', 'consumers'], thresholdMs: 300_000, dmsLatencyThresholdS: 120, nowMs: NOW };
      const run = await timed(() => runDoctor(opts, aws, SILENT_HOST));
      const doctorCalls = mocks.calls();
      mocks.reset();
      const base = await timed(() => baseline(aws, 6));
      out.sizes[n] = { doctor: { calls: doctorCalls, wallMs: run.wallMs, findings: run.value.summary }, baseline: { calls: mocks.calls(), wallMs: base.wallMs } };
    } finally {
      aws.destroy();
      mocks.restore();
    }
  }
  const big = out.sizes[10_000];
  if (big) out.pass = { getMetricDataCalls: (big.doctor.calls.GetMetricData ?? 0) <= DOCTOR_TARGETS.getMetricDataCalls, listShardsPages: (big.doctor.calls.ListShards ?? 0) <= DOCTOR_TARGETS.listShardsPages };
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await benchDoctor();
  if (process.argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
  else for (const [n, s] of Object.entries(r.sizes)) console.log(`${n} shards: doctor ${JSON.stringify(s.doctor.calls)} ${s.doctor.wallMs} ms; baseline ${JSON.stringify(s.baseline.calls)} ${s.baseline.wallMs} ms`);
}
