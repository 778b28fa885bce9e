/**
 * `put`: writes records from files, stdin or an S3 archive into a stream. Two passes: every input is read
 * and parsed first (put-input.ts), so a bad record stops the run before anything is written; then the
 * records go out through the stream writer (PutRecords batches, several in flight, each partition key's
 * records in order, only failed entries retried) at no more than the write rate.
 */
import type { KinesisApi } from '../aws/api/kinesis.js';
import type { S3Api } from '../aws/api/s3.js';
import { describeStream } from '../aws/shards.js';
import { MAX_IDLE_MS, StreamWriter, type WriterRecord } from '../aws/stream-writer.js';
import { badLine, tailLine, type BadInput, type PutRecord } from '../core/put-formats.js';
import type { KeyTemplate } from '../core/put-key.js';
import { writeRate, type WriteRate } from '../core/put-plan.js';
import { RECORD_DEFAULT_MAX_BYTES } from '../core/limits.js';
import { TokenBucket } from '../core/rate.js';
import { writeNewFile } from '../io/put-input.js';
import { AwsCallError, InterruptedError, UsageError, type CliError } from '../errors.js';
import type { Host } from './host.js';
import { readAndParse, type InputSpec, type ReadProgress, type SourceSummary } from './put-input.js';

export interface PutOptions {
  stream: string;
  input: InputSpec;
  key?: KeyTemplate;
  defaultKey: KeyTemplate;
  errorCodes?: string[];
  max?: number;
  dryRun: boolean;
  rps?: number;
  mibps?: number;
  aggregate: boolean;
  skipBad: boolean;
  /** Where bad (with --skip-bad) and unwritten records go; created only when there is one. */
  failedFile: string;
  maxInFlight: number;
  /** Attempts per record before it goes to the failed file. */
  maxAttempts?: number;
}

export interface PutClients {
  kinesisApi(): Promise<KinesisApi>;
  s3Api(): Promise<S3Api>;
}

export interface PutProgress {
  phase: 'read' | 'write';
  read?: ReadProgress;
  records: number;
  bytes: number;
  totalRecords: number;
  totalBytes: number;
  throttled: number;
  elapsedMs: number;
}

export interface PutHooks {
  onProgress?(p: PutProgress): void;
  /** Asked for when writing starts: the signal that stops sending (what was not sent goes to the failed file). */
  interrupt?(): AbortSignal;
}

export interface PutResult {
  stream: string;
  dryRun: boolean;
  sources: SourceSummary[];
  /** Good records read, and those selected (after --max). */
  parsed: number;
  selected: number;
  selectedBytes: number;
  bad: BadInput[];
  byErrorCode: Record<string, number>;
  filtered: number;
  reserialized: number;
  objectsOutsideWindow: number;
  rate: WriteRate;
  written: { records: number; kinesisRecords: number; bytes: number; batches: number; retries: number; throttles: number; otherFailures: number };
  /** Records that could not be written after retries, or were not sent (Ctrl-C). */
  failed: number;
  notSent: number;
  failedFile?: string;
  phasesMs: { describe: number; read: number; parse: number; write: number };
  /** What the run ends with (the command throws it after the report). */
  error?: CliError;
}

export async function put(options: PutOptions, clients: PutClients, host: Host, hooks: PutHooks = {}): Promise<PutResult> {
  const t0 = performance.now();
  const kinesis = await clients.kinesisApi();
  const summary = await describeStream(kinesis, options.stream);
  if (summary.StreamStatus === 'CREATING' || summary.StreamStatus === 'DELETING') {
    throw new AwsCallError(`stream ${options.stream} is ${summary.StreamStatus}: it takes no records now`, 'wait until it is ACTIVE');
  }
  const maxRecordBytes = summary.MaxRecordSizeInKiB ? summary.MaxRecordSizeInKiB * 1024 : RECORD_DEFAULT_MAX_BYTES;
  const rate = writeRate(summary.OpenShardCount ?? 1, options);
  const describeMs = performance.now() - t0;

  const input = await readAndParse(
    options.input,
    () => clients.s3Api(),
    { key: options.key, defaultKey: options.defaultKey, maxRecordBytes, random: Math.random, ...(options.errorCodes ? { errorCodes: new Set(options.errorCodes) } : {}) },
    (read) => hooks.onProgress?.({ phase: 'read', read, records: 0, bytes: 0, totalRecords: 0, totalBytes: 0, throttled: 0, elapsedMs: performance.now() - t0 }),
  );
  const selected = options.max !== undefined ? input.records.slice(0, options.max) : input.records;
  let selectedBytes = 0;
  for (const r of selected) selectedBytes += r.data.length;
  const result: PutResult = {
    stream: options.stream,
    dryRun: options.dryRun,
    sources: input.sources,
    parsed: input.records.length,
    selected: selected.length,
    selectedBytes,
    bad: input.bad,
    byErrorCode: input.byErrorCode,
    filtered: input.filtered,
    reserialized: input.reserialized,
    objectsOutsideWindow: input.objectsOutsideWindow,
    rate,
    written: { records: 0, kinesisRecords: 0, bytes: 0, batches: 0, retries: 0, throttles: 0, otherFailures: 0 },
    failed: 0,
    notSent: 0,
    phasesMs: { describe: describeMs, read: input.readMs, parse: input.parseMs, write: 0 },
  };
  if (input.reserialized) host.warn(`${input.reserialized} tail line${input.reserialized === 1 ? '' : 's'} carry a JSON payload, not the record's bytes: written re-serialized (tail --include-raw keeps the bytes)`);
  if (input.bad.length && !options.skipBad) {
    const first = input.bad[0]!;
    result.error = new UsageError(
      `${first.where}: ${first.reason}${input.bad.length > 1 ? ` (and ${input.bad.length - 1} more bad input${input.bad.length > 2 ? 's' : ''})` : ''}; nothing was written`,
      'fix the input, or pass --skip-bad to write the good records and put the bad ones in --failed-file',
    );
    return result;
  }
  if (options.dryRun) return result;

  const unwritten: { rec: PutRecord | WriterRecord; reason: string }[] = [];
  const t2 = performance.now();
  const stats = await writeAll(kinesis, options, selected, rate, maxRecordBytes, unwritten, result, hooks);
  result.phasesMs.write = performance.now() - t2;
  result.written = {
    records: stats.records,
    kinesisRecords: stats.kinesisRecords,
    bytes: stats.bytes,
    batches: stats.requests,
    retries: stats.throttled + stats.otherFailures,
    throttles: stats.throttled,
    otherFailures: stats.otherFailures,
  };
  const lines = [...(options.skipBad ? input.bad.map(badLine) : []), ...unwritten.map((u) => tailLine(u.rec, { failed: u.reason }))];
  if (lines.length) {
    await writeNewFile(options.failedFile, lines);
    result.failedFile = options.failedFile;
  }
  if (result.error === undefined && result.failed > 0) {
    result.error = new AwsCallError(
      `${result.failed} record${result.failed === 1 ? '' : 's'} could not be written after retries; they are in ${options.failedFile}`,
      `retry them with: cdcpipe put ${options.stream} ${options.failedFile}`,
    );
  }
  return result;
}

async function writeAll(
  kinesis: KinesisApi,
  options: PutOptions,
  records: PutRecord[],
  rate: WriteRate,
  maxRecordBytes: number,
  unwritten: { rec: PutRecord | WriterRecord; reason: string }[],
  result: PutResult,
  hooks: PutHooks,
): Promise<{ records: number; kinesisRecords: number; bytes: number; requests: number; throttled: number; otherFailures: number }> {
  const t0 = performance.now();
  const clock = () => performance.now() - t0;
  const writer = await StreamWriter.open(kinesis, {
    stream: options.stream,
    aggregate: options.aggregate,
    maxInFlight: options.maxInFlight,
    maxRecordBytes,
    clock,
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    onGiveUp: (rec, reason) => {
      unwritten.push({ rec, reason });
      result.failed++;
    },
  });
  const signal = hooks.interrupt?.();
  // A second's worth at most as a burst; the byte bucket holds at least one record of the largest size.
  const recordBucket = new TokenBucket(rate.recordsPerSecond, Math.max(1, rate.recordsPerSecond), 0);
  const byteBucket = new TokenBucket(rate.bytesPerSecond, Math.max(rate.bytesPerSecond, maxRecordBytes), 0);
  const total = records.length;
  let next = 0;
  let stopped = false;
  // Enough queued for several full batches in flight, not the whole input.
  const queueMax = Math.max(2000, options.maxInFlight * 500);
  for (;;) {
    const now = clock();
    if (!stopped && signal?.aborted) {
      stopped = true;
      for (const rec of writer.takeQueued()) unwritten.push({ rec, reason: 'not sent: stopped' });
      for (; next < total; next++) unwritten.push({ rec: records[next]!, reason: 'not sent: stopped' });
    }
    // Until the rate lets the next record go; Infinity when the queue is full or the input is all queued.
    let rateWaitMs = Infinity;
    while (!stopped && !writer.failed && next < total && writer.pending < queueMax) {
      const r = records[next]!;
      const cost = Math.min(r.data.length + Buffer.byteLength(r.partitionKey, 'utf8'), byteBucket.capacity);
      if (recordBucket.available(now) < 1 || byteBucket.available(now) < cost) {
        rateWaitMs = Math.max(1, recordBucket.msUntil(now, 1), byteBucket.msUntil(now, cost));
        break;
      }
      recordBucket.take(now, 1);
      byteBucket.take(now, cost);
      // Each partition key's records in order: the key is the row (no orderingKey).
      writer.add(r);
      next++;
    }
    const done = stopped || next >= total;
    await writer.send(now, done);
    hooks.onProgress?.({ phase: 'write', records: writer.stats.records, bytes: writer.stats.bytes, totalRecords: total, totalBytes: result.selectedBytes, throttled: writer.stats.throttled, elapsedMs: now });
    if (writer.failed) {
      // A request failed in a way no retry fixes (access denied, a bad request): nothing more is sent.
      for (const rec of writer.takeQueued()) unwritten.push({ rec, reason: 'not sent: the run failed' });
      if (writer.idle) break;
    }
    if (done && writer.idle) break;
    // Sleeps until there is something to do (a request finishing ends it early), looking at least every
    // MAX_IDLE_MS for Ctrl-C; not a tick every flush interval while every row waits on a request in flight.
    await writer.settle(Math.min(rateWaitMs, writer.wakeInMs(clock()), MAX_IDLE_MS));
  }
  if (writer.failed) {
    for (; next < total; next++) unwritten.push({ rec: records[next]!, reason: 'not sent: the run failed' });
    try {
      writer.throwIfFailed();
    } catch (err) {
      result.error = err as CliError;
    }
  }
  result.notSent = unwritten.filter((u) => u.reason.startsWith('not sent')).length;
  result.failed = unwritten.length;
  if (stopped) result.error ??= new InterruptedError(`stopped: ${result.notSent} records not sent are in ${options.failedFile}`);
  return writer.stats;
}
