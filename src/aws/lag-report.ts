/**
 * Builds one lag report: reads the consumer's positions (KCL leases, tail checkpoint, EFO or stream
 * metrics), probes each shard, evaluates the status rules over the samples collected so far (one
 * invocation, or every refresh of --watch) and adds the pipeline stages.
 */
import { kinesisApi } from './api/kinesis.js';
import type { AwsClients } from './clients.js';
import { listAllShards, describeStream } from './shards.js';
import { probeShardLag, type ProbeResult } from './lag-probe.js';
import {
  dmsMetricSpecs,
  efoMetricSpecs,
  firehoseMetricSpecs,
  getMetricSeries,
  metricPeriodS,
  resolveDmsTask,
  scanLeaseTable,
  streamMetricSpecs,
  type MetricSeries,
  type MetricSpec,
} from './lag-sources.js';
import {
  mapPositionsToShards,
  positionLabel,
  shardLagMs,
  stageBreakdown,
  type AggregateLagReport,
  type ConsumerPosition,
  type LagReport,
  type LagSourceKind,
  type ShardLagReport,
  type ShardRow,
  type StageInputs,
} from '../core/lag-model.js';
import { evaluateShard, worstStatus, type LagSample, type Liveness, type StatusResult } from '../core/lag-status.js';
import { UsageError } from '../errors.js';
import { readCheckpointFile } from '../io/checkpoint-file.js';

export type LagSource =
  | { kind: 'kcl'; app: string; table: string }
  | { kind: 'checkpoint'; path: string }
  | { kind: 'efo'; consumer: string }
  | { kind: 'stream-metrics' };

export interface LagOptions {
  stream: string;
  source: LagSource;
  dmsTask?: string;
  firehose?: string;
  windowMs: number;
  thresholdMs: number;
  /** KCL: time between the two lease reads that tell a live owner (counter moves) from a stopped one. */
  observeMs: number;
  countLimit: number;
}

/** Samples kept across --watch refreshes, by shard; pruned to the window. */
export class LagSession {
  readonly samples = new Map<string, LagSample[]>();
  refreshes = 0;

  add(key: string, sample: LagSample, windowMs: number): LagSample[] {
    const list = (this.samples.get(key) ?? []).filter((s) => s.atMs >= sample.atMs - windowMs);
    list.push(sample);
    this.samples.set(key, list);
    return list;
  }
}

export interface LagDeps {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  warn: (text: string) => void;
}

const PROBE_CONCURRENCY = 8;
/** CloudWatch publishes with a delay of a few minutes: a consumer metric this old is a stopped consumer. */
const METRIC_STALE_MS = 5 * 60_000;

export async function collectLag(aws: AwsClients, opts: LagOptions, session: LagSession, deps: LagDeps): Promise<LagReport> {
  const first = session.refreshes === 0;
  session.refreshes++;
  const notes: string[] = [];
  const base = {
    stream: opts.stream,
    source: opts.source.kind as LagSourceKind,
    thresholdMs: opts.thresholdMs,
    windowMs: opts.windowMs,
  };
  let shards: ShardLagReport[] = [];
  let aggregate: AggregateLagReport | undefined;
  let throttling: LagReport['throttling'];
  const extra: Partial<LagReport> = {};
  const cwSpecs: MetricSpec[] = [];

  if (opts.source.kind === 'kcl' || opts.source.kind === 'checkpoint') {
    const res = await collectPositions(aws, opts, session, deps, first, notes);
    shards = res.shards;
    Object.assign(extra, res.extra);
  }

  // CloudWatch: consumer/stream metrics and the DMS/Firehose stages in one batched GetMetricData.
  let dmsNote: string | undefined;
  if (opts.source.kind === 'efo') cwSpecs.push(...efoMetricSpecs(opts.stream, opts.source.consumer));
  let perShardIds: string[] = [];
  if (opts.source.kind === 'stream-metrics') {
    const kinesis = await aws.kinesisSdk();
    const [summary, listed] = await Promise.all([describeStream(kinesisApi(kinesis), opts.stream), listAllShards(kinesisApi(kinesis), opts.stream)]);
    const enhanced = (summary.EnhancedMonitoring ?? []).flatMap((m) => m.ShardLevelMetrics ?? []);
    if (enhanced.includes('IteratorAgeMilliseconds') || enhanced.includes('ALL')) perShardIds = listed.shards.map((s) => s.ShardId!);
    else notes.push('per-shard iterator age needs enhanced monitoring (EnableEnhancedMonitoring IteratorAgeMilliseconds); showing the stream-level maximum over every consumer application');
    cwSpecs.push(...streamMetricSpecs(opts.stream, perShardIds));
  }
  if (opts.dmsTask || opts.firehose) {
    const cw = await aws.cloudwatchSdk();
    if (opts.dmsTask) {
      const dims = await resolveDmsTask(await aws.dmsSdk(), cw, opts.dmsTask);
      if (!dims.confirmed) dmsNote = `DMS task ${dims.taskName}: no CDCLatencySource metric found by ListMetrics yet (has CDC run?)`;
      cwSpecs.push(...dmsMetricSpecs(dims));
    }
    if (opts.firehose) cwSpecs.push(...firehoseMetricSpecs(opts.firehose));
  }
  if (dmsNote) notes.push(dmsNote);

  let series = new Map<string, MetricSeries>();
  if (cwSpecs.length) {
    const endMs = deps.now();
    const fetch = getMetricSeries(await aws.cloudwatchSdk(), cwSpecs, { startMs: endMs - opts.windowMs, endMs, periodS: metricPeriodS(opts.windowMs) });
    if (opts.source.kind === 'efo' || opts.source.kind === 'stream-metrics') {
      series = (await fetch).series;
    } else {
      // The stages are side information for KCL/checkpoint sources: a failed read degrades to a warning.
      try {
        series = (await fetch).series;
      } catch (err) {
        deps.warn(`could not read the stage metrics from CloudWatch: ${(err as Error).message}`);
      }
    }
  }
  const nowMs = deps.now();
  if (opts.source.kind === 'efo' || opts.source.kind === 'stream-metrics') {
    const metricId = opts.source.kind === 'efo' ? 'efoBehind' : 'iteratorAge';
    const metricName = opts.source.kind === 'efo' ? `SubscribeToShardEvent.MillisBehindLatest (consumer ${opts.source.consumer})` : 'GetRecords.IteratorAgeMilliseconds';
    aggregate = evaluateMetricConsumer(series.get(metricId), series.get('incoming'), opts, nowMs, metricName, opts.source.kind === 'efo' ? 'consumer' : 'stream');
    throttling = { readThrottledSum: sum(series.get('readThrottled')), writeThrottledSum: sum(series.get('writeThrottled')) };
    if (opts.source.kind === 'efo') extra.efoConsumer = opts.source.consumer;
    shards = perShardIds.map((shardId, i) => shardFromMetric(shardId, series.get(`shard${i}`), opts, nowMs));
  }

  const statuses = [...shards.map((s) => s.status), ...(aggregate ? [aggregate.status] : [])];
  const status = worstStatus(statuses);
  const lags = [...shards.map((s) => s.lagMs), ...(aggregate ? [aggregate.lagMs] : [])];
  const maxLagMs = lags.length ? Math.max(...lags) : 0;
  const worst = [...shards.map((s) => ({ who: s.shardId, ...s })), ...(aggregate ? [{ who: aggregate.scope, ...aggregate }] : [])]
    .filter((s) => s.status === status)
    .sort((a, b) => b.lagMs - a.lagMs)[0];

  const stageInput: StageInputs = {
    cdcLatencySourceS: latest(series.get('dmsSource')),
    cdcLatencyTargetS: latest(series.get('dmsTarget')),
    firehoseFreshnessS: latest(series.get('firehoseFreshness')),
    consumerLagMs: lags.length ? maxLagMs : undefined,
    consumerFrom: opts.source.kind === 'kcl' ? `KCL app ${opts.source.app}` : opts.source.kind === 'checkpoint' ? 'tail checkpoint' : (aggregate?.metric ?? 'consumer'),
  };
  return {
    ...base,
    ...extra,
    status,
    reason: worst ? `${worst.who}: ${worst.reason}` : 'no shards',
    maxLagMs,
    evaluatedAt: new Date(nowMs).toISOString(),
    shards,
    ...(aggregate ? { aggregate } : {}),
    stages: stageBreakdown(stageInput),
    ...(throttling ? { throttling } : {}),
    notes,
  };
}

/** KCL leases or a tail checkpoint file: positions, two reads for liveness, one probe per shard. */
async function collectPositions(
  aws: AwsClients,
  opts: LagOptions,
  session: LagSession,
  deps: LagDeps,
  first: boolean,
  notes: string[],
): Promise<{ shards: ShardLagReport[]; extra: Partial<LagReport> }> {
  const source = opts.source as Extract<LagSource, { kind: 'kcl' | 'checkpoint' }>;
  const kinesis = await aws.kinesisSdk();
  const read = async (): Promise<{ atMs: number; positions: ConsumerPosition[]; activityMs?: number }> => {
    const atMs = deps.now();
    if (source.kind === 'kcl') {
      const scan = await scanLeaseTable(await aws.dynamodbSdk(), source.table, opts.stream);
      return {
        atMs,
        positions: scan.leases.map((l) => ({
          shardId: l.shardId,
          position: l.checkpoint,
          owner: l.owner,
          leaseCounter: l.leaseCounter,
          ownerSwitchesSinceCheckpoint: l.ownerSwitchesSinceCheckpoint,
          parentShardIds: l.parentShardIds,
        })),
      };
    }
    const cp = await readCheckpointFile(source.path, '--checkpoint');
    if (cp.stream !== opts.stream) throw new UsageError(`--checkpoint: '${source.path}' is a checkpoint of stream '${cp.stream}', not '${opts.stream}'`);
    return {
      atMs,
      // parseCheckpoint has checked updatedAt is an ISO-8601 time.
      activityMs: Date.parse(cp.updatedAt),
      positions: Object.entries(cp.shards).map(([shardId, e]) => ({
        shardId,
        position: e.closed ? { kind: 'SHARD_END' as const } : { kind: 'sequence' as const, sequenceNumber: e.sequenceNumber, ...(e.subSequenceNumber ? { subSequenceNumber: e.subSequenceNumber } : {}) },
        ...(e.arrivalTime && Number.isFinite(Date.parse(e.arrivalTime)) ? { checkpointArrivalMs: Date.parse(e.arrivalTime) } : {}),
      })),
    };
  };

  // The lease table keeps no renewal time: read it twice, --observe apart, on the first refresh; a
  // live owner bumps leaseCounter every failoverTimeMillis / 3. Later --watch refreshes compare with
  // the previous refresh instead.
  const before = source.kind === 'kcl' && first && opts.observeMs > 0 ? await read() : undefined;
  if (before) {
    for (const p of before.positions) session.add(p.shardId, leaseSample(before.atMs, p), opts.windowMs);
    await deps.sleep(opts.observeMs);
  }
  const [now, listed] = await Promise.all([read(), listAllShards(kinesisApi(kinesis), opts.stream)]);
  if (source.kind === 'kcl' && now.positions.length === 0) notes.push(`lease table '${source.table}' has no lease for stream '${opts.stream}'`);
  const rows = mapPositionsToShards(
    listed.shards.map((s) => ({ shardId: s.ShardId!, parentShardIds: [s.ParentShardId, s.AdjacentParentShardId].filter((x): x is string => Boolean(x)).sort(), closed: Boolean(s.SequenceNumberRange?.EndingSequenceNumber) })),
    now.positions,
  );

  const probes = await mapLimit(rows, PROBE_CONCURRENCY, async (row) => {
    if (!row.probe) return undefined;
    const result = await probeShardLag(kinesis, opts.stream, row.shardId, row.probe, {
      countLimit: opts.countLimit,
      withCheckpointRecord: row.consumer?.checkpointArrivalMs === undefined,
    });
    return { result, atMs: deps.now() };
  });

  const shards = rows.map((row, i) => {
    const probe = probes[i];
    const atMs = probe?.atMs ?? now.atMs;
    const lagMs = shardLagMs(atMs, probe?.result.firstUnprocessedArrivalMs);
    const c = row.consumer;
    const samples = session.add(row.shardId, { ...(c ? leaseSample(now.atMs, c) : { atMs: now.atMs }), atMs, lagMs }, opts.windowMs);
    const liveness: Liveness =
      row.waitingForParent || !row.inStream
        ? { kind: 'none' }
        : source.kind === 'kcl'
          ? { kind: 'lease', minObserveMs: Math.min(opts.observeMs || Infinity, opts.windowMs), hasOwner: Boolean(c?.owner), ...(c ? {} : { ownerlessWhy: 'no lease: no worker processes this shard' }) }
          : // A tail checkpoint file is one consumer: its updatedAt is the sign of life for every shard,
            // including children it has not reached yet (tail writes no entry for a shard it found empty).
            { kind: 'activity', lastActivityMs: now.activityMs, staleAfterMs: opts.windowMs };
    const evaluated = evaluateShard(
      { samples, liveness, finished: c?.position?.kind === 'SHARD_END' || (!row.inStream && !probe) },
      { nowMs: atMs, windowMs: opts.windowMs, thresholdMs: opts.thresholdMs },
    );
    return shardReport(row, probe?.result, evaluated, atMs);
  });
  const extra: Partial<LagReport> =
    source.kind === 'kcl' ? { app: source.app, leaseTable: source.table } : { checkpointFile: source.path };
  return { shards, extra };
}

function leaseSample(atMs: number, p: ConsumerPosition): LagSample {
  return {
    atMs,
    ...(p.position ? { checkpoint: positionLabel(p.position)! + (p.position.kind === 'sequence' && p.position.subSequenceNumber ? `/${p.position.subSequenceNumber}` : '') } : {}),
    ...(p.leaseCounter !== undefined ? { leaseCounter: p.leaseCounter } : {}),
    ...(p.owner ? { owner: p.owner } : {}),
  };
}

function shardReport(row: ShardRow, probe: ProbeResult | undefined, evaluated: StatusResult, atMs: number): ShardLagReport {
  const c = row.consumer;
  const checkpointArrivalMs = c?.checkpointArrivalMs ?? probe?.checkpointArrivalMs;
  const pos = c?.position;
  return {
    shardId: row.shardId,
    parentShardIds: row.parentShardIds,
    closed: row.closed,
    lagMs: Math.round(evaluated.lagMs),
    status: evaluated.status,
    reason: evaluated.reason,
    ...(c?.owner ? { owner: c.owner } : {}),
    ...(c?.leaseCounter !== undefined ? { leaseCounter: c.leaseCounter } : {}),
    ...(c?.ownerSwitchesSinceCheckpoint !== undefined ? { ownerSwitchesSinceCheckpoint: c.ownerSwitchesSinceCheckpoint } : {}),
    ...(pos ? { checkpoint: positionLabel(pos) } : {}),
    ...(pos?.kind === 'sequence' && pos.subSequenceNumber ? { checkpointSubSequenceNumber: pos.subSequenceNumber } : {}),
    ...(checkpointArrivalMs !== undefined ? { checkpointAgeMs: Math.max(0, Math.round(atMs - checkpointArrivalMs)) } : {}),
    ...(probe?.firstUnprocessedArrivalMs !== undefined ? { firstUnprocessedArrivalTime: new Date(probe.firstUnprocessedArrivalMs).toISOString() } : {}),
    ...(probe ? { measuredAt: new Date(atMs).toISOString() } : {}),
    ...(probe ? { recordsBehind: probe.recordsBehind, recordsBehindExact: probe.recordsBehindExact } : pos?.kind === 'SHARD_END' ? { recordsBehind: 0, recordsBehindExact: true } : {}),
    ...(row.note || probe?.trimmed ? { note: [row.note, probe?.trimmed ? 'checkpoint older than the retention period: read from TRIM_HORIZON' : undefined].filter(Boolean).join('; ') } : {}),
  };
}

/**
 * A consumer seen through a CloudWatch metric (EFO MillisBehindLatest, or the stream's iterator age):
 * the datapoints are the samples; no datapoint for METRIC_STALE_MS while records arrive means nobody
 * reads (those metrics are published only when reads happen).
 */
function evaluateMetricConsumer(
  metric: MetricSeries | undefined,
  incoming: MetricSeries | undefined,
  opts: LagOptions,
  nowMs: number,
  metricName: string,
  scope: 'consumer' | 'stream',
): AggregateLagReport {
  const samples: LagSample[] = (metric?.timestampsMs ?? []).map((t, i) => ({ atMs: t, lagMs: metric!.values[i]! }));
  const lastActivityMs = metric?.timestampsMs.at(-1);
  // Records that arrived after the consumer's last datapoint wait at least since the first of them.
  const waitingSince = (incoming?.timestampsMs ?? []).find((t, i) => (incoming!.values[i] ?? 0) > 0 && (lastActivityMs === undefined || t > lastActivityMs));
  if (waitingSince !== undefined && (lastActivityMs === undefined || nowMs - lastActivityMs > METRIC_STALE_MS)) {
    samples.push({ atMs: nowMs, lagMs: Math.max(nowMs - waitingSince, samples.at(-1)?.lagMs ?? 0) });
  }
  const r = evaluateShard(
    { samples, liveness: { kind: 'activity', lastActivityMs: waitingSince === undefined ? nowMs : lastActivityMs, staleAfterMs: Math.min(METRIC_STALE_MS, opts.windowMs) } },
    { nowMs, windowMs: opts.windowMs, thresholdMs: opts.thresholdMs },
  );
  return { scope, metric: metricName, lagMs: Math.round(r.lagMs), status: r.status, reason: r.reason };
}

function shardFromMetric(shardId: string, metric: MetricSeries | undefined, opts: LagOptions, nowMs: number): ShardLagReport {
  const samples: LagSample[] = (metric?.timestampsMs ?? []).map((t, i) => ({ atMs: t, lagMs: metric!.values[i]! }));
  const r = evaluateShard({ samples, liveness: { kind: 'none' } }, { nowMs, windowMs: opts.windowMs, thresholdMs: opts.thresholdMs });
  return { shardId, parentShardIds: [], closed: false, lagMs: Math.round(r.lagMs), status: r.status, reason: r.reason, note: 'IteratorAgeMilliseconds (max over consumer applications)' };
}

function latest(s: MetricSeries | undefined): number | undefined {
  return s && s.values.length ? s.values[s.values.length - 1] : undefined;
}

function sum(s: MetricSeries | undefined): number {
  return (s?.values ?? []).reduce((a, b) => a + b, 0);
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}
