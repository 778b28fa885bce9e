/**
 * doctor's stream stage: DescribeStreamSummary and one ListShards pass (the open shards, for the
 * per-shard write metrics), the stream's ResourceModel `check`, and the metric queries; the rules are
 * in src/core/doctor/stream.ts.
 */
import { describeStream, isOpen, listAllShards } from '../aws/shards.js';
import { perShardWriteMetric, streamDoctorSpecs, streamMetricFindings, streamRecordsIn } from '../core/doctor/stream.js';
import type { MetricSeries } from '../core/metric-spec.js';
import type { ObservedStream } from '../core/provision/stream.js';
import { streamModel } from '../core/provision/stream.js';
import { DEFAULT_PRICE_REGION, loadBundledPriceTable } from '../prices/price-table.js';
import { metricSkipped, type DoctorRun, type MetricsRead } from './doctor.js';

export interface StreamStage {
  arn: string;
  retentionHours: number;
  openShards: number;
  recordsIn(series: ReadonlyMap<string, MetricSeries>): number;
  evaluate(m: MetricsRead, consumers: { polling: number; efo: number }): void;
}

const METRIC_CHECKS = ['stream.write-throttling', 'stream.read-throttling', 'stream.iterator-age', 'stream.hot-shard', 'stream.capacity-mode'];

export async function readStreamStage(run: DoctorRun): Promise<StreamStage | undefined> {
  const name = run.opts.stream;
  const g = { stage: 'stream' as const, resource: name, service: 'kinesis' as const, named: true };
  const kinesis = await run.guard({ ...g, id: 'stream.status', action: 'kinesis:DescribeStreamSummary' }, () => run.clients.kinesisApi());
  if (!kinesis) return undefined;
  const summary = await run.guard({ ...g, id: 'stream.status', action: 'kinesis:DescribeStreamSummary' }, () => describeStream(kinesis, name));
  if (!summary) return undefined;
  const listed = summary.StreamStatus === 'DELETING' ? { shards: [] } : await run.guard({ ...g, id: 'stream.shards', action: 'kinesis:ListShards' }, () => listAllShards(kinesis, name));
  const openShardIds = (listed?.shards ?? []).filter(isOpen).map((s) => s.ShardId!);
  const shardLevelMetrics = (summary.EnhancedMonitoring ?? []).flatMap((m) => m.ShardLevelMetrics ?? []);
  const observed: ObservedStream = {
    arn: summary.StreamARN!,
    status: summary.StreamStatus ?? 'ACTIVE',
    mode: summary.StreamModeDetails?.StreamMode === 'ON_DEMAND' ? 'on-demand' : 'provisioned',
    openShards: openShardIds.length,
    retentionHours: summary.RetentionPeriodHours ?? 24,
    ...(summary.EncryptionType === 'KMS' && summary.KeyId ? { kmsKeyId: summary.KeyId } : {}),
    shardLevelMetrics,
    maxRecordSizeKiB: summary.MaxRecordSizeInKiB ?? 1024,
    tags: {},
  };
  const checkStream = run.has('stream');
  if (checkStream) run.add(...streamModel.check!(observed));
  // Hot shards are judged only over a full shard list: a partial one would misstate every share.
  const perShardMetric = checkStream && listed ? perShardWriteMetric(shardLevelMetrics) : undefined;
  run.specs.push(...streamDoctorSpecs(name, checkStream ? openShardIds : [], perShardMetric, run.opts.windowMs));

  return {
    arn: observed.arn,
    retentionHours: observed.retentionHours,
    openShards: observed.openShards,
    recordsIn: streamRecordsIn,
    evaluate: (m, consumers) => {
      if (!checkStream) return;
      if (!m.series) {
        for (const id of METRIC_CHECKS) run.add(metricSkipped(m, 'stream', id, name));
        return;
      }
      const prices = loadBundledPriceTable(DEFAULT_PRICE_REGION)!;
      run.add(
        ...streamMetricFindings(
          {
            name,
            mode: observed.mode,
            openShardIds,
            retentionHours: observed.retentionHours,
            ...(perShardMetric ? { perShardMetric } : {}),
            windowMs: run.opts.windowMs,
            consumers: consumers.polling || run.opts.config?.stream.capacity?.consumers || 1,
            efoConsumers: consumers.efo,
            prices,
          },
          m.series,
        ),
      );
    },
  };
}
