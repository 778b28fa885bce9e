/**
 * `cdcpipe lag`: one lag report per refresh. Reads the consumer's positions (KCL leases, tail
 * checkpoint) and probes each shard, or reads the consumer's own metric (EFO, Lambda, Flink, Firehose)
 * or the stream's metrics, adds the
 * DMS and Firehose stages from the same GetMetricData batch, and hands it all to the pure report
 * builder (src/core/lag-report.ts) with the samples kept so far (one run, or every --watch refresh).
 */
import type { Shard } from '@aws-sdk/client-kinesis';
import type { CloudWatchApi } from '../aws/api/cloudwatch.js';
import type { DmsApi } from '../aws/api/dms.js';
import type { DynamoDbApi } from '../aws/api/dynamodb.js';
import type { KinesisApi } from '../aws/api/kinesis.js';
import type { LambdaApi } from '../aws/api/lambda.js';
import { probeShardLag } from '../aws/lag-probe.js';
import { resolveDmsTask, scanLeaseTable } from '../aws/lag-sources.js';
import { getMetricSeries } from '../aws/metrics.js';
import { describeStream, listAllShards } from '../aws/shards.js';
import { checkpointPositions, leasePositions, mapPositionsToShards, type ConsumerPosition, type LagReport, type LagSource, type ShardLagReport } from '../core/lag-model.js';
import { consumerMetricSpecs, dmsMetricSpecs, firehoseMetricSpecs, lambdaMappingNote, hasPerShardIteratorAge, streamMetricSpecs } from '../core/lag-metrics.js';
import { buildLagReport, evaluateMetricSource, evaluatePositionShard, leaseSample, positionSample } from '../core/lag-report.js';
import type { LagSample } from '../core/lag-status.js';
import { mapLimit } from '../core/map-limit.js';
import { metricPeriodS, type MetricSeries, type MetricSpec } from '../core/metric-spec.js';
import { UsageError } from '../errors.js';
import { readCheckpointFile } from '../io/checkpoint-file.js';
import type { Host } from './host.js';

export type { LagSource } from '../core/lag-model.js';

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

/** The clients lag needs, each built on first use (a stream-metrics run builds no DMS or DynamoDB client); AwsClients fits. */
export interface LagClients {
  kinesisApi(): Promise<KinesisApi>;
  cloudwatchApi(): Promise<CloudWatchApi>;
  dmsApi(): Promise<DmsApi>;
  dynamodbApi(): Promise<DynamoDbApi>;
  lambdaApi(): Promise<LambdaApi>;
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

/** The time and the waits of a run: the real clock in the CLI, a fixed one in tests and benchmarks. */
export interface LagClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Date.now, and sleeps that end early when `signal` aborts (Ctrl-C). */
export function realClock(signal?: AbortSignal): LagClock {
  return {
    now: () => Date.now(),
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const wake = () => (clearTimeout(t), resolve());
        // A sleep that ends on time takes its listener off: --watch sleeps once per refresh, and 11 listeners
        // on one AbortSignal make Node print a MaxListenersExceededWarning on stderr.
        const t = setTimeout(() => (signal?.removeEventListener('abort', wake), resolve()), ms);
        signal?.addEventListener('abort', wake, { once: true });
      }),
  };
}

const PROBE_CONCURRENCY = 8;

/** One refresh: the report over every sample `session` holds. */
export async function collectLag(opts: LagOptions, clients: LagClients, host: Host, session = new LagSession(), clock: LagClock = realClock()): Promise<LagReport> {
  const first = session.refreshes === 0;
  session.refreshes++;
  const notes: string[] = [];
  let shards: ShardLagReport[] = [];
  const extra: Partial<LagReport> = {};
  const source = opts.source;

  if (source.kind === 'kcl' || source.kind === 'checkpoint') {
    shards = await collectPositions(opts, source, clients, session, clock, first, notes);
    Object.assign(extra, source.kind === 'kcl' ? { app: source.app, leaseTable: source.table } : { checkpointFile: source.path });
  }

  // CloudWatch: consumer/stream metrics and the DMS/Firehose stages in one batched GetMetricData.
  const { specs, perShardIds } = await metricSpecs(opts, clients, notes);
  const byMetric = source.kind !== 'kcl' && source.kind !== 'checkpoint';
  let series: ReadonlyMap<string, MetricSeries> = new Map();
  if (specs.length) {
    const endMs = clock.now();
    const fetch = getMetricSeries(await clients.cloudwatchApi(), specs, { startMs: endMs - opts.windowMs, endMs, periodS: metricPeriodS(opts.windowMs) });
    if (byMetric) {
      series = (await fetch).series;
    } else {
      // The stages are side information for KCL/checkpoint sources: a failed read degrades to a warning.
      try {
        series = (await fetch).series;
      } catch (err) {
        host.warn(`could not read the stage metrics from CloudWatch: ${(err as Error).message}`);
      }
    }
  }
  const nowMs = clock.now();
  const rules = { windowMs: opts.windowMs, thresholdMs: opts.thresholdMs };
  const metric = source.kind !== 'kcl' && source.kind !== 'checkpoint' ? evaluateMetricSource(source, series, perShardIds, rules, nowMs) : undefined;
  if (source.kind === 'efo') extra.efoConsumer = source.consumer;
  return buildLagReport({ stream: opts.stream, source, rules, extra, shards: metric?.shards ?? shards, aggregate: metric?.aggregate, throttling: metric?.throttling, series, notes, nowMs });
}

/** What to ask GetMetricData for: the consumer's metric (its own, or the stream's) and the stages named by --dms-task and --firehose. */
async function metricSpecs(opts: LagOptions, clients: LagClients, notes: string[]): Promise<{ specs: MetricSpec[]; perShardIds: string[] }> {
  const specs: MetricSpec[] = [];
  const s = opts.source;
  if (s.kind !== 'kcl' && s.kind !== 'checkpoint' && s.kind !== 'stream-metrics') specs.push(...consumerMetricSpecs(opts.stream, { kind: s.kind, name: s.consumer }));
  if (s.kind === 'lambda') await checkLambdaMapping(opts.stream, s.consumer, clients, notes);
  let perShardIds: string[] = [];
  if (opts.source.kind === 'stream-metrics') {
    const kinesis = await clients.kinesisApi();
    const [summary, listed] = await Promise.all([describeStream(kinesis, opts.stream), listAllShards(kinesis, opts.stream)]);
    if (hasPerShardIteratorAge((summary.EnhancedMonitoring ?? []).flatMap((m) => m.ShardLevelMetrics ?? []))) perShardIds = listed.shards.map((s) => s.ShardId!);
    else notes.push('per-shard iterator age needs enhanced monitoring (EnableEnhancedMonitoring IteratorAgeMilliseconds); showing the stream-level maximum over every consumer application');
    specs.push(...streamMetricSpecs(opts.stream, perShardIds));
  }
  if (opts.dmsTask || opts.firehose) {
    const cloudwatch = await clients.cloudwatchApi();
    if (opts.dmsTask) {
      const dims = await resolveDmsTask(await clients.dmsApi(), cloudwatch, opts.dmsTask);
      if (!dims.confirmed) notes.push(`DMS task ${dims.taskName}: no CDCLatencySource metric found by ListMetrics yet (has CDC run?)`);
      specs.push(...dmsMetricSpecs(dims));
    }
    if (opts.firehose) specs.push(...firehoseMetricSpecs(opts.firehose));
  }
  return { specs, perShardIds };
}

/** --lambda: the stream exists (exit 4 if not), and a mapping of it calls the function (a note if not; a failed listing is a note too). */
async function checkLambdaMapping(stream: string, fn: string, clients: LagClients, notes: string[]): Promise<void> {
  const summary = await describeStream(await clients.kinesisApi(), stream);
  try {
    const note = lambdaMappingNote(await (await clients.lambdaApi()).listAllEventSourceMappings(summary.StreamARN!), fn, stream);
    if (note) notes.push(note);
  } catch (err) {
    notes.push(`Lambda ${fn}: could not list the event source mappings of ${stream}: ${(err as Error).message}`);
  }
}

/** KCL leases or a tail checkpoint file: positions, two reads for liveness, one probe per shard. */
async function collectPositions(
  opts: LagOptions,
  source: Extract<LagSource, { kind: 'kcl' | 'checkpoint' }>,
  clients: LagClients,
  session: LagSession,
  clock: LagClock,
  first: boolean,
  notes: string[],
): Promise<ShardLagReport[]> {
  const kinesis = await clients.kinesisApi();
  const read = async (): Promise<{ atMs: number; positions: ConsumerPosition[]; activityMs?: number }> => {
    const atMs = clock.now();
    if (source.kind === 'kcl') return { atMs, positions: leasePositions((await scanLeaseTable(await clients.dynamodbApi(), source.table, opts.stream)).leases) };
    const cp = await readCheckpointFile(source.path, '--checkpoint');
    if (cp.stream !== opts.stream) throw new UsageError(`--checkpoint: '${source.path}' is a checkpoint of stream '${cp.stream}', not '${opts.stream}'`);
    // parseCheckpoint has checked updatedAt is an ISO-8601 time.
    return { atMs, activityMs: Date.parse(cp.updatedAt), positions: checkpointPositions(cp) };
  };

  // The lease table keeps no renewal time: read it twice, --observe apart, on the first refresh; a
  // live owner bumps leaseCounter every failoverTimeMillis / 3. Later --watch refreshes compare with
  // the previous refresh instead.
  const before = source.kind === 'kcl' && first && opts.observeMs > 0 ? await read() : undefined;
  if (before) {
    for (const p of before.positions) session.add(p.shardId, leaseSample(before.atMs, p), opts.windowMs);
    await clock.sleep(opts.observeMs);
  }
  const [now, listed] = await Promise.all([read(), listAllShards(kinesis, opts.stream)]);
  if (source.kind === 'kcl' && now.positions.length === 0) notes.push(`lease table '${source.table}' has no lease for stream '${opts.stream}'`);
  const rows = mapPositionsToShards(listed.shards.map(shardInfo), now.positions);

  const probes = await mapLimit(rows, PROBE_CONCURRENCY, async (row) => {
    if (!row.probe) return undefined;
    const result = await probeShardLag(kinesis, opts.stream, row.shardId, row.probe, {
      countLimit: opts.countLimit,
      withCheckpointRecord: row.consumer?.checkpointArrivalMs === undefined,
    });
    return { result, atMs: clock.now() };
  });

  return rows.map((row, i) => {
    const probe = probes[i];
    const atMs = probe?.atMs ?? now.atMs;
    const samples = session.add(row.shardId, positionSample(row, probe?.result, now.atMs, atMs), opts.windowMs);
    const ctx = { source: source.kind, observeMs: opts.observeMs, windowMs: opts.windowMs, thresholdMs: opts.thresholdMs, activityMs: now.activityMs, atMs };
    return evaluatePositionShard(row, probe?.result, samples, ctx);
  });
}

function shardInfo(s: Shard) {
  return { shardId: s.ShardId!, parentShardIds: [s.ParentShardId, s.AdjacentParentShardId].filter((x): x is string => Boolean(x)).sort(), closed: Boolean(s.SequenceNumberRange?.EndingSequenceNumber) };
}

/** One report; a progress line while the lease renewals are watched. */
export async function lagOnce(opts: LagOptions, clients: LagClients, host: Host, run: { signal: AbortSignal; observeText: string }): Promise<LagReport> {
  const spinner = opts.source.kind === 'kcl' && opts.observeMs > 0 ? await host.progress(`watching lease renewals for ${run.observeText}`) : undefined;
  return collectLag(opts, clients, host, new LagSession(), realClock(run.signal)).finally(() => spinner?.stop());
}

/** What a --watch screen shows: the last good report, and how the refresh after it is going. */
export interface LagWatchState {
  intervalMs: number;
  /** The clock's time of this update. */
  nowMs: number;
  /** The last successful refresh, and when it ended. */
  last?: { report: LagReport; atMs: number };
  /** A refresh is running, since this time. */
  refreshingSinceMs?: number;
  /** The refresh after `last` failed; cleared by the next success. */
  failed?: { atMs: number; message: string };
}

/** `report` and `failed` after each refresh; `tick` every `tickMs` in between. */
export type LagWatchEvent = 'report' | 'failed' | 'tick';

export interface LagWatch {
  intervalMs: number;
  /** Ctrl-C: ends the loop (and a sleep in progress). */
  signal: AbortSignal;
  onUpdate(event: LagWatchEvent, state: LagWatchState): void;
  /** How often to tick while a refresh runs or the loop waits (a screen that counts the seconds); none: no ticks. */
  tickMs?: number;
  /** The real clock unless a test brings its own. */
  clock?: LagClock;
}

/** --watch: a report every `intervalMs` until the signal aborts, each over the samples of the refreshes before. */
export async function watchLag(opts: LagOptions, clients: LagClients, host: Host, watch: LagWatch): Promise<void> {
  const session = new LagSession();
  const clock = watch.clock ?? realClock(watch.signal);
  await watchLoop(() => collectLag(opts, clients, host, session, clock), clock, watch);
}

/**
 * The --watch loop over any `refresh`. The first refresh's failure ends the run, as a single `lag`
 * would: there is nothing to show yet. A later one is reported (`failed`, with the figures of the
 * last success kept) and the next refresh comes an interval later, as it would have.
 */
export async function watchLoop(refresh: () => Promise<LagReport>, clock: LagClock, watch: LagWatch): Promise<void> {
  const state: Omit<LagWatchState, 'nowMs'> = { intervalMs: watch.intervalMs };
  const emit = (event: LagWatchEvent) => watch.onUpdate(event, { ...state, nowMs: clock.now() });
  while (!watch.signal.aborted) {
    state.refreshingSinceMs = clock.now();
    try {
      const report = await ticking(refresh(), clock, watch, () => emit('tick'));
      if (watch.signal.aborted) return;
      state.last = { report, atMs: clock.now() };
      state.failed = undefined;
      state.refreshingSinceMs = undefined;
      emit('report');
    } catch (err) {
      if (watch.signal.aborted) return;
      if (!state.last) throw err;
      state.failed = { atMs: clock.now(), message: (err as Error).message };
      state.refreshingSinceMs = undefined;
      emit('failed');
    }
    await ticking(clock.sleep(watch.intervalMs), clock, watch, () => emit('tick'));
  }
}

/** `work`'s result, with `onTick` called every `watch.tickMs` until it settles. */
async function ticking<T>(work: Promise<T>, clock: LagClock, watch: LagWatch, onTick: () => void): Promise<T> {
  if (!watch.tickMs) return work;
  let settled = false;
  const done = work.then(
    () => void (settled = true),
    () => void (settled = true),
  );
  for (;;) {
    await Promise.race([done, clock.sleep(watch.tickMs)]);
    if (settled || watch.signal.aborted) return work;
    onTick();
  }
}
