/**
 * `cdcpipe top`: a frame every interval from the stream's own figures. `--sample` counts what it reads
 * from LATEST (src/aws/top-sampler.ts), over the last RATE_WINDOW_MS; otherwise CloudWatch's IncomingRecords
 * and IncomingBytes, per shard when shard-level metrics are enabled, else for the stream only. Throttled
 * writes come from CloudWatch in both cases, and a lag source from `lag`'s own collector. The figures
 * become a frame in src/core/top-frame.ts; this file never prints: warnings ride in each frame's notes.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { getMetricSeries } from '../aws/metrics.js';
import { describeStream, listAllShards } from '../aws/shards.js';
import { SAMPLE_CALLS_PER_SECOND, TopSampler } from '../aws/top-sampler.js';
import { SampleWindow } from '../core/top-window.js';
import { openRanges, toShardRange, type ShardRange } from '../core/hash-range.js';
import type { LagSource } from '../core/lag-model.js';
import type { MetricSeries, MetricSpec } from '../core/metric-spec.js';
import { buildTopFrame, type Rate, type TopFrame, type TopInput, type TopSource } from '../core/top-frame.js';
import type { Host } from './host.js';
import { collectLag, LagSession, realClock, type LagClients, type LagClock } from './lag.js';

/** --sample figures are averages over the last 10 s (or one interval, when longer): steadier than one second's reads. */
export const RATE_WINDOW_MS = 10_000;
/** CloudWatch publishes one datapoint a minute: asking more often only costs GetMetricData. */
const CLOUDWATCH_REFRESH_MS = 60_000;
const LAG_REFRESH_MS = 30_000;
/** New shards (a reshard while top runs) are picked up this often. */
const SHARD_LIST_REFRESH_MS = 30_000;

const POLLING_WARNING =
  '--sample reads every shard with GetRecords (at most 1 call/s per shard): that uses read capacity (5 calls/s, 2 MiB/s per shard) shared with the polling consumers; --efo <name> reads through an enhanced fan-out consumer instead';

export interface TopOptions {
  stream: string;
  intervalMs: number;
  hotAt: number;
  /** --sample, and --efo: through this enhanced fan-out consumer; --sample-calls: GetRecords calls a second across the stream. */
  sample?: { efoConsumer?: string; callsPerSecond?: number };
  lag?: Exclude<LagSource, { kind: 'stream-metrics' }>;
  /** Stop after this many frames. */
  count?: number;
  topKeys: number;
}

export interface TopClients extends LagClients {
  kinesisSdk(): Promise<KinesisClient>;
}

export interface TopRun {
  signal: AbortSignal;
  onFrame(frame: TopFrame): void;
  clock?: LagClock;
}

export async function runTop(opts: TopOptions, clients: TopClients, host: Host, run: TopRun): Promise<{ frames: number }> {
  const clock = run.clock ?? realClock(run.signal);
  const kinesis = await clients.kinesisApi();
  const summary = await describeStream(kinesis, opts.stream);
  const streamMode = summary.StreamModeDetails?.StreamMode === 'ON_DEMAND' ? 'ON_DEMAND' : 'PROVISIONED';
  const enabled = new Set<string>((summary.EnhancedMonitoring ?? []).flatMap((m) => m.ShardLevelMetrics ?? []));
  const has = (m: string) => enabled.has('ALL') || enabled.has(m);
  const shardLevel = { rates: has('IncomingBytes') && has('IncomingRecords'), throttles: has('WriteProvisionedThroughputExceeded') };
  let all = (await listAllShards(kinesis, opts.stream)).shards.map(toShardRange);
  let open = openRanges(all);
  let listedAt = clock.now();

  const sampler = opts.sample ? new TopSampler(await clients.kinesisSdk(), { stream: opts.stream, efoConsumer: opts.sample.efoConsumer, log: host, callsPerSecond: opts.sample.callsPerSecond ?? SAMPLE_CALLS_PER_SECOND }) : undefined;
  const staticNotes: string[] = [];
  if (sampler) {
    await sampler.open((id) => all.some((s) => s.shardId === id && !s.open), open.length);
    sampler.follow(open.map((s) => s.shardId), 'LATEST');
  } else if (!shardLevel.rates) {
    staticNotes.push('shard-level metrics are off for this stream (EnableEnhancedMonitoring IncomingBytes IncomingRecords): showing stream-level totals only; --sample counts each shard and key by reading the stream');
  }

  const window = new SampleWindow(Math.max(RATE_WINDOW_MS, opts.intervalMs));
  const cloudwatch = new CloudWatchCache(opts.stream, shardLevel, Boolean(sampler));
  const lag = opts.lag ? new LagCache(opts, opts.lag, clients, host, clock) : undefined;
  let frames = 0;
  try {
    while (!run.signal.aborted && (opts.count === undefined || frames < opts.count)) {
      await clock.sleep(opts.intervalMs);
      if (run.signal.aborted) break;
      if (sampler?.error) throw sampler.error;
      if (clock.now() - listedAt >= SHARD_LIST_REFRESH_MS) {
        all = (await listAllShards(kinesis, opts.stream)).shards.map(toShardRange);
        open = openRanges(all);
        listedAt = clock.now();
        sampler?.follow(open.map((s) => s.shardId), 'TRIM_HORIZON');
      }
      const notes = [...staticNotes];
      const input: Omit<TopInput, 'source'> & { source?: TopSource } = { stream: opts.stream, streamMode, shards: open, hotAt: opts.hotAt, nowMs: clock.now(), notes, topKeys: opts.topKeys };
      const cw = await cloudwatch.read(await clients.cloudwatchApi(), open, clock.now(), frames === 0);
      if (cw.note) notes.push(cw.note);
      if (cw.throttled) input.throttled = cw.throttled;
      if (sampler) {
        const merged = window.push(sampler.take());
        input.shardRates = merged.rates;
        input.keys = merged.keys;
        input.keySpanMs = merged.keySpanMs;
        const efo = opts.sample!.efoConsumer;
        input.source = efo
          ? { kind: 'sample', via: 'efo', consumer: efo, spanMs: merged.spanMs }
          : { kind: 'sample', via: 'polling', spanMs: merged.spanMs, warning: POLLING_WARNING, shardReadEveryMs: sampler.callIntervalMs };
      } else {
        if (cw.shardRates) input.shardRates = cw.shardRates;
        if (cw.streamRate) input.streamRate = cw.streamRate;
        input.source = { kind: 'cloudwatch', level: shardLevel.rates ? 'shard' : 'stream', periodS: 60, ...(cw.datapointAt ? { datapointAt: cw.datapointAt } : {}) };
      }
      if (lag) {
        const l = lag.current(notes);
        if (l) input.lag = l;
      }
      run.onFrame(buildTopFrame(input as TopInput));
      frames++;
    }
  } finally {
    // A lag or CloudWatch read still running is left to end on its own (its errors are caught): q must not wait for it.
    await sampler?.close();
  }
  return { frames };
}

/** CloudWatch's last complete minute, read at most once a minute. */
class CloudWatchCache {
  private readAt = -Infinity;
  private last: { shardRates?: Map<string, Rate>; streamRate?: Rate; throttled?: TopInput['throttled']; datapointAt?: string; note?: string } = {};

  constructor(
    private readonly stream: string,
    private readonly shardLevel: { rates: boolean; throttles: boolean },
    /** With --sample, CloudWatch only adds throttled writes: a failed read is a note, not the end. */
    private readonly sideOnly: boolean,
  ) {}

  private pending?: Promise<unknown>;

  /** With --sample the read runs in the background (a frame shows the figures of the last one that ended); else the frame waits for it. */
  async read(cloudwatch: Parameters<typeof getMetricSeries>[0], open: readonly ShardRange[], nowMs: number, first: boolean): Promise<typeof this.last> {
    if (nowMs - this.readAt < CLOUDWATCH_REFRESH_MS || this.pending) return this.last;
    this.readAt = nowMs;
    const work = this.fetch(cloudwatch, open, nowMs, first);
    if (!this.sideOnly) return work;
    this.pending = work.finally(() => (this.pending = undefined));
    return this.last;
  }

  private async fetch(cloudwatch: Parameters<typeof getMetricSeries>[0], open: readonly ShardRange[], nowMs: number, first: boolean): Promise<typeof this.last> {
    const perShard = (metric: string, prefix: string): MetricSpec[] =>
      open.map((s, i) => ({ id: `${prefix}${i}`, namespace: 'AWS/Kinesis', metricName: metric, dimensions: { StreamName: this.stream, ShardId: s.shardId }, stat: 'Sum' }));
    const streamLevel = (metric: string, id: string): MetricSpec => ({ id, namespace: 'AWS/Kinesis', metricName: metric, dimensions: { StreamName: this.stream }, stat: 'Sum' });
    const specs: MetricSpec[] = [];
    if (!this.sideOnly) specs.push(...(this.shardLevel.rates ? [...perShard('IncomingRecords', 'r'), ...perShard('IncomingBytes', 'b')] : [streamLevel('IncomingRecords', 'sr'), streamLevel('IncomingBytes', 'sb')]));
    specs.push(...(this.shardLevel.throttles ? perShard('WriteProvisionedThroughputExceeded', 't') : [streamLevel('WriteProvisionedThroughputExceeded', 'st')]));
    let series: Map<string, MetricSeries>;
    try {
      series = (await getMetricSeries(cloudwatch, specs, { startMs: nowMs - 10 * 60_000, endMs: nowMs, periodS: 60 })).series;
    } catch (err) {
      if (!this.sideOnly && first) throw err;
      const e = err as Error;
      this.last = { ...this.last, note: `${this.sideOnly ? 'throttled writes unknown: ' : ''}CloudWatch GetMetricData failed (${e.name}: ${e.message.slice(0, 80)})` };
      return this.last;
    }
    // A datapoint stamped T covers T .. T+60 s: the newest one whose minute has ended.
    const complete = (id: string) => {
      const s = series.get(id);
      for (let i = (s?.timestampsMs.length ?? 0) - 1; i >= 0; i--) if (s!.timestampsMs[i]! + 60_000 <= nowMs) return { atMs: s!.timestampsMs[i]!, value: s!.values[i]! };
      return undefined;
    };
    const next: typeof this.last = {};
    let newest = 0;
    const sumOf = (id: string) => {
      const p = complete(id);
      if (p) newest = Math.max(newest, p.atMs);
      return p?.value ?? 0;
    };
    if (!this.sideOnly) {
      if (this.shardLevel.rates) next.shardRates = new Map(open.map((s, i) => [s.shardId, { recordsPerSec: sumOf(`r${i}`) / 60, bytesPerSec: sumOf(`b${i}`) / 60 }]));
      else next.streamRate = { recordsPerSec: sumOf('sr') / 60, bytesPerSec: sumOf('sb') / 60 };
    }
    next.throttled = this.shardLevel.throttles ? { perShard: new Map(open.map((s, i) => [s.shardId, sumOf(`t${i}`)])), periodS: 60 } : { stream: sumOf('st'), periodS: 60 };
    if (newest > 0) next.datapointAt = new Date(newest).toISOString();
    this.last = next;
    return next;
  }
}

/** The consumer's lag per shard, refreshed in the background: a frame never waits for lease scans and probes. */
class LagCache {
  private session = new LagSession();
  private value?: TopInput['lag'];
  private error?: string;
  private refreshing?: Promise<void>;
  private refreshedAt = -Infinity;

  constructor(
    private readonly opts: TopOptions,
    private readonly source: NonNullable<TopOptions['lag']>,
    private readonly clients: LagClients,
    private readonly host: Host,
    private readonly clock: LagClock,
  ) {}

  current(notes: string[]): TopInput['lag'] {
    if (!this.refreshing && this.clock.now() - this.refreshedAt >= LAG_REFRESH_MS) {
      this.refreshedAt = this.clock.now();
      const lagOpts = { stream: this.opts.stream, source: this.source, windowMs: 15 * 60_000, thresholdMs: 5 * 60_000, observeMs: 0, countLimit: 1000 };
      this.refreshing = collectLag(lagOpts, this.clients, this.host, this.session, this.clock).then(
        (report) => {
          const label = this.source.kind === 'kcl' ? `KCL app ${this.source.app}` : this.source.kind === 'checkpoint' ? `checkpoint ${this.source.path}` : `EFO consumer ${this.source.consumer}`;
          this.value = { label, perShard: new Map(report.shards.map((s) => [s.shardId, s.lagMs])), ...(report.aggregate ? { aggregateMs: report.aggregate.lagMs } : {}) };
          this.error = undefined;
        },
        (err: unknown) => void (this.error = (err as Error).message),
      ).finally(() => (this.refreshing = undefined));
    }
    if (this.error) notes.push(`consumer lag: ${this.error}`);
    else if (!this.value) notes.push('consumer lag: reading…');
    return this.value;
  }
}

