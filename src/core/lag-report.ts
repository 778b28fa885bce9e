/**
 * Builds the lag report from what one refresh read, pure: each shard's status from its samples and
 * liveness, the consumer seen through a CloudWatch metric, then the overall status (the worst), its
 * reason, the max lag and the stage breakdown. The caller passes every reading and the time.
 */
import { evaluateShard, worstStatus, type LagSample, type Liveness, type StatusResult } from './lag-status.js';
import {
  positionLabel,
  shardLagMs,
  stageBreakdown,
  type AggregateLagReport,
  type ConsumerPosition,
  type LagReport,
  type LagSource,
  type MetricLagSource,
  type ProbeResult,
  type ShardLagReport,
  type ShardRow,
} from './lag-model.js';
import { consumerLagMetric } from './consumer-metrics.js';
import type { MetricSeries } from './metric-spec.js';

/** CloudWatch publishes with a delay of a few minutes: a consumer metric this old is a stopped consumer. */
export const METRIC_STALE_MS = 5 * 60_000;

export interface LagRules {
  windowMs: number;
  thresholdMs: number;
}

/** What one lease read (or checkpoint file read) says of a shard at `atMs`. */
export function leaseSample(atMs: number, p: ConsumerPosition): LagSample {
  return {
    atMs,
    ...(p.position ? { checkpoint: positionLabel(p.position)! + (p.position.kind === 'sequence' && p.position.subSequenceNumber ? `/${p.position.subSequenceNumber}` : '') } : {}),
    ...(p.leaseCounter !== undefined ? { leaseCounter: p.leaseCounter } : {}),
    ...(p.owner ? { owner: p.owner } : {}),
  };
}

/** This refresh's sample of one shard: the consumer's position as read at `readAtMs`, the lag as probed at `atMs`. */
export function positionSample(row: ShardRow, probe: ProbeResult | undefined, readAtMs: number, atMs: number): LagSample {
  const c = row.consumer;
  return { ...(c ? leaseSample(readAtMs, c) : { atMs: readAtMs }), atMs, lagMs: shardLagMs(atMs, probe?.firstUnprocessedArrivalMs) };
}

export interface PositionContext extends LagRules {
  source: 'kcl' | 'checkpoint';
  /** --observe: the time between the two lease reads of the first refresh (0 = one read). */
  observeMs: number;
  /** The tail checkpoint file's updatedAt. */
  activityMs?: number;
  /** When this shard was measured. */
  atMs: number;
}

/** One shard of a KCL or tail-checkpoint source: its status over the samples kept so far, and its report row. */
export function evaluatePositionShard(row: ShardRow, probe: ProbeResult | undefined, samples: LagSample[], ctx: PositionContext): ShardLagReport {
  const c = row.consumer;
  const liveness: Liveness =
    row.waitingForParent || !row.inStream
      ? { kind: 'none' }
      : ctx.source === 'kcl'
        ? { kind: 'lease', minObserveMs: Math.min(ctx.observeMs || Infinity, ctx.windowMs), hasOwner: Boolean(c?.owner), ...(c ? {} : { ownerlessWhy: 'no lease: no worker processes this shard' }) }
        : // A tail checkpoint file is one consumer: its updatedAt is the sign of life for every shard,
          // including children it has not reached yet (tail writes no entry for a shard it found empty).
          { kind: 'activity', lastActivityMs: ctx.activityMs, staleAfterMs: ctx.windowMs };
  const evaluated = evaluateShard(
    { samples, liveness, finished: c?.position?.kind === 'SHARD_END' || (!row.inStream && !probe) },
    { nowMs: ctx.atMs, windowMs: ctx.windowMs, thresholdMs: ctx.thresholdMs },
  );
  return shardReport(row, probe, evaluated, ctx.atMs);
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

/** An EFO consumer or the stream's iterator age, from the series of src/core/lag-metrics.ts. */
export interface MetricSourceResult {
  aggregate: AggregateLagReport;
  throttling: { readThrottledSum: number; writeThrottledSum: number };
  shards: ShardLagReport[];
}

export function evaluateMetricSource(source: MetricLagSource, series: ReadonlyMap<string, MetricSeries>, perShardIds: readonly string[], rules: LagRules, nowMs: number): MetricSourceResult {
  const named = source.kind !== 'stream-metrics';
  const metricName =
    source.kind === 'stream-metrics'
      ? 'GetRecords.IteratorAgeMilliseconds'
      : source.kind === 'efo'
        ? `SubscribeToShardEvent.MillisBehindLatest (consumer ${source.consumer})`
        : consumerLagMetric({ kind: source.kind, name: source.consumer }, '').label;
  return {
    aggregate: evaluateMetricConsumer(series.get(named ? 'consumerBehind' : 'iteratorAge'), series.get('incoming'), rules, nowMs, metricName, named ? 'consumer' : 'stream'),
    throttling: { readThrottledSum: sum(series.get('readThrottled')), writeThrottledSum: sum(series.get('writeThrottled')) },
    shards: perShardIds.map((shardId, i) => shardFromMetric(shardId, series.get(`shard${i}`), rules, nowMs)),
  };
}

/**
 * A consumer seen through a CloudWatch metric (EFO MillisBehindLatest, or the stream's iterator age):
 * the datapoints are the samples; no datapoint for METRIC_STALE_MS while records arrive means nobody
 * reads (those metrics are published only when reads happen).
 */
export function evaluateMetricConsumer(
  metric: MetricSeries | undefined,
  incoming: MetricSeries | undefined,
  rules: LagRules,
  nowMs: number,
  metricName: string,
  scope: 'consumer' | 'stream',
): AggregateLagReport {
  const samples = metricSamples(metric);
  const lastActivityMs = samples.at(-1)?.atMs;
  // Records that arrived after the consumer's last datapoint wait at least since the first of them.
  const waitingSince = (incoming?.timestampsMs ?? []).find((t, i) => (incoming!.values[i] ?? 0) > 0 && (lastActivityMs === undefined || t > lastActivityMs));
  if (waitingSince !== undefined && (lastActivityMs === undefined || nowMs - lastActivityMs > METRIC_STALE_MS)) {
    samples.push({ atMs: nowMs, lagMs: Math.max(nowMs - waitingSince, samples.at(-1)?.lagMs ?? 0) });
  }
  const r = evaluateShard(
    { samples, liveness: { kind: 'activity', lastActivityMs: waitingSince === undefined ? nowMs : lastActivityMs, staleAfterMs: Math.min(METRIC_STALE_MS, rules.windowMs) } },
    { nowMs, windowMs: rules.windowMs, thresholdMs: rules.thresholdMs },
  );
  return { scope, metric: metricName, lagMs: Math.round(r.lagMs), status: r.status, reason: r.reason };
}

function shardFromMetric(shardId: string, metric: MetricSeries | undefined, rules: LagRules, nowMs: number): ShardLagReport {
  const r = evaluateShard({ samples: metricSamples(metric), liveness: { kind: 'none' } }, { nowMs, windowMs: rules.windowMs, thresholdMs: rules.thresholdMs });
  return { shardId, parentShardIds: [], closed: false, lagMs: Math.round(r.lagMs), status: r.status, reason: r.reason, note: 'IteratorAgeMilliseconds (max over consumer applications)' };
}

/** Datapoints as samples; a negative one (Flink's -1: not reported yet) is no reading. */
function metricSamples(metric: MetricSeries | undefined): LagSample[] {
  return (metric?.timestampsMs ?? []).flatMap((t, i) => (metric!.values[i]! >= 0 ? [{ atMs: t, lagMs: metric!.values[i]! }] : []));
}

/** Everything one refresh found, for the overall status and the stages. */
export interface LagReportParts {
  stream: string;
  source: LagSource;
  rules: LagRules;
  /** app and leaseTable, checkpointFile, or efoConsumer. */
  extra: Partial<LagReport>;
  shards: ShardLagReport[];
  aggregate?: AggregateLagReport;
  throttling?: LagReport['throttling'];
  /** The CloudWatch series by query id (the DMS and Firehose stages among them). */
  series: ReadonlyMap<string, MetricSeries>;
  notes: string[];
  nowMs: number;
}

/** The overall status is the worst shard's (or the aggregate's); its reason names that shard, the most behind first. */
export function buildLagReport(p: LagReportParts): LagReport {
  const { shards, aggregate, series, source } = p;
  const status = worstStatus([...shards.map((s) => s.status), ...(aggregate ? [aggregate.status] : [])]);
  const lags = [...shards.map((s) => s.lagMs), ...(aggregate ? [aggregate.lagMs] : [])];
  const maxLagMs = lags.length ? Math.max(...lags) : 0;
  const worst = [...shards.map((s) => ({ who: s.shardId, ...s })), ...(aggregate ? [{ who: aggregate.scope, ...aggregate }] : [])]
    .filter((s) => s.status === status)
    .sort((a, b) => b.lagMs - a.lagMs)[0];
  const stages = stageBreakdown({
    cdcLatencySourceS: latest(series.get('dmsSource')),
    cdcLatencyTargetS: latest(series.get('dmsTarget')),
    firehoseFreshnessS: latest(series.get('firehoseFreshness')),
    consumerLagMs: lags.length ? maxLagMs : undefined,
    consumerFrom: source.kind === 'kcl' ? `KCL app ${source.app}` : source.kind === 'checkpoint' ? 'tail checkpoint' : (aggregate?.metric ?? 'consumer'),
  });
  return {
    stream: p.stream,
    source: source.kind,
    ...('consumer' in source ? { consumer: { kind: source.kind, name: source.consumer } } : {}),
    thresholdMs: p.rules.thresholdMs,
    windowMs: p.rules.windowMs,
    ...p.extra,
    status,
    reason: worst ? `${worst.who}: ${worst.reason}` : 'no shards',
    maxLagMs,
    evaluatedAt: new Date(p.nowMs).toISOString(),
    shards,
    ...(aggregate ? { aggregate } : {}),
    stages,
    ...(p.throttling ? { throttling: p.throttling } : {}),
    notes: p.notes,
  };
}

function latest(s: MetricSeries | undefined): number | undefined {
  return s && s.values.length ? s.values[s.values.length - 1] : undefined;
}

function sum(s: MetricSeries | undefined): number {
  return (s?.values ?? []).reduce((a, b) => a + b, 0);
}
