/** What `cdcpipe produce` shows: the live status line, the human report and the --json document. */
import type { ChalkInstance } from 'chalk';
import { MIB, formatDurationMs, formatNumber } from '../core/units.js';
import type { ProduceOptions, ProduceProgress, ProduceReport } from '../services/produce.js';
import type { Output } from './output.js';
import { renderTable, pct } from './table.js';

const n = (v: number, digits = 0): string => formatNumber(v, digits, digits);

/** Achieved rate, throttling, per-shard spread and the plan verdict. */
export function renderProduceReport(report: ProduceReport, options: ProduceOptions, color: ChalkInstance): string {
  const { result, check } = report;
  const lines: string[] = [];
  const aggregated = result.kinesisRecords !== result.records ? ` in ${n(result.kinesisRecords)} aggregated Kinesis records` : '';
  lines.push(`${color.bold(`wrote ${n(result.records)} records`)}${aggregated} (${n(result.bytes / MIB, 2)} MiB) to ${options.stream} in ${n(result.seconds, 2)} s${result.stoppedEarly ? ' (stopped early)' : ''}`);
  lines.push(`  rate       ${n(report.recordsPerSecond, 1)} records/s · ${n(report.mibPerSecond, 3)} MiB/s   (target ${n(options.rps, 2)} records/s · ${n((options.rps * options.kb * 1024) / MIB, 3)} MiB/s)`);
  lines.push(`  throttled  ${n(result.throttled)} entries${result.throttled ? ' (retried in order)' : ''}${result.otherFailures ? `, ${n(result.otherFailures)} other failed entries (retried)` : ''}`);
  const verdictColor = check.verdict === 'holds' ? color.green : check.verdict === 'tight' ? color.yellow : color.red;
  lines.push(`  plan       ${verdictColor(check.verdict)}: ${check.message}`);
  for (const w of check.warnings) lines.push(`             ${color.yellow('!')} ${w}`);
  for (const note of report.notes) lines.push(`  note       ${note}`);
  const seed = options.generator.seed;
  lines.push(`  seed       ${seed} (pass --seed ${seed} to generate the same records again)`);
  const shards = Object.entries(result.perShard).sort(([a], [b]) => a.localeCompare(b));
  if (shards.length) {
    lines.push('');
    lines.push(renderTable(['shard', 'records', 'share'], shards.map(([id, count]) => [id, n(count), pct(count / Math.max(1, result.records))]), { align: ['left', 'right', 'right'] }));
  }
  return lines.join('\n');
}

/** The --json document (docs/produce.md). */
export function produceDocument(report: ProduceReport, options: ProduceOptions): object {
  const { result } = report;
  const gen = options.generator;
  return {
    stream: options.stream,
    records: result.records,
    bytes: result.bytes,
    seconds: round(result.seconds, 3),
    recordsPerSecond: round(report.recordsPerSecond, 1),
    mibPerSecond: round(report.mibPerSecond, 3),
    throttled: result.throttled,
    perShard: result.perShard,
    kinesisRecords: result.kinesisRecords,
    partitionKeyBytes: result.partitionKeyBytes,
    otherFailures: result.otherFailures,
    requests: result.requests,
    stoppedEarly: result.stoppedEarly,
    ...(result.target !== undefined ? { targetRecords: result.target } : {}),
    notSent: result.notSent,
    target: {
      rps: options.rps,
      kb: options.kb,
      count: options.count ?? null,
      durationMs: options.durationMs ?? null,
      format: gen.format,
      partitionKey: gen.partitionKey,
      tables: gen.tables,
      ops: gen.ops,
      kplAggregate: options.aggregate,
      seed: gen.seed,
    },
    plan: report.check,
    notes: report.notes,
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** The live status line while records are written, redrawn at most every 200 ms (only on a terminal, without -q). */
export function produceProgress(out: Output, options: ProduceOptions): { update(p: ProduceProgress): void; clear(): void } {
  const live = new LiveLine(out.stderr, out.interactive && !out.quiet);
  const goal = options.count !== undefined ? `${formatNumber(options.count)} records` : formatDurationMs(options.durationMs!);
  let lastDraw = 0;
  return {
    update: (p) => {
      if (p.elapsedMs - lastDraw < 200) return;
      lastDraw = p.elapsedMs;
      const s = Math.max(p.elapsedMs / 1000, 0.001);
      live.update(`${options.stream}: ${formatNumber(p.records)} records · ${Math.round(p.records / s)}/s · ${(p.bytes / MIB / s).toFixed(2)} MiB/s · throttled ${p.throttled} · ${formatDurationMs(p.elapsedMs)} of ${goal}`);
    },
    clear: () => live.clear(),
  };
}

/**
 * One status line redrawn in place on a terminal (carriage return + erase line), cut to the
 * terminal's width so it never wraps; nothing at all when stderr is not a terminal.
 */
class LiveLine {
  private shown = false;

  constructor(
    private readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    private readonly enabled: boolean,
  ) {}

  update(text: string): void {
    if (!this.enabled) return;
    const width = this.stream.columns && this.stream.columns > 10 ? this.stream.columns - 1 : 79;
    this.stream.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}
