// Lag and reshard planning at scale (issue 8 (d)): the real code paths of `cdcpipe lag` and
// `cdcpipe reshard` (dist/services/lag.js collectLag, dist/services/reshard.js runReshard) on simulated
// streams of 1,000 and 10,000 shards. The AWS SDK clients are MOCKED with aws-sdk-client-mock (no AWS
// server has 10,000 shards to offer): a small in-memory stream answers ListShards (≤ 1,000 per page, as
// AWS does), DescribeStreamSummary, UpdateShardCount and GetMetricData (≤ 500 queries per call).
// Reported: AWS calls by operation and wall time, beside a baseline measured on the same mocks — the
// AWS-CLI way of doing the same by hand: DescribeStream pages (100 shards each) to read the shard map and
// one GetMetricStatistics per shard for per-shard iterator age.
// Targets: lag on 10,000 shards ≤ 21 GetMetricData calls and ≤ 11 ListShards pages; reshard 3 → 10 in
// 2 UpdateShardCount calls.
//
//   npx tsc -p tsconfig.build.json && node bench/scale.js [--json]
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListShardsCommand,
  ListTagsForStreamCommand,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { CloudWatchClient, GetMetricDataCommand, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { AwsClients } from '../dist/aws/clients.js';
import { collectLag, LagSession } from '../dist/services/lag.js';
import { SILENT_HOST } from '../dist/services/host.js';
import { runReshard } from '../dist/services/reshard.js';
import { evenRanges } from '../dist/core/hash-range.js';

export const TARGETS = { lagGetMetricDataCalls: 21, lagListShardsPages: 11, reshard3to10UpdateShardCountCalls: 2 };
const STREAM = 'bench-scale';
const DAY_MS = 86_400_000;
const NOW = Date.parse('2026-11-27T10:00:00Z');

const shardId = (n) => `shardId-${String(n).padStart(12, '0')}`;

/** An in-memory provisioned stream: every shard ever created (open and closed), with lineage. */
class SimStream {
  constructor(openCount) {
    this.shards = [];
    this.nextId = 0;
    this.seq = 1;
    for (const r of evenRanges(openCount)) this.add(r);
  }
  add(range, parent) {
    const shard = {
      ShardId: shardId(this.nextId++),
      HashKeyRange: { StartingHashKey: range.start.toString(), EndingHashKey: range.end.toString() },
      SequenceNumberRange: { StartingSequenceNumber: String(this.seq++).padStart(21, '0') },
      ...(parent ? { ParentShardId: parent } : {}),
    };
    this.shards.push(shard);
    return shard;
  }
  open() {
    return this.shards.filter((s) => !s.SequenceNumberRange.EndingSequenceNumber);
  }
  /** UNIFORM_SCALING as AWS does it: the open shards are closed and `target` even children replace them. */
  updateShardCount(target) {
    const old = this.open();
    for (const s of old) s.SequenceNumberRange.EndingSequenceNumber = String(this.seq++).padStart(21, '0');
    for (const r of evenRanges(target)) {
      const parent = old.find((s) => BigInt(s.HashKeyRange.StartingHashKey) <= r.start && r.start <= BigInt(s.HashKeyRange.EndingHashKey));
      this.add(r, parent?.ShardId);
    }
  }
}

/** Mocks every KinesisClient and CloudWatchClient instance (the prototype), backed by `sim`. */
function mockAws(sim) {
  const kinesis = mockClient(KinesisClient);
  const cloudwatch = mockClient(CloudWatchClient);
  const page = (list, token, max) => {
    const from = token ? Number(token) : 0;
    const to = Math.min(list.length, from + Math.min(max ?? 1000, 1000));
    return { Shards: list.slice(from, to), ...(to < list.length ? { NextToken: String(to) } : {}) };
  };
  kinesis.on(ListShardsCommand).callsFake((input) => page(sim.shards, input.NextToken, input.MaxResults));
  kinesis.on(DescribeStreamSummaryCommand).callsFake(() => ({
    StreamDescriptionSummary: {
      StreamName: STREAM,
      StreamARN: `arn:aws:kinesis:us-east-1:123456789012:stream/${STREAM}`,
      StreamStatus: 'ACTIVE',
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      OpenShardCount: sim.open().length,
      RetentionPeriodHours: 24,
      // Created a month ago: reshard reads the last 24 h of resharding with ListShards AT_/FROM_TIMESTAMP.
      StreamCreationTimestamp: new Date(NOW - 30 * DAY_MS),
      EnhancedMonitoring: [{ ShardLevelMetrics: ['ALL'] }],
    },
  }));
  // DescribeStream (baseline only): at most 100 shards per call, paged by ExclusiveStartShardId.
  kinesis.on(DescribeStreamCommand).callsFake((input) => {
    const from = input.ExclusiveStartShardId ? sim.shards.findIndex((s) => s.ShardId === input.ExclusiveStartShardId) + 1 : 0;
    const shards = sim.shards.slice(from, from + Math.min(input.Limit ?? 100, 100));
    return { StreamDescription: { StreamName: STREAM, StreamStatus: 'ACTIVE', Shards: shards, HasMoreShards: from + shards.length < sim.shards.length } };
  });
  kinesis.on(ListTagsForStreamCommand).resolves({ Tags: [], HasMoreTags: false });
  kinesis.on(UpdateShardCountCommand).callsFake((input) => {
    sim.updateShardCount(input.TargetShardCount);
    return { StreamName: STREAM, CurrentShardCount: sim.open().length, TargetShardCount: input.TargetShardCount };
  });
  // GetMetricData: one datapoint per query, an iterator age of 1.5 s a minute ago; AWS caps a call at 500 queries.
  cloudwatch.on(GetMetricDataCommand).callsFake((input) => {
    if (input.MetricDataQueries.length > 500) throw Object.assign(new Error('more than 500 queries'), { name: 'ValidationError' });
    return { MetricDataResults: input.MetricDataQueries.map((q) => ({ Id: q.Id, Timestamps: [new Date(NOW - 60_000)], Values: [1500], StatusCode: 'Complete' })) };
  });
  cloudwatch.on(GetMetricStatisticsCommand).resolves({ Datapoints: [{ Timestamp: new Date(NOW - 60_000), Maximum: 1500 }] });
  return {
    calls() {
      const out = {};
      for (const m of [kinesis, cloudwatch]) for (const c of m.calls()) {
        const op = c.args[0].constructor.name.replace(/Command$/, '');
        out[op] = (out[op] ?? 0) + 1;
      }
      return out;
    },
    reset() {
      kinesis.resetHistory();
      cloudwatch.resetHistory();
    },
    restore() {
      kinesis.restore();
      cloudwatch.restore();
    },
  };
}

/** The clients exactly as a command gets them (src/aws/clients.ts), pointed at a closed port: only the mocks answer. */
function clients() {
  return new AwsClients({ endpointUrl: 'http://127.0.0.1:9', region: 'us-east-1', env: {}, credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-not-a-secret' } });
}

async function timed(fn) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const value = await fn();
  const cpu = process.cpuUsage(cpu0);
  return { value, wallMs: +(performance.now() - t0).toFixed(1), cpuMs: +((cpu.user + cpu.system) / 1000).toFixed(1) };
}

/** `cdcpipe lag <stream>` with stream metrics and enhanced monitoring on: per-shard iterator age for every shard. */
async function lagRun(aws) {
  const opts = { stream: STREAM, source: { kind: 'stream-metrics' }, windowMs: 15 * 60_000, thresholdMs: 5 * 60_000, observeMs: 0, countLimit: 1000 };
  const report = await collectLag(opts, aws, SILENT_HOST, new LagSession(), { now: () => NOW, sleep: async () => {} });
  return { status: report.status, shardsReported: report.shards.length };
}

/** The baseline: what a script over the AWS CLI does — describe-stream pages, then get-metric-statistics per shard. */
async function lagBaseline(aws) {
  const kinesis = await aws.kinesisSdk();
  const cw = await aws.cloudwatchSdk();
  const shards = [];
  let last;
  for (;;) {
    const res = await kinesis.send(new DescribeStreamCommand({ StreamName: STREAM, ...(last ? { ExclusiveStartShardId: last } : {}) }));
    shards.push(...res.StreamDescription.Shards);
    if (!res.StreamDescription.HasMoreShards) break;
    last = shards.at(-1).ShardId;
  }
  const open = shards.filter((s) => !s.SequenceNumberRange.EndingSequenceNumber);
  let max = 0;
  for (const s of open) {
    const res = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/Kinesis',
        MetricName: 'IteratorAgeMilliseconds',
        Dimensions: [{ Name: 'StreamName', Value: STREAM }, { Name: 'ShardId', Value: s.ShardId }],
        StartTime: new Date(NOW - 15 * 60_000),
        EndTime: new Date(NOW),
        Period: 60,
        Statistics: ['Maximum'],
      }),
    );
    for (const d of res.Datapoints ?? []) max = Math.max(max, d.Maximum ?? 0);
  }
  return { shardsReported: open.length, maxIteratorAgeMs: max };
}

async function reshardRun(aws, target, dryRun) {
  const clients = { kinesis: () => aws.kinesisApi(), cloudwatch: () => aws.cloudwatchApi() };
  const r = await runReshard({ stream: STREAM, mode: { kind: 'to', target, switchToProvisioned: false }, dryRun, now: new Date(NOW), waitTimeoutMs: 60_000 }, clients, SILENT_HOST);
  return { steps: r.steps.map((s) => `${s.call} ${s.params.TargetShardCount ?? ''} ${s.status}`.trim()), openAfter: r.after.length, uneven: r.uneven.length };
}

/** Reading the shard map the AWS-CLI way (the baseline for planning): describe-stream, 100 shards a page. */
async function describeStreamPages(aws) {
  const kinesis = await aws.kinesisSdk();
  let last;
  let shards = 0;
  for (;;) {
    const res = await kinesis.send(new DescribeStreamCommand({ StreamName: STREAM, ...(last ? { ExclusiveStartShardId: last } : {}) }));
    shards += res.StreamDescription.Shards.length;
    if (!res.StreamDescription.HasMoreShards) break;
    last = res.StreamDescription.Shards.at(-1).ShardId;
  }
  return { shards };
}

async function measure(sim, fn) {
  const mocks = mockAws(sim);
  const aws = clients();
  try {
    const t = await timed(() => fn(aws));
    return { ...t.value, calls: mocks.calls(), wallMs: t.wallMs, cpuMs: t.cpuMs };
  } finally {
    aws.destroy();
    mocks.restore();
  }
}

export async function benchScale(sizes = [1000, 10_000]) {
  const out = { sizes: {}, reshard3to10: undefined, targets: TARGETS };
  // Warm-up (module loading, JIT) so the first measured size does not pay for it.
  await measure(new SimStream(50), lagRun);
  for (const n of sizes) {
    const sim = new SimStream(n);
    // Interleaved: the baseline right after cdcpipe, on the same simulated stream.
    const lag = await measure(sim, lagRun);
    const lagBase = await measure(sim, lagBaseline);
    const target = n * 2 <= 10_000 ? n * 2 : n / 2;
    const plan = await measure(sim, (aws) => reshardRun(aws, target, true));
    const planBase = await measure(sim, describeStreamPages);
    out.sizes[n] = {
      lag: { calls: lag.calls, wallMs: lag.wallMs, cpuMs: lag.cpuMs, shardsReported: lag.shardsReported },
      lagBaseline: { method: 'DescribeStream pages + GetMetricStatistics per shard', calls: lagBase.calls, wallMs: lagBase.wallMs, cpuMs: lagBase.cpuMs },
      reshardPlan: { to: target, dryRun: true, steps: plan.steps, calls: plan.calls, wallMs: plan.wallMs, cpuMs: plan.cpuMs },
      reshardPlanBaseline: { method: 'read the shard map with DescribeStream pages', calls: planBase.calls, wallMs: planBase.wallMs, cpuMs: planBase.cpuMs },
    };
  }
  // 3 → 10, executed against the simulated stream (UpdateShardCount changes it), then checked by ListShards.
  const sim = new SimStream(3);
  const run = await measure(sim, (aws) => reshardRun(aws, 10, false));
  const open = sim.open();
  const evenShare = 100 / open.length;
  const worstDeviationPct = Math.max(...open.map((s) => Math.abs(Number(((BigInt(s.HashKeyRange.EndingHashKey) - BigInt(s.HashKeyRange.StartingHashKey) + 1n) * 1_000_000n) / 2n ** 128n) / 10_000 - evenShare)));
  out.reshard3to10 = {
    steps: run.steps,
    calls: run.calls,
    wallMs: run.wallMs,
    openAfter: open.length,
    worstDeviationFromEvenPct: +worstDeviationPct.toFixed(4),
    // By hand, AWS refuses UpdateShardCount 3 → 10 (more than double in one call); SplitShard one shard at a time takes 7 calls.
    baseline: { method: 'SplitShard, one new shard per call (UpdateShardCount 3 → 10 is refused: more than ×2)', calls: { SplitShard: 10 - 3 } },
  };
  const big = out.sizes[10_000];
  out.pass = {
    lagGetMetricDataCalls: big ? (big.lag.calls.GetMetricData ?? 0) <= TARGETS.lagGetMetricDataCalls : undefined,
    lagListShardsPages: big ? (big.lag.calls.ListShards ?? 0) <= TARGETS.lagListShardsPages : undefined,
    reshard3to10UpdateShardCountCalls: (run.calls.UpdateShardCount ?? 0) === TARGETS.reshard3to10UpdateShardCountCalls && open.length === 10,
  };
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await benchScale();
  if (process.argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
  else {
    const fmt = (calls) => Object.entries(calls).map(([k, v]) => `${k} ${v}`).join(', ');
    for (const [n, s] of Object.entries(r.sizes)) {
      console.log(`${Number(n).toLocaleString('en-US')} shards`);
      console.log(`  lag            ${fmt(s.lag.calls)}  (${s.lag.wallMs} ms)`);
      console.log(`  lag baseline   ${fmt(s.lagBaseline.calls)}  (${s.lagBaseline.wallMs} ms)`);
      console.log(`  reshard --to ${s.reshardPlan.to} --dry-run  ${fmt(s.reshardPlan.calls)}  (${s.reshardPlan.wallMs} ms)`);
      console.log(`  map baseline   ${fmt(s.reshardPlanBaseline.calls)}  (${s.reshardPlanBaseline.wallMs} ms)`);
    }
    console.log(`reshard 3 → 10: ${r.reshard3to10.steps.join('; ')}  ${fmt(r.reshard3to10.calls)} (${r.reshard3to10.wallMs} ms)`);
    console.log('pass', r.pass);
  }
}
