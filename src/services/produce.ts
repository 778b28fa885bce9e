/**
 * `produce`: makes sure the stream is there (creating it with --create-shards), generates CDC records at
 * the target rate and writes them with the stream writer, then compares what the stream took with the
 * capacity plan for the load.
 */
import type { StreamDescriptionSummary } from '@aws-sdk/client-kinesis';
import type { KinesisApi } from '../aws/api/kinesis.js';
import { describeStream, waitForStreamActive } from '../aws/shards.js';
import { StreamWriter, type WriterStats } from '../aws/stream-writer.js';
import { planCapacity } from '../core/capacity.js';
import { CdcGenerator, type GeneratorOptions } from '../core/cdc-generator.js';
import { RECORD_DEFAULT_MAX_BYTES } from '../core/limits.js';
import { checkLoad, type LoadCheck } from '../core/load-check.js';
import { TokenBucket } from '../core/rate.js';
import { formatDurationMs, KIB, MIB } from '../core/units.js';
import { AwsCallError, NotFoundError, UsageError } from '../errors.js';
import type { Host } from './host.js';

export interface ProduceOptions {
  stream: string;
  /** Target user records per second. */
  rps: number;
  kb: number;
  /** Stop after this many records … */
  count?: number;
  /** … or after this long. */
  durationMs?: number;
  generator: GeneratorOptions;
  /** Pack records into KPL aggregated records. */
  aggregate: boolean;
  /** Create the stream with this many provisioned shards when it does not exist. */
  createShards?: number;
  /** PutRecords requests in flight at once. */
  maxInFlight: number;
}

export interface ProduceClients {
  kinesisApi(): Promise<KinesisApi>;
}

export interface ProduceProgress {
  records: number;
  bytes: number;
  generated: number;
  throttled: number;
  elapsedMs: number;
  pending: number;
}

export interface ProduceHooks {
  onProgress?(progress: ProduceProgress): void;
  /**
   * Asked for once writing starts: the signal that stops generating (Ctrl-C); records already generated
   * are still written. Before that (while the stream is created) Ctrl-C ends the process as usual.
   */
  interrupt?(): AbortSignal;
}

export interface ProduceResult extends WriterStats {
  /** From the start to the last acknowledgement: what the stream actually took in. */
  seconds: number;
  stoppedEarly: boolean;
  /** --duration: the records the rate asks for in that time (rps × duration). */
  target?: number;
  /** Generated but not sent when the time was up or Ctrl-C came (the in-flight requests were finished). */
  notSent: number;
}

export interface ProduceReport {
  result: ProduceResult;
  recordsPerSecond: number;
  mibPerSecond: number;
  /** The capacity plan for the load against the stream's mode and open shards. */
  check: LoadCheck;
  notes: string[];
}

/** The stream a load goes to. */
export interface TargetStream {
  mode: 'provisioned' | 'on-demand';
  openShards: number;
  /** Largest Data + partition key of one record: MaxRecordSizeInKiB, 1 MiB by default (Kinesis Data Streams Developer Guide, Handle large records). */
  maxRecordBytes: number;
  created: boolean;
}

export async function produce(options: ProduceOptions, clients: ProduceClients, host: Host, hooks: ProduceHooks = {}): Promise<ProduceReport> {
  const gen = options.generator;
  // With schema-table partitioning, a table's share of the traffic all lands on one key (and shard).
  const plan = planCapacity({ rps: options.rps, kb: options.kb, ...(gen.partitionKey === 'schema-table' ? { skew: 1 / gen.tables } : {}) });
  const kinesis = await clients.kinesisApi();
  const target = await prepareStream(kinesis, options.stream, options.createShards);
  if (target.created) host.info(`created stream ${options.stream} with ${options.createShards} shard${options.createShards === 1 ? '' : 's'}`);
  if (options.kb * KIB + KIB > target.maxRecordBytes) {
    throw new UsageError(`--kb: ${options.kb} KiB records do not fit the stream's maximum record size of ${target.maxRecordBytes / KIB} KiB`, 'raise it with UpdateMaxRecordSize (up to 10240 KiB) or lower --kb');
  }
  const result = await writeLoad(kinesis, options, target.maxRecordBytes, hooks);
  const recordsPerSecond = result.records / Math.max(result.seconds, 1e-9);
  const notes: string[] = [];
  if (result.target !== undefined && result.records < result.target) {
    notes.push(`the stream took ${result.records} of the ${result.target} records ${options.rps}/s × ${formatDurationMs(options.durationMs!)} asks for (${Math.round((100 * result.records) / result.target)} %)${result.notSent ? `; ${result.notSent} generated records were not sent when the time was up` : ''}`);
  }
  if (recordsPerSecond < options.rps * 0.9 && !result.stoppedEarly) notes.push(`achieved ${Math.round(recordsPerSecond)} records/s, below the ${options.rps} target: the client or the network is the bottleneck (try --max-in-flight)`);
  if (result.throttled > 0) notes.push(`${result.throttled} entries were throttled and retried: the stream is at its write limit`);
  // The generator sizes rows around --kb; deletes, keys and JSON overhead move the mean: say what was written.
  const meanKiB = result.records ? result.bytes / result.records / KIB : 0;
  if (result.records && Math.abs(meanKiB - options.kb) > Math.max(0.05 * options.kb, 0.01)) {
    notes.push(`the records average ${meanKiB.toFixed(2)} KiB, not the ${options.kb} KiB of --kb (row sizes vary by operation and table)`);
  }
  return {
    result,
    recordsPerSecond,
    mibPerSecond: result.bytes / MIB / Math.max(result.seconds, 1e-9),
    check: checkLoad(plan, { mode: target.mode, openShards: target.openShards }),
    notes,
  };
}

/** Generates records at the target rate until the count, the duration or a stop, and writes them all. */
async function writeLoad(kinesis: KinesisApi, options: ProduceOptions, maxRecordBytes: number, hooks: ProduceHooks): Promise<ProduceResult> {
  const source = new CdcGenerator(options.generator);
  const signal = hooks.interrupt?.();
  const wall = Date.now;
  const t0 = performance.now();
  const clock = () => performance.now() - t0;
  const writer = await StreamWriter.open(kinesis, { stream: options.stream, aggregate: options.aggregate, maxInFlight: options.maxInFlight, maxRecordBytes, clock });
  // Capacity of one second's worth: a stall is caught up within a second, never as a larger burst.
  const bucket = new TokenBucket(options.rps, Math.max(1, options.rps), 0);
  const limitCount = options.count ?? Infinity;
  const endMs = options.durationMs ?? Infinity;
  const encoder = new TextEncoder();
  let generated = 0;
  let generating = true;
  let stoppedEarly = false;
  // --duration and Ctrl-C bound the wall time: what is not sent by then is not sent (--count writes every record).
  let bounded = false;
  let notSent = 0;

  const release = (now: number): void => {
    if (!generating) return;
    const stopped = signal?.aborted ?? false;
    const n = stopped ? 0 : bucket.take(Math.min(now, endMs), limitCount - generated);
    for (let i = 0; i < n; i++) {
      const rec = source.next(wall());
      if (encoder.encode(rec.partitionKey).length + rec.data.length > maxRecordBytes) {
        throw new AwsCallError(`a generated record of ${rec.data.length} bytes exceeds the stream's maximum record size of ${maxRecordBytes} bytes`);
      }
      writer.add(rec);
      generated++;
    }
    if (stopped || generated >= limitCount || now >= endMs) {
      generating = false;
      stoppedEarly = stopped;
      bounded = stopped || now >= endMs;
    }
  };

  for (;;) {
    const now = clock();
    if (!writer.failed) release(now);
    if (bounded) notSent += writer.discardQueued();
    await writer.send(now, !generating);
    hooks.onProgress?.({ records: writer.stats.records, bytes: writer.stats.bytes, generated, throttled: writer.stats.throttled, elapsedMs: now, pending: writer.pending });
    writer.throwIfFailed();
    if (!generating && writer.idle) break;
    let waitMs = writer.flushIntervalMs;
    if (generating && Number.isFinite(endMs)) waitMs = Math.max(0, Math.min(waitMs, endMs - now));
    await writer.settle(waitMs);
  }
  return { ...writer.stats, seconds: clock() / 1000, stoppedEarly, notSent, ...(Number.isFinite(endMs) ? { target: Math.round((options.rps * endMs) / 1000) } : {}) };
}

/**
 * Describes the stream; with `createShards`, creates it first (provisioned, that many shards) when it
 * does not exist, and waits until it is ACTIVE.
 */
async function prepareStream(kinesis: KinesisApi, stream: string, createShards: number | undefined): Promise<TargetStream> {
  let created = false;
  let summary: StreamDescriptionSummary | undefined;
  try {
    summary = await describeStream(kinesis, stream);
  } catch (err) {
    if (!(err instanceof NotFoundError) || createShards === undefined) {
      if (err instanceof NotFoundError) throw new NotFoundError(err.message, 'create it first, or pass --create-shards <n> to create it with n shards');
      throw err;
    }
    await kinesis.createStream({ StreamName: stream, ShardCount: createShards, StreamModeDetails: { StreamMode: 'PROVISIONED' } });
    created = true;
  }
  // Writes to a stream that is UPDATING work; CREATING does not, so wait for ACTIVE.
  if (!summary || (summary.StreamStatus !== 'ACTIVE' && summary.StreamStatus !== 'UPDATING')) {
    summary = await waitForStreamActive(kinesis, stream, { timeoutMs: 120_000, maxDelayMs: 1000 });
  }
  const maxKiB = summary.MaxRecordSizeInKiB;
  return {
    mode: summary.StreamModeDetails?.StreamMode === 'ON_DEMAND' ? 'on-demand' : 'provisioned',
    openShards: summary.OpenShardCount ?? 0,
    maxRecordBytes: maxKiB ? maxKiB * 1024 : RECORD_DEFAULT_MAX_BYTES,
    created,
  };
}
