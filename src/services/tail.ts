/**
 * `tail`: reads a stream with the StreamReader, hands each batch of decoded records to the output (which
 * writes them as lines), keeps the checkpoint file up to date, and says how and why the reading ended.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { StreamReader, type EndReason, type ReaderStats, type RecordBatch } from '../aws/stream-reader.js';
import { mergeCheckpoints, type CheckpointFile } from '../core/checkpoint.js';
import type { RecordView } from '../core/decode.js';
import type { FromSpec, ReadFrom } from '../core/lineage.js';
import { compileFilter, redactView, type RecordFilter } from '../core/record-filter.js';
import { UsageError } from '../errors.js';
import { readCheckpointFile, writeCheckpointFile } from '../io/checkpoint-file.js';
import type { Host } from './host.js';

export interface TailOptions {
  stream: string;
  from: FromSpec;
  shards: string[];
  untilEnd: boolean;
  max?: number;
  until?: Date;
  filter: RecordFilter;
  redact?: string[];
  checkpointPath?: string;
  /** --from was given on the command line (else an existing --checkpoint file is resumed). */
  fromExplicit?: boolean;
  efo?: { consumerName: string; keepConsumer: boolean };
  concurrency: number;
  /** GetRecords `Limit` (tests: small pages make more calls, so injected faults hit more of them). */
  recordsPerCall?: number;
}

export interface TailClients {
  /** The SDK client itself: the reader adds per-call middleware. */
  kinesisSdk(): Promise<KinesisClient>;
}

/** Where the records go, and the outside events that end the tail. */
export interface TailIo {
  /** Writes one batch of records, in order; resolves when the output can take more. */
  write(views: RecordView[]): Promise<void>;
  /** Registers work for when the output goes away (stdout's pipe closed): the tail then stops quietly. */
  onClose(fn: () => Promise<void>): void;
  /** Asked for when reading starts: the signal that stops it (Ctrl-C), with the checkpoint and the summary. */
  interrupt(): AbortSignal;
}

export interface TailResult {
  stats: ReaderStats;
  /** 'pipe-closed': the output went away; nothing more is to be said on it. */
  reason: EndReason | 'pipe-closed';
  elapsedMs: number;
}

/** How often the checkpoint file is rewritten while reading (when it changed). */
const CHECKPOINT_INTERVAL_MS = 1000;

export async function tail(options: TailOptions, clients: TailClients, host: Host, io: TailIo): Promise<TailResult> {
  const existing = options.checkpointPath ? await readExistingCheckpoint(options.checkpointPath) : undefined;
  const from = await resolveFrom(options, host, existing);
  const kinesis = await clients.kinesisSdk();
  const filterFn = hasFilter(options.filter) ? compileFilter(options.filter) : undefined;
  const reader = new StreamReader(kinesis, {
    stream: options.stream,
    from,
    shards: options.shards,
    untilEnd: options.untilEnd,
    ...(options.max !== undefined ? { max: options.max } : {}),
    ...(options.until ? { until: options.until } : {}),
    ...(filterFn ? { filter: filterFn } : {}),
    concurrency: options.concurrency,
    ...(options.recordsPerCall !== undefined ? { recordsPerCall: options.recordsPerCall } : {}),
    ...(options.efo ? { efo: options.efo } : {}),
    signal: io.interrupt(),
    log: host,
  });

  const redact = options.redact ? new Set(options.redact) : undefined;
  const consume = (batch: RecordBatch): Promise<void> => io.write(redact ? batch.views.map((v) => redactView(v, redact)) : batch.views);

  const checkpoints = options.checkpointPath ? new CheckpointWriter(options.checkpointPath, () => mergeCheckpoints(existing, reader.checkpoint(new Date()))) : undefined;
  const timer = checkpoints ? setInterval(() => void checkpoints.flush().catch((err: Error) => host.warn(`checkpoint: ${err.message}`)), CHECKPOINT_INTERVAL_MS) : undefined;
  const started = performance.now();

  let endedBy: TailResult['reason'] | undefined;
  /** Runs once: at the end, on Ctrl-C, or when the output goes away. */
  const finish = async (reason: TailResult['reason']) => {
    if (endedBy) return;
    endedBy = reason;
    if (timer) clearInterval(timer);
    reader.stop();
    if (checkpoints) await checkpoints.flush();
  };
  io.onClose(() => finish('pipe-closed'));
  try {
    const reason = await reader.run(consume);
    await finish(reason);
  } finally {
    if (timer) clearInterval(timer);
  }
  return { stats: reader.stats, reason: endedBy!, elapsedMs: performance.now() - started };
}

/**
 * Where reading starts. An existing --checkpoint file with no --from is resumed, as a consumer group
 * resumes; with an explicit --from other than that file, a warning says what happens to it.
 */
async function resolveFrom(options: TailOptions, host: Host, existing: CheckpointFile | undefined): Promise<ReadFrom> {
  if (existing && options.checkpointPath) {
    // Never overwritten by a checkpoint of another stream.
    if (existing.stream !== options.stream) {
      throw new UsageError(`--checkpoint ${options.checkpointPath}: the file is a checkpoint of stream '${existing.stream}', not '${options.stream}'`, 'pass another --checkpoint file');
    }
    if (!options.fromExplicit) {
      host.info(`resuming from the checkpoint in ${options.checkpointPath} (pass --from to start elsewhere)`);
      return { kind: 'checkpoint', checkpoint: existing };
    }
    if (options.from.kind !== 'checkpoint') {
      host.warn(`--checkpoint ${options.checkpointPath} exists: reading from --from instead of resuming it; the file keeps every position it holds and moves only where this run reads further`);
    }
  }
  if (options.from.kind !== 'checkpoint') return options.from;
  const checkpoint = await readCheckpointFile(options.from.path);
  if (checkpoint.stream !== options.stream) {
    throw new UsageError(`--from checkpoint:${options.from.path}: the checkpoint is for stream '${checkpoint.stream}', not '${options.stream}'`);
  }
  return { kind: 'checkpoint', checkpoint };
}

/** The --checkpoint file as it is before this run, or undefined when there is none yet. */
async function readExistingCheckpoint(path: string): Promise<CheckpointFile | undefined> {
  const { existsSync } = await import('node:fs');
  return existsSync(path) ? readCheckpointFile(path, '--checkpoint') : undefined;
}

function hasFilter(f: RecordFilter): boolean {
  return Boolean(f.tables?.length || f.ops?.length || f.grep);
}

/** Writes the checkpoint when it changed, one write at a time (atomic each: src/io/checkpoint-file.ts). */
class CheckpointWriter {
  private last = '';
  private pending: Promise<void> = Promise.resolve();
  constructor(
    private readonly path: string,
    private readonly snapshot: () => CheckpointFile,
  ) {}

  flush(): Promise<void> {
    const next = this.pending.then(async () => {
      const cp = this.snapshot();
      const key = JSON.stringify(cp.shards);
      if (key === this.last) return;
      await writeCheckpointFile(this.path, cp);
      this.last = key;
    });
    this.pending = next.catch(() => undefined);
    return next;
  }
}
