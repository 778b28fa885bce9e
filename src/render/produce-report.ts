/** The human report of `cdcpipe produce`: achieved rate, throttling, per-shard spread and the plan verdict. */
import type { ChalkInstance } from 'chalk';
import type { ProduceResult } from '../aws/producer.js';
import type { LoadCheck } from '../core/load-check.js';
import { MIB, formatNumber } from '../core/units.js';
import { renderTable, pct } from './table.js';

export interface ProduceReportInput {
  stream: string;
  result: ProduceResult;
  recordsPerSecond: number;
  mibPerSecond: number;
  rps: number;
  kb: number;
  check: LoadCheck;
  notes: string[];
  seed: number;
  color: ChalkInstance;
}

const n = (v: number, digits = 0): string => formatNumber(v, digits, digits);

export function renderProduceReport(r: ProduceReportInput): string {
  const { result, color } = r;
  const lines: string[] = [];
  const aggregated = result.kinesisRecords !== result.records ? ` in ${n(result.kinesisRecords)} aggregated Kinesis records` : '';
  lines.push(`${color.bold(`wrote ${n(result.records)} records`)}${aggregated} (${n(result.bytes / MIB, 2)} MiB) to ${r.stream} in ${n(result.seconds, 2)} s${result.stoppedEarly ? ' (stopped early)' : ''}`);
  lines.push(`  rate       ${n(r.recordsPerSecond, 1)} records/s · ${n(r.mibPerSecond, 3)} MiB/s   (target ${n(r.rps, 2)} records/s · ${n((r.rps * r.kb * 1024) / MIB, 3)} MiB/s)`);
  lines.push(`  throttled  ${n(result.throttled)} entries${result.throttled ? ' (retried in order)' : ''}${result.otherFailures ? `, ${n(result.otherFailures)} other failed entries (retried)` : ''}`);
  const verdictColor = r.check.verdict === 'holds' ? color.green : r.check.verdict === 'tight' ? color.yellow : color.red;
  lines.push(`  plan       ${verdictColor(r.check.verdict)}: ${r.check.message}`);
  for (const w of r.check.warnings) lines.push(`             ${color.yellow('!')} ${w}`);
  for (const note of r.notes) lines.push(`  note       ${note}`);
  lines.push(`  seed       ${r.seed} (pass --seed ${r.seed} to generate the same records again)`);
  const shards = Object.entries(result.perShard).sort(([a], [b]) => a.localeCompare(b));
  if (shards.length) {
    lines.push('');
    lines.push(renderTable(['shard', 'records', 'share'], shards.map(([id, count]) => [id, n(count), pct(count / Math.max(1, result.records))]), { align: ['left', 'right', 'right'] }));
  }
  return lines.join('\n');
}

/**
 * One status line redrawn in place on a terminal (carriage return + erase line), cut to the
 * terminal's width so it never wraps; nothing at all when stderr is not a terminal.
 */
export class LiveLine {
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
