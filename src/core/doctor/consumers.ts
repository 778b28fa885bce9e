/**
 * doctor's consumers stage, pure: every consumer found (KCL apps named, EFO consumers, Lambda event
 * source mappings, Firehose delivery streams reading the stream, Flink apps named), each with its
 * state and its lag from the metric it publishes (src/core/consumer-metrics.ts), judged by the same
 * rules as `lag` uses for a consumer seen through a metric. A consumer more than half the retention
 * behind is an error whatever the threshold: its records are about to expire unread.
 */
import { consumerLagMetric, type ConsumerKind, type ConsumerRef } from '../consumer-metrics.js';
import { evaluateMetricConsumer } from '../lag-report.js';
import type { LagStatus } from '../lag-status.js';
import type { MetricSeries, MetricSpec } from '../metric-spec.js';
import { formatDurationMs } from '../units.js';
import { finding, type Finding, type Severity } from './finding.js';
import { LINKS } from './links.js';

export interface FoundConsumer {
  ref: ConsumerRef;
  /** Where it was found: named on the command line or in the file, or listed from AWS. */
  via: 'named' | 'ListStreamConsumers' | 'ListEventSourceMappings' | 'ListDeliveryStreams';
  /** The state AWS reports (EFO ConsumerStatus, the mapping's State), when there is one. */
  state?: string;
  /** The state is a healthy one (ACTIVE, Enabled). */
  stateOk?: boolean;
  /** More about the state: the mapping's StateTransitionReason or LastProcessingResult. */
  stateDetail?: string;
  /** The Lambda mapping's UUID, the EFO consumer's ARN: what the fix names. */
  id?: string;
}

const LINK_OF: Record<ConsumerKind, string> = {
  kcl: LINKS.kclMonitoring,
  efo: LINKS.efoConsumers,
  lambda: LINKS.lambdaKinesis,
  flink: LINKS.flinkMetrics,
  firehose: LINKS.firehoseKinesisSource,
};

/** One lag metric per consumer, ids cn0, cn1, … in the order given. */
export function consumerSpecs(consumers: readonly FoundConsumer[], stream: string): MetricSpec[] {
  return consumers.map((c, i) => {
    const m = consumerLagMetric(c.ref, stream);
    return { id: `cn${i}`, namespace: m.namespace, metricName: m.metricName, dimensions: m.dimensions, stat: m.stat };
  });
}

const SEVERITY_OF: Record<LagStatus, Severity> = { OK: 'ok', WARN: 'warn', CRIT: 'error', STALLED: 'error', STOPPED: 'error' };

export interface ConsumerRules {
  stream: string;
  retentionHours: number;
  windowMs: number;
  thresholdMs: number;
  nowMs: number;
}

export function consumerFindings(consumers: readonly FoundConsumer[], series: ReadonlyMap<string, MetricSeries>, incoming: MetricSeries | undefined, r: ConsumerRules): Finding[] {
  if (!consumers.length) {
    return [finding({ stage: 'consumers', id: 'consumers.found', resource: r.stream, severity: 'warn', evidence: 'no consumer found: no EFO consumer, Lambda mapping or Firehose reads the stream, and no KCL/Flink app was named', fix: 'name the polling apps: cdcpipe doctor --app <kcl-app> (or consumers: [kcl:<app>] in cdcpipe.yaml)' })];
  }
  return consumers.flatMap((c, i) => {
    const label = `${c.ref.kind}:${c.ref.name}`;
    const base = { stage: 'consumers' as const, resource: label, link: LINK_OF[c.ref.kind] };
    const out: Finding[] = [];
    if (c.state !== undefined) {
      out.push(
        finding({
          ...base,
          id: 'consumers.state',
          severity: c.stateOk ? 'ok' : 'error',
          evidence: `${c.ref.kind === 'lambda' ? 'event source mapping State' : c.ref.kind === 'efo' ? 'ConsumerStatus' : 'status'} = ${c.state}${c.stateDetail ? ` (${c.stateDetail})` : ''}`,
          ...(c.stateOk ? {} : { fix: stateFix(c) }),
        }),
      );
    }
    const raw = series.get(`cn${i}`);
    // Flink reports -1 until it has read: not a lag.
    const metric = raw ? { timestampsMs: raw.timestampsMs.filter((_, k) => raw.values[k]! >= 0), values: raw.values.filter((v) => v >= 0) } : undefined;
    const m = consumerLagMetric(c.ref, r.stream);
    const agg = evaluateMetricConsumer(metric, incoming, { windowMs: r.windowMs, thresholdMs: r.thresholdMs }, r.nowMs, m.metricName, 'consumer');
    const retentionMs = r.retentionHours * 3_600_000;
    const expiring = agg.lagMs > retentionMs / 2;
    if (!metric?.values.length && agg.status === 'OK') {
      out.push(finding({ ...base, id: 'consumers.lag', severity: 'skipped', evidence: `no ${m.label} datapoints in ${formatDurationMs(r.windowMs)} and no records waiting` }));
      return out;
    }
    out.push(
      finding({
        ...base,
        id: 'consumers.lag',
        severity: expiring ? 'error' : SEVERITY_OF[agg.status],
        evidence: `${m.label}: ${agg.status}, ${formatDurationMs(agg.lagMs)} behind (${agg.reason})${expiring ? `; more than half the ${r.retentionHours} h retention: records expire unread in about ${formatDurationMs(Math.max(0, retentionMs - agg.lagMs))}` : ''}`,
        ...(agg.status !== 'OK' || expiring ? { fix: lagFix(c, r.stream, expiring, r.retentionHours) } : {}),
      }),
    );
    return out;
  });
}

function stateFix(c: FoundConsumer): string {
  switch (c.ref.kind) {
    case 'lambda':
      return `aws lambda update-event-source-mapping --uuid ${c.id ?? '<uuid>'} --enabled (after fixing ${c.stateDetail ?? 'the cause'})`;
    case 'efo':
      return 'wait for ACTIVE; a consumer stuck in CREATING or DELETING: deregister it and register it again (RegisterStreamConsumer)';
    default:
      return 'start it again, then run doctor';
  }
}

function lagFix(c: FoundConsumer, stream: string, expiring: boolean, retentionHours: number): string {
  const buy = expiring ? `; buy time: IncreaseStreamRetentionPeriod RetentionPeriodHours=${Math.min(8760, retentionHours * 2)}` : '';
  switch (c.ref.kind) {
    case 'kcl':
      return `cdcpipe lag ${stream} --app ${c.ref.name} (per-shard detail); add workers or fix the stuck record processor${buy}`;
    case 'efo':
      return `cdcpipe lag ${stream} --efo-consumer ${c.ref.name}; the subscriber is not keeping up or not subscribed${buy}`;
    case 'lambda':
      return `raise the mapping's ParallelizationFactor or BatchSize (aws lambda update-event-source-mapping --uuid ${c.id ?? '<uuid>'} --parallelization-factor 4); check the function's errors${buy}`;
    case 'firehose':
      return `check firehose.delivery-success and the source role's kinesis:GetRecords${buy}`;
    case 'flink':
      return `scale the Flink app (Parallelism) or check its checkpoints${buy}`;
  }
}
