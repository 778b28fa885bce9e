/**
 * doctor's stream stage, pure: the stream as DescribeStreamSummary shows it (status, encryption) and
 * what its CloudWatch metrics say over the window (throttling, iterator age against the retention,
 * the hottest shard's share of writes, capacity mode against the observed load, priced by the same
 * calculator as `plan`).
 */
import { planCapacity, planMonthlyCost } from '../capacity.js';
import type { MetricSeries, MetricSpec } from '../metric-spec.js';
import type { PriceTable } from '../pricing.js';
import type { ObservedStream } from '../provision/stream.js';
import { formatDurationMs, formatNumber } from '../units.js';
import { finding, type Finding } from './finding.js';
import { LINKS } from './links.js';
import { maxOf, sumOf } from './series.js';

const KINESIS = 'AWS/Kinesis';
const HOUR_MS = 3_600_000;

/** Status and encryption, from the observed stream (the `check` of the stream's ResourceModel). */
export function checkStream(o: ObservedStream): Finding[] {
  const name = o.arn.split('/').pop() ?? o.arn;
  const out: Finding[] = [];
  const status = o.status;
  out.push(
    finding({
      stage: 'stream',
      id: 'stream.status',
      resource: name,
      severity: status === 'ACTIVE' ? 'ok' : status === 'DELETING' ? 'error' : 'warn',
      evidence: `StreamStatus = ${status}`,
      ...(status === 'ACTIVE' ? {} : { fix: status === 'DELETING' ? `the stream is being deleted: recreate it with cdcpipe provision` : 'wait for ACTIVE (writes and reshards are refused until then)' }),
      link: LINKS.kinesisStreamStatus,
    }),
  );
  out.push(
    finding({
      stage: 'stream',
      id: 'stream.encryption',
      resource: name,
      severity: o.kmsKeyId ? 'ok' : 'warn',
      evidence: o.kmsKeyId ? `EncryptionType = KMS, KeyId = ${o.kmsKeyId}` : 'EncryptionType = NONE: CDC rows sit unencrypted at rest',
      ...(o.kmsKeyId ? {} : { fix: `StartStreamEncryption EncryptionType=KMS KeyId=alias/aws/kinesis (cdcpipe provision does it: stream.encryption is on by default)` }),
      link: LINKS.kinesisEncryption,
    }),
  );
  return out;
}

/** The shard-level metric the hottest-shard check reads, when enhanced monitoring publishes one. */
export function perShardWriteMetric(shardLevelMetrics: readonly string[]): 'IncomingBytes' | 'IncomingRecords' | undefined {
  if (shardLevelMetrics.includes('ALL') || shardLevelMetrics.includes('IncomingBytes')) return 'IncomingBytes';
  if (shardLevelMetrics.includes('IncomingRecords')) return 'IncomingRecords';
  return undefined;
}

/** The stream's metrics: stream-level every period, and each open shard's writes summed over the whole window. */
export function streamDoctorSpecs(stream: string, shardIds: readonly string[], perShardMetric: string | undefined, windowMs: number): MetricSpec[] {
  const dims = { StreamName: stream };
  const windowPeriodS = Math.max(60, Math.ceil(windowMs / 60_000) * 60);
  return [
    { id: 'stIn', namespace: KINESIS, metricName: 'IncomingRecords', dimensions: dims, stat: 'Sum' },
    { id: 'stInBytes', namespace: KINESIS, metricName: 'IncomingBytes', dimensions: dims, stat: 'Sum' },
    { id: 'stWriteThr', namespace: KINESIS, metricName: 'WriteProvisionedThroughputExceeded', dimensions: dims, stat: 'Sum' },
    { id: 'stReadThr', namespace: KINESIS, metricName: 'ReadProvisionedThroughputExceeded', dimensions: dims, stat: 'Sum' },
    { id: 'stAge', namespace: KINESIS, metricName: 'GetRecords.IteratorAgeMilliseconds', dimensions: dims, stat: 'Maximum' },
    ...(perShardMetric
      ? shardIds.map((ShardId, i) => ({ id: `stShard${i}`, namespace: KINESIS, metricName: perShardMetric, dimensions: { StreamName: stream, ShardId }, stat: 'Sum' as const, periodS: windowPeriodS }))
      : []),
  ];
}

export interface StreamMetricContext {
  name: string;
  mode: 'provisioned' | 'on-demand';
  openShardIds: readonly string[];
  retentionHours: number;
  perShardMetric?: string;
  windowMs: number;
  /** Polling and enhanced fan-out consumers found (for the calculator's read side). */
  consumers: number;
  efoConsumers: number;
  prices: PriceTable;
}

/** Records written in the window (the other stages ask whether the stream has traffic). */
export function streamRecordsIn(series: ReadonlyMap<string, MetricSeries>): number {
  return sumOf(series.get('stIn'));
}

export function streamMetricFindings(c: StreamMetricContext, series: ReadonlyMap<string, MetricSeries>): Finding[] {
  const base = { stage: 'stream' as const, resource: c.name };
  const win = formatDurationMs(c.windowMs);
  const records = sumOf(series.get('stIn'));
  const bytes = sumOf(series.get('stInBytes'));
  const writeThr = sumOf(series.get('stWriteThr'));
  const readThr = sumOf(series.get('stReadThr'));
  const out: Finding[] = [];
  const sizing = records > 0 ? capacityFor(c, series, records, bytes) : undefined;

  out.push(
    writeThr > 0
      ? finding({
          ...base,
          id: 'stream.write-throttling',
          severity: records > 0 && writeThr / (records + writeThr) >= 0.01 ? 'error' : 'warn',
          evidence: `WriteProvisionedThroughputExceeded = ${formatNumber(writeThr)} records throttled in ${win} (${formatNumber(records)} written)`,
          fix: c.mode === 'on-demand' ? `on-demand throttles above twice its previous peak: spread the writes, or switch to provisioned (cdcpipe plan)` : `cdcpipe reshard ${c.name} --to ${Math.min(10_000, Math.max(sizing?.recommended ?? 0, c.openShardIds.length * 2))}`,
          link: LINKS.kinesisThrottling,
        })
      : finding({ ...base, id: 'stream.write-throttling', severity: 'ok', evidence: `no throttled writes in ${win}`, link: LINKS.kinesisThrottling }),
  );
  out.push(
    readThr > 0
      ? finding({
          ...base,
          id: 'stream.read-throttling',
          severity: 'warn',
          evidence: `ReadProvisionedThroughputExceeded = ${formatNumber(readThr)} in ${win}: polling consumers share 2 MiB/s and 5 GetRecords/s per shard`,
          fix: `move a consumer to enhanced fan-out (RegisterStreamConsumer) or add shards: cdcpipe reshard ${c.name} --to ${c.openShardIds.length * 2}`,
          link: LINKS.efoConsumers,
        })
      : finding({ ...base, id: 'stream.read-throttling', severity: 'ok', evidence: `no throttled reads in ${win}`, link: LINKS.kinesisThrottling }),
  );

  const ages = series.get('stAge');
  const retentionMs = c.retentionHours * HOUR_MS;
  if (!ages?.values.length) {
    out.push(finding({ ...base, id: 'stream.iterator-age', severity: records > 0 ? 'warn' : 'ok', evidence: records > 0 ? `records arrive but no GetRecords.IteratorAgeMilliseconds in ${win}: nothing polls the stream` : `no reads and no writes in ${win}`, link: LINKS.kinesisMonitoring }));
  } else {
    const age = maxOf(ages);
    const share = age / retentionMs;
    out.push(
      finding({
        ...base,
        id: 'stream.iterator-age',
        severity: share > 0.5 ? 'error' : share > 0.25 ? 'warn' : 'ok',
        evidence: `GetRecords.IteratorAgeMilliseconds max ${formatDurationMs(age)} = ${(share * 100).toFixed(1)} % of the ${c.retentionHours} h retention${share > 0.5 ? `: records expire unread in about ${formatDurationMs(Math.max(0, retentionMs - age))}` : ''}`,
        ...(share > 0.25 ? { fix: `find the slow consumer (cdcpipe lag ${c.name} --app <kcl-app>) and catch it up; buy time: IncreaseStreamRetentionPeriod RetentionPeriodHours=${Math.min(8760, c.retentionHours * 2)}` } : {}),
        link: LINKS.kinesisRetention,
      }),
    );
  }

  out.push(hotShardFinding(c, series, base));
  out.push(capacityFinding(c, sizing, records, base));
  return out;
}

function hotShardFinding(c: StreamMetricContext, series: ReadonlyMap<string, MetricSeries>, base: { stage: 'stream'; resource: string }): Finding {
  const id = 'stream.hot-shard';
  if (!c.perShardMetric) {
    return finding({ ...base, id, severity: 'skipped', evidence: 'shard-level IncomingBytes is not enabled, so writes per shard are not published', fix: `EnableEnhancedMonitoring ShardLevelMetrics=IncomingBytes (stream.enhancedMonitoring: [IncomingBytes] in cdcpipe.yaml)`, link: LINKS.kinesisMonitoring });
  }
  const per = c.openShardIds.map((shardId, i) => ({ shardId, v: sumOf(series.get(`stShard${i}`)) }));
  const total = per.reduce((a, s) => a + s.v, 0);
  if (total === 0 || per.length < 2) return finding({ ...base, id, severity: 'ok', evidence: total === 0 ? `no ${c.perShardMetric} per shard in the window` : 'one open shard: nothing to balance', link: LINKS.kinesisResharding });
  const hot = per.reduce((a, b) => (b.v > a.v ? b : a));
  const share = hot.v / total;
  const fair = 1 / per.length;
  const skewed = share > 2 * fair && share > 0.1;
  return finding({
    ...base,
    resource: `${c.name}/${hot.shardId}`,
    id,
    severity: skewed ? 'warn' : 'ok',
    evidence: `hottest shard ${hot.shardId} takes ${(share * 100).toFixed(1)} % of ${c.perShardMetric} (an even share is ${(fair * 100).toFixed(1)} %)`,
    ...(skewed ? { fix: `cdcpipe reshard ${c.name} --split ${hot.shardId} (or --auto); if one partition key is hot, partition by more columns (dms.task.partitionKeys)` } : {}),
    link: LINKS.kinesisResharding,
  });
}

interface Sizing {
  recommended: number;
  mode: 'provisioned' | 'on-demand';
  provisionedUsd: number | null;
  onDemandUsd: number | null;
  rps: number;
  kb: number;
  peak: number;
}

/** The observed load through `plan`'s calculator: average and peak rate, mean record size. */
function capacityFor(c: StreamMetricContext, series: ReadonlyMap<string, MetricSeries>, records: number, bytes: number): Sizing {
  const rps = records / (c.windowMs / 1000);
  const perMinute = series.get('stIn');
  const peakRps = perMinute?.values.length ? maxOf(perMinute) / 60 : rps;
  const kb = Math.max(0.001, bytes / records / 1024);
  const peak = Math.max(1, peakRps / rps);
  const plan = planCapacity({ rps, kb, peak, consumers: Math.max(1, c.consumers), efoConsumers: Math.min(20, c.efoConsumers), retentionHours: c.retentionHours }, c.prices.kinesis);
  const cost = planMonthlyCost(plan, c.prices);
  return { recommended: plan.shards.recommended, mode: plan.mode.recommended, provisionedUsd: cost.provisioned, onDemandUsd: cost.onDemand, rps, kb, peak };
}

function capacityFinding(c: StreamMetricContext, s: Sizing | undefined, records: number, base: { stage: 'stream'; resource: string }): Finding {
  const id = 'stream.capacity-mode';
  const link = LINKS.kinesisCapacityMode;
  if (!s || records === 0) return finding({ ...base, id, severity: 'ok', evidence: `no writes in ${formatDurationMs(c.windowMs)}: the load is not judged`, link });
  const load = `${formatNumber(s.rps, 1)} records/s (peak ×${s.peak.toFixed(1)}) × ${formatNumber(s.kb, 2)} KiB`;
  const usd = (n: number) => `$${n.toFixed(2)}`;
  if (c.mode === 'on-demand') {
    const saving = s.provisionedUsd !== null && s.onDemandUsd !== null ? s.onDemandUsd - s.provisionedUsd : 0;
    if (saving > Math.max(10, 0.2 * (s.onDemandUsd ?? 0))) {
      return finding({ ...base, id, severity: 'warn', evidence: `on-demand at ${load}: provisioned ${s.recommended} shards would cost ${usd(saving)} less a month (${usd(s.provisionedUsd!)} vs ${usd(s.onDemandUsd!)})`, fix: `stream.mode: provisioned, stream.shards: ${s.recommended} in cdcpipe.yaml, then cdcpipe provision (UpdateStreamMode)`, link });
    }
    return finding({ ...base, id, severity: 'ok', evidence: `on-demand suits ${load}`, link });
  }
  const open = c.openShardIds.length;
  if (open < s.recommended) {
    return finding({ ...base, id, severity: 'warn', evidence: `${open} shards for ${load}: the calculator asks for ${s.recommended}`, fix: `cdcpipe reshard ${c.name} --to ${s.recommended}`, link });
  }
  if (open > 2 * s.recommended && open > 1 && s.provisionedUsd !== null) {
    return finding({ ...base, id, severity: 'warn', evidence: `${open} shards for ${load}: ${s.recommended} would do (about ${usd(((open - s.recommended) * 730 * (c.prices.kinesis.provisioned.shardHourUsd ?? 0)))} a month less)`, fix: `cdcpipe reshard ${c.name} --to ${s.recommended}`, link });
  }
  return finding({ ...base, id, severity: 'ok', evidence: `${open} shards suit ${load} (the calculator: ${s.recommended})`, link });
}
