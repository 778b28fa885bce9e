/**
 * `tail`: wires the reading engine to stdout (pretty / json / raw / template lines), the checkpoint file,
 * Ctrl-C and the end-of-run summary. Loaded lazily by src/commands/tail.ts.
 */
import type { Context } from '../context.js';
import type { CheckpointFile } from '../core/checkpoint.js';
import type { RecordView } from '../core/decode.js';
import type { FromSpec, ReadFrom } from '../core/lineage.js';
import { compileFilter, redactView, type RecordFilter } from '../core/record-filter.js';
import { formatNumber } from '../core/units.js';
import { UsageError } from '../errors.js';
import { readCheckpointFile, writeCheckpointFile } from '../io/checkpoint-file.js';
import { LineWriter } from '../io/line-writer.js';
import { formatJsonLine, formatPretty, formatRaw, formatTemplate } from '../render/record.js';
import { StreamReader, type EndReason, type ReaderStats, type RecordBatch } from './stream-reader.js';

export type TailFormat = 'pretty' | 'json' | 'raw' | 'template';

export interface TailOptions {
  stream: string;
  from: FromSpec;
  shards: string[];
  untilEnd: boolean;
  max?: number;
  until?: Date;
  filter: RecordFilter;
  format: TailFormat;
  template?: string;
  redact?: string[];
  checkpointPath?: string;
  efo?: { consumerName: string; keepConsumer: boolean };
  concurrency: number;
}

/** How often the checkpoint file is rewritten while reading (when it changed). */
const CHECKPOINT_INTERVAL_MS = 1000;

export async function runTail(ctx: Context, opts: TailOptions): Promise<void> {
  const out = ctx.out;
  const from = await resolveFrom(opts);
  const kinesis = await (await ctx.aws()).kinesisSdk();
  const filterFn = hasFilter(opts.filter) ? compileFilter(opts.filter) : undefined;
  const reader = new StreamReader(kinesis, {
    stream: opts.stream,
    from,
    shards: opts.shards,
    untilEnd: opts.untilEnd,
    ...(opts.max !== undefined ? { max: opts.max } : {}),
    ...(opts.until ? { until: opts.until } : {}),
    ...(filterFn ? { filter: filterFn } : {}),
    concurrency: opts.concurrency,
    // Tests only: small GetRecords pages make more calls, so injected faults hit more of them.
    ...(ctx.env.CDCPIPE_TEST_GETRECORDS_LIMIT ? { recordsPerCall: Number(ctx.env.CDCPIPE_TEST_GETRECORDS_LIMIT) } : {}),
    ...(opts.efo ? { efo: opts.efo } : {}),
    log: { info: (t) => out.info(t), warn: (t) => out.warn(t), debug: (t) => out.debug(t) },
  });

  const format = formatter(opts, out.color);
  const redact = opts.redact ? new Set(opts.redact) : undefined;
  const stdout = out.stdout;
  // Lines leave in pieces of 256 KiB, far cheaper than a write per record. process.stdout copies what it
  // writes (file, terminal, pipe), so its buffer may be reused once a write left nothing queued
  // (src/io/line-writer.ts); any other stream gets a fresh buffer per piece.
  const lines = new LineWriter(stdout, stdout === process.stdout);
  const consume = (batch: RecordBatch): Promise<void> => {
    const views = batch.views;
    for (let i = 0; i < views.length; i++) lines.line(format(redact ? redactView(views[i]!, redact) : views[i]!));
    // One place per batch to wait for a slow reader.
    return lines.flush();
  };

  const checkpoints = opts.checkpointPath ? new CheckpointWriter(opts.checkpointPath, () => reader.checkpoint(new Date())) : undefined;
  const timer = checkpoints ? setInterval(() => void checkpoints.flush().catch((err: Error) => out.warn(`checkpoint: ${err.message}`)), CHECKPOINT_INTERVAL_MS) : undefined;
  const started = performance.now();

  let finished = false;
  /** Runs once: at the end, on Ctrl-C, or when stdout's pipe closes (then without the summary: `| head` ends quietly). */
  const finish = async (reason: EndReason | 'pipe-closed') => {
    if (finished) return;
    finished = true;
    if (timer) clearInterval(timer);
    reader.stop();
    if (checkpoints) await checkpoints.flush();
    if (reason !== 'pipe-closed') out.info(summary(reader.stats, reason, performance.now() - started));
  };
  // The entry point closes the context when stdout's pipe is closed (EPIPE): stop reading then.
  ctx.onClose(() => finish('pipe-closed'));

  const onSigint = () => {
    // Ctrl-C: stop reading, flush, write the checkpoint, print the summary, exit 0. The handler is
    // removed at once, so a second Ctrl-C gets Node's default behaviour and ends the process.
    process.off('SIGINT', onSigint);
    reader.stop();
  };
  process.on('SIGINT', onSigint);
  try {
    const reason = await reader.run(consume);
    await finish(reason);
  } finally {
    process.removeListener('SIGINT', onSigint);
    if (timer) clearInterval(timer);
  }
}

async function resolveFrom(opts: TailOptions): Promise<ReadFrom> {
  if (opts.from.kind !== 'checkpoint') return opts.from;
  const checkpoint = await readCheckpointFile(opts.from.path);
  if (checkpoint.stream !== opts.stream) {
    throw new UsageError(`--from checkpoint:${opts.from.path}: the checkpoint is for stream '${checkpoint.stream}', not '${opts.stream}'`);
  }
  return { kind: 'checkpoint', checkpoint };
}

function hasFilter(f: RecordFilter): boolean {
  return Boolean(f.tables?.length || f.ops?.length || f.grep);
}

function formatter(opts: TailOptions, color: Context['out']['color']): (view: RecordView) => string {
  switch (opts.format) {
    case 'json':
      return formatJsonLine;
    case 'raw':
      return formatRaw;
    case 'template': {
      const template = opts.template!;
      return (view) => formatTemplate(view, template);
    }
    default:
      return (view) => formatPretty(view, color);
  }
}

/** One stderr line: records per shard, undecodable records, throttles retried. */
export function summary(stats: ReaderStats, reason: EndReason | 'pipe-closed', elapsedMs: number): string {
  // formatNumber and a plain sort, not toLocaleString/localeCompare: loading ICU cost ~50 ms CPU per tail.
  const n = formatNumber;
  const perShard = [...stats.recordsPerShard].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, count]) => `${id} ${n(count)}`);
  const parts = [
    `${n(stats.records)} records${perShard.length ? ` (${perShard.join(', ')})` : ''}`,
    `${n(stats.undecodable)} undecodable`,
    `${n(stats.throttlesRetried)} throttles retried`,
  ];
  if (stats.errorsRetried) parts.push(`${n(stats.errorsRetried)} server/network errors retried`);
  if (stats.iteratorsRenewed) parts.push(`${n(stats.iteratorsRenewed)} expired iterators renewed`);
  const why = reason === 'max' ? 'max reached' : reason === 'until' ? 'until reached' : reason === 'aborted' ? 'stopped' : 'end';
  parts.push(`${why} after ${(elapsedMs / 1000).toFixed(1)}s`);
  return `tail: ${parts.join(' · ')}`;
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
