/**
 * What `cdcpipe reshard` reads before it plans, beside the shard map: the UpdateShardCount calls already
 * spent in the rolling 24 h (`--to`), the target of an interrupted rebalance (`--rebalance`), and each
 * shard's load (`--auto`: CloudWatch per-shard metrics, or a sample of the stream's records).
 */
import type { StreamDescriptionSummary } from '@aws-sdk/client-kinesis';
import type { CloudWatchApi } from '../aws/api/cloudwatch.js';
import type { KinesisApi } from '../aws/api/kinesis.js';
import { isAwsError } from '../aws/errors.js';
import { getMetricSeries } from '../aws/metrics.js';
import { loadShardMap, sampleKeyLoad } from '../aws/reshard.js';
import { listStreamTags } from '../aws/shards.js';
import type { ShardRange } from '../core/hash-range.js';
import type { MetricSpec } from '../core/metric-spec.js';
import type { ReshardMode } from '../core/reshard-mode.js';
import { reshardGenerations, type KeyLoad, type Load } from '../core/reshard-plan.js';
import { CliError, EXIT } from '../errors.js';
import type { Host } from './host.js';

const DAY_MS = 86_400_000;
/** Stream tag that remembers a running rebalance's shard count, so a re-run after an interruption resumes it. */
export const REBALANCE_TAG = 'cdcpipe:rebalance-target';

/**
 * UpdateShardCount calls spent in the last 24 h, estimated as resharding generations (reshard-plan.ts).
 * A stream younger than the window: its first shards are generation 0 and the full listing is the window.
 * An older one: ListShards AT_TIMESTAMP(now − 24 h) gives generation 0 and FROM_TIMESTAMP the shards open
 * since. If the server refuses the filters, the full listing over-counts (closed shards within retention).
 */
export async function estimateBudgetSpent(kinesis: KinesisApi, stream: string, summary: StreamDescriptionSummary, all: readonly ShardRange[], now: Date): Promise<{ spent: number; method: string }> {
  const windowStart = new Date(now.getTime() - DAY_MS);
  const created = summary.StreamCreationTimestamp;
  const fromOwnRoots = (method: string) => ({ spent: reshardGenerations(all, new Set(all.filter((s) => !s.parentShardId && !s.adjacentParentShardId).map((s) => s.shardId))), method });
  if (created && created.getTime() >= windowStart.getTime()) return fromOwnRoots('resharding generations since the stream was created (less than 24 h ago)');
  try {
    const atStart = await loadShardMap(kinesis, stream, { Type: 'AT_TIMESTAMP', Timestamp: windowStart });
    const since = await loadShardMap(kinesis, stream, { Type: 'FROM_TIMESTAMP', Timestamp: windowStart });
    return { spent: reshardGenerations(since, new Set(atStart.map((s) => s.shardId))), method: 'resharding generations since now − 24 h (ListShards AT_TIMESTAMP / FROM_TIMESTAMP)' };
  } catch (err) {
    if (!isAwsError(err, 'InvalidArgumentException', 'ValidationException')) throw err;
    return fromOwnRoots('resharding generations among all listed shards (the server refused ShardFilter; may over-count)');
  }
}

/** The shard count of an interrupted rebalance, from its stream tag; undefined without one (or without the right to read tags). */
export async function readRebalanceTag(kinesis: KinesisApi, stream: string): Promise<number | undefined> {
  try {
    const value = (await listStreamTags(kinesis, stream))[REBALANCE_TAG];
    const n = value ? Number(value) : NaN;
    return Number.isInteger(n) && n >= 1 ? n : undefined;
  } catch (err) {
    if (isAwsError(err, 'AccessDeniedException')) return undefined;
    throw err;
  }
}

export interface MeasuredLoad {
  loads: Map<string, Load>;
  keys?: KeyLoad[];
  source: string;
}

/** `--auto`'s load: per partition key from `--sample`, else per shard from CloudWatch (needs enhanced monitoring). */
export async function measureLoad(
  kinesis: KinesisApi,
  cloudwatch: () => Promise<CloudWatchApi>,
  host: Host,
  warn: (text: string) => void,
  input: { stream: string; summary: StreamDescriptionSummary; all: ShardRange[]; open: ShardRange[]; mode: Extract<ReshardMode, { kind: 'auto' }>; now: Date },
): Promise<MeasuredLoad> {
  const { stream, summary, all, open, mode, now } = input;
  if (mode.sampleMs !== undefined) {
    const spinner = await host.progress(`sampling the last ${Math.round(mode.sampleMs / 1000)} s of records from ${all.length} shards`);
    const sample = await sampleKeyLoad(kinesis, stream, all, { now, windowMs: mode.sampleMs, streamCreated: summary.StreamCreationTimestamp });
    spinner.succeed(`sampled ${sample.records} records over ${Math.round(sample.windowSec)} s${sample.truncated ? ' (stopped at the record cap)' : ''}`);
    if (sample.truncated) warn('the sample stopped at 200,000 records: loads are measured on a shorter window than asked for, so they are underestimated');
    const loads = new Map<string, Load>();
    for (const s of open) {
      const keys = sample.keyLoads.filter((k) => k.hashKey >= s.start && k.hashKey <= s.end);
      loads.set(s.shardId, keys.reduce((acc, k) => ({ bytesPerSec: acc.bytesPerSec + k.bytesPerSec, recordsPerSec: acc.recordsPerSec + k.recordsPerSec }), { bytesPerSec: 0, recordsPerSec: 0 }));
    }
    return { loads, keys: sample.keyLoads, source: `sample of ${sample.records} records over ${Math.round(sample.windowSec)} s (GetRecords)` };
  }
  const enabled = new Set((summary.EnhancedMonitoring ?? []).flatMap((e) => e.ShardLevelMetrics ?? []));
  if (!enabled.has('ALL') && !(enabled.has('IncomingBytes') && enabled.has('IncomingRecords'))) {
    throw new CliError(
      `--auto needs per-shard load, and enhanced monitoring (shard-level IncomingBytes and IncomingRecords) is off for '${stream}'`,
      EXIT.failure,
      'add --sample <duration> (e.g. --sample 5m) to measure partition-key load by reading the stream, or enable it: aws kinesis enable-enhanced-monitoring --shard-level-metrics IncomingBytes IncomingRecords',
    );
  }
  const loads = await fetchShardLoad(await cloudwatch(), stream, open.map((s) => s.shardId), now, mode.windowMs);
  return { loads, source: `CloudWatch per-shard IncomingBytes/IncomingRecords, peak minute of the last ${Math.round(mode.windowMs / 60_000)} min` };
}

/**
 * Peak per-minute IncomingBytes / IncomingRecords of each shard over the window, as per-second rates, from
 * the shard-level metrics (dimensions StreamName + ShardId; they exist only with enhanced monitoring:
 * Amazon Kinesis Data Streams Developer Guide, Monitoring the Kinesis Data Streams
 * Service with Amazon CloudWatch, shard-level metrics).
 */
export async function fetchShardLoad(cloudwatch: CloudWatchApi, stream: string, shardIds: readonly string[], end: Date, windowMs: number): Promise<Map<string, Load>> {
  const periodS = 60;
  const specs: MetricSpec[] = shardIds.flatMap((shardId, i) =>
    (['IncomingBytes', 'IncomingRecords'] as const).map((metricName) => ({
      id: `${metricName === 'IncomingBytes' ? 'b' : 'r'}${i}`,
      namespace: 'AWS/Kinesis',
      metricName,
      dimensions: { StreamName: stream, ShardId: shardId },
      stat: 'Sum' as const,
    })),
  );
  const { series } = await getMetricSeries(cloudwatch, specs, { startMs: end.getTime() - windowMs, endMs: end.getTime(), periodS });
  const peakPerSec = (id: string) => Math.max(0, ...(series.get(id)?.values ?? [])) / periodS;
  return new Map(shardIds.map((id, i) => [id, { bytesPerSec: peakPerSec(`b${i}`), recordsPerSec: peakPerSec(`r${i}`) }]));
}
