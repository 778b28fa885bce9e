/**
 * `lag --serve`: the lag report as Prometheus gauges, pure. The names carry the `cdcpipe_` prefix and
 * their unit (Prometheus naming: base units, so times are `_milliseconds` where lag is measured in ms
 * and `_timestamp_seconds` for a point in time). src/render/lag-prometheus.ts writes them with
 * prom-client; docs/lag.md lists them.
 */
import { LAG_STATUSES } from './lag-status.js';
import { STAGE_NAMES, type LagReport } from './lag-model.js';

export interface GaugeSample {
  labels: Record<string, string>;
  value: number;
}

export interface GaugeFamily {
  name: string;
  help: string;
  labelNames: string[];
  samples: GaugeSample[];
}

/** What the server shows: the last good report (kept when a refresh fails) and whether the last refresh worked. */
export interface LagServeView {
  stream: string;
  /** The consumer label of every series (see consumerLabel). */
  consumer: string;
  up: boolean;
  last?: { report: LagReport; atMs: number };
}

/** The consumer as one label value: `kcl:<app>`, `checkpoint:<file>`, `efo:<name>`, `lambda:<fn>`, `flink:<app>`, `firehose:<name>`, or `stream` for the stream's own metrics. */
export function consumerLabel(source: { kind: string; app?: string; path?: string; consumer?: string }): string {
  if (source.kind === 'kcl') return `kcl:${source.app}`;
  if (source.kind === 'checkpoint') return `checkpoint:${source.path}`;
  if (source.kind === 'stream-metrics') return 'stream';
  return `${source.kind}:${source.consumer}`;
}

export const GAUGE_NAMES = {
  up: 'cdcpipe_lag_up',
  lastSuccess: 'cdcpipe_lag_last_success_timestamp_seconds',
  shardLag: 'cdcpipe_lag_shard_milliseconds',
  shardBehind: 'cdcpipe_lag_shard_records_behind',
  consumerMax: 'cdcpipe_lag_consumer_max_milliseconds',
  threshold: 'cdcpipe_lag_threshold_milliseconds',
  status: 'cdcpipe_lag_status',
  stage: 'cdcpipe_lag_stage_milliseconds',
  endToEnd: 'cdcpipe_lag_end_to_end_milliseconds',
} as const;

/** Every family, in a fixed order; those of the report are absent until a refresh has succeeded. */
export function lagGauges(view: LagServeView): GaugeFamily[] {
  const base = { stream: view.stream };
  const who = { ...base, consumer: view.consumer };
  const families: GaugeFamily[] = [
    { name: GAUGE_NAMES.up, help: '1 when the last refresh read AWS successfully, 0 when it failed (the other values are then those of the last success)', labelNames: ['stream'], samples: [{ labels: base, value: view.up ? 1 : 0 }] },
  ];
  const last = view.last;
  if (!last) return families;
  const r = last.report;
  families.push(
    { name: GAUGE_NAMES.lastSuccess, help: 'when the last successful refresh ended (Unix time)', labelNames: ['stream'], samples: [{ labels: base, value: last.atMs / 1000 }] },
    {
      name: GAUGE_NAMES.shardLag,
      help: 'per shard: now minus the arrival of the first record the consumer has not processed (0 when none), at the refresh',
      labelNames: ['stream', 'consumer', 'shard'],
      samples: r.shards.map((s) => ({ labels: { ...who, shard: s.shardId }, value: s.lagMs })),
    },
    {
      name: GAUGE_NAMES.shardBehind,
      help: 'per shard: records after the checkpoint (a lower bound when one GetRecords could not reach the tip)',
      labelNames: ['stream', 'consumer', 'shard'],
      samples: r.shards.flatMap((s) => (s.recordsBehind !== undefined ? [{ labels: { ...who, shard: s.shardId }, value: s.recordsBehind }] : [])),
    },
    { name: GAUGE_NAMES.consumerMax, help: "the consumer's lag: the most behind of its shards (or its metric)", labelNames: ['stream', 'consumer'], samples: [{ labels: who, value: r.maxLagMs }] },
    { name: GAUGE_NAMES.threshold, help: 'lag above this is CRIT (--threshold)', labelNames: ['stream', 'consumer'], samples: [{ labels: who, value: r.thresholdMs }] },
    {
      name: GAUGE_NAMES.status,
      help: `the overall lag status: 1 for the current one, 0 for the others (${LAG_STATUSES.join(', ')})`,
      labelNames: ['stream', 'consumer', 'status'],
      samples: LAG_STATUSES.map((status) => ({ labels: { ...who, status }, value: r.status === status ? 1 : 0 })),
    },
    {
      name: GAUGE_NAMES.stage,
      help: 'pipeline stage lag: sourceToDms, dmsToStream (DMS), streamToConsumer, streamToS3 (Firehose)',
      labelNames: ['stream', 'stage'],
      samples: STAGE_NAMES.flatMap((stage) => (r.stages[stage] ? [{ labels: { ...base, stage }, value: r.stages[stage].lagMs }] : [])),
    },
    {
      name: GAUGE_NAMES.endToEnd,
      help: 'source commit to the slower of consumer and S3, when DMS is included',
      labelNames: ['stream'],
      samples: r.stages.endToEndMs !== undefined ? [{ labels: base, value: r.stages.endToEndMs }] : [],
    },
  );
  return families;
}
